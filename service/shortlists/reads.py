"""Shaping shortlists and runs for the API, with the access rules of each role."""

import uuid
from collections import Counter
from typing import cast

from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, func, select

from service.audit import service as audit
from service.dwellings import service as dwellings_service
from service.errors import NotFound
from service.organisations.models import Organisation, OrganisationKind
from service.pagination import Page
from service.regions import scope
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from service.shortlists import rounds, service
from service.shortlists.models import (
    LIVE_CANDIDATE_STATUSES,
    CandidateStatus,
    MatchingRound,
    MatchingRun,
    RoundState,
    RunKind,
    Shortlist,
)
from service.shortlists.schemas import (
    SLOTS_PER_DWELLING,
    CandidatePublic,
    MatchingRoundPublic,
    MatchingRunPublic,
    ReplayPublic,
    ShortlistPublic,
)


def shortlist_for(*, session: Session, org: Organisation, dwelling_id: uuid.UUID) -> ShortlistPublic:
    """A dwelling's current shortlist; a corporation only sees its own dwellings' published ones."""
    dwelling = dwellings_service.get_dwelling(session=session, org=org, dwelling_id=dwelling_id)
    shortlist = service.current_shortlist(session=session, dwelling_id=dwelling.id)
    if shortlist is None or (org.kind == OrganisationKind.corporation and shortlist.published_at is None):
        raise NotFound(f"dwelling {dwelling_id} has no shortlist you can see yet")
    candidates = service.candidates_of(session=session, shortlist=shortlist)
    if org.kind == OrganisationKind.corporation:
        # Who the coordinator swapped out before publishing is not the corporation's business.
        candidates = [c for c in candidates if c.status != CandidateStatus.replaced]
    year = dwelling.available_from.year
    # The breakdown's terms disclose needs (urgency, low stimulus): a corporation gets rank and total score only.
    breakdowns = org.kind == OrganisationKind.coordinator
    items = []
    for c in candidates:
        reg = session.get(Registration, c.registration_id)
        assert reg is not None  # foreign key
        profile = registrations_service.candidate_profile(session=session, reg=reg, year=year, rank=c.rank,
                                                          score=c.score)
        items.append(CandidatePublic(rank=c.rank, registration_id=c.registration_id, status=c.status, score=c.score,
                                     score_breakdown=c.score_breakdown if breakdowns else None, profile=profile))
    # Showing a candidate discloses part of a registration: audited like any other read.
    audit.record_reads(session=session, organisation=org, entity_type="registration",
                       entity_ids=[c.registration_id for c in candidates])
    return ShortlistPublic(
        id=shortlist.id, dwelling_id=dwelling.id, status=shortlist.status, run_id=shortlist.run_id,
        policy_version=shortlist.policy_version, created_at=shortlist.created_at, candidates=items,
        excluded=shortlist.excluded, eligible_count=shortlist.eligible_count,
        shortfall=shortfall(shortlist=shortlist, filled=sum(c.status in LIVE_CANDIDATE_STATUSES for c in candidates)),
        blocked_reason=shortlist.blocked_reason,
    )


def shortfall(*, shortlist: Shortlist, filled: int) -> str | None:
    """Why a shortlist has fewer than three candidates: the rules that excluded the most registrations."""
    if filled >= SLOTS_PER_DWELLING or shortlist.blocked_reason:
        return None
    rules = ", ".join(f"{code} {n}" for code, n in Counter(shortlist.excluded).most_common() if n)
    taken = shortlist.eligible_count - filled
    parts = [f"{filled} of {SLOTS_PER_DWELLING} slots filled; {shortlist.eligible_count} registrations passed "
             "every hard rule"]
    if taken > 0:
        parts.append(f"{taken} of them went to other dwellings")
    if rules:
        parts.append(f"excluded per rule: {rules}")
    return "; ".join(parts)


def start_round(*, session: Session, org: Organisation, max_seconds: float) -> MatchingRoundPublic:
    """Queue a matching round over the coordinator's regions (it runs in the background: service.shortlists.rounds)."""
    queued = rounds.queue_round(session=session, org=org, max_seconds=max_seconds)
    return _round_public(session=session, job=queued)


def round_public(*, session: Session, org: Organisation, run_id: uuid.UUID) -> MatchingRoundPublic:
    """A round's state, phase and progress, with its run's figures once finished; an instant run as finished."""
    job = rounds.get_round(session=session, org=org, round_id=run_id)
    if job is None:
        run = _visible_run(session=session, org=org, run_id=run_id)
        figures = _public(session=session, run=run)
        return MatchingRoundPublic(**figures.model_dump(), state=RoundState.finished.value, phase=None, progress=1.0,
                                   error=None, started_at=None, finished_at=None)
    return _round_public(session=session, job=job)


def _round_public(*, session: Session, job: MatchingRound) -> MatchingRoundPublic:
    run = session.get(MatchingRun, job.id) if job.state == RoundState.finished.value else None
    figures = _public(session=session, run=run).model_dump(exclude={"id", "kind", "created_at"}) if run else {}
    return MatchingRoundPublic(id=job.id, kind=RunKind.round.value, state=job.state, phase=job.phase,
                               progress=job.progress, error=job.error, created_at=job.created_at,
                               started_at=job.started_at, finished_at=job.finished_at, **figures)


def _visible_run(*, session: Session, org: Organisation, run_id: uuid.UUID) -> MatchingRun:
    """A run of the coordinator's own regions; 404 for any other, as if it did not exist."""
    run = service.get_run(session=session, run_id=run_id)
    if not _runs_all(scope.scope_of(session=session, org=org), run):
        raise NotFound(f"no matching run {run_id}")
    return run


def _runs_all(own: scope.Scope, run: MatchingRun) -> bool:
    return bool(run.regions) and set(run.regions) <= own.regions


def run_public(*, session: Session, org: Organisation, run_id: uuid.UUID) -> MatchingRunPublic:
    """One run's figures."""
    return _public(session=session, run=_visible_run(session=session, org=org, run_id=run_id))


def list_runs(*, session: Session, org: Organisation, limit: int, offset: int,
              kind: RunKind | None = None) -> Page[MatchingRunPublic]:
    """The runs of the coordinator's regions (of one kind, when given), newest first."""
    own = scope.scope_of(session=session, org=org)
    # Filtered in Python: run regions are a JSON list, and a region's runs are a few a day. The stored inputs are
    # not read: a list shows figures only.
    query = (select(MatchingRun).options(defer(cast("QueryableAttribute[bytes]", MatchingRun.inputs)))
             .order_by(col(MatchingRun.created_at).desc(), col(MatchingRun.id)))
    if kind is not None:
        query = query.where(MatchingRun.kind == kind.value)
    runs = [r for r in session.exec(query).all() if _runs_all(own, r)]
    page = runs[offset:offset + limit]
    counts: dict[uuid.UUID, int] = dict(session.exec(
        select(Shortlist.run_id, func.count()).where(col(Shortlist.run_id).in_([r.id for r in page]))
        .group_by(col(Shortlist.run_id))).all()) if page else {}
    return Page(items=[_public(session=session, run=r, shortlists=counts.get(r.id, 0)) for r in page],
                total=len(runs), limit=limit, offset=offset)


def _public(*, session: Session, run: MatchingRun, shortlists: int | None = None) -> MatchingRunPublic:
    if shortlists is None:
        shortlists = session.exec(select(func.count()).select_from(Shortlist).where(Shortlist.run_id == run.id)).one()
    return MatchingRunPublic(
        id=run.id, kind=run.kind, created_at=run.created_at, solver_status=run.solver_status,
        dwellings=run.dwellings, registrations=run.registrations, eligible_pairs=run.eligible_pairs,
        filled_slots=run.filled_slots, slots=SLOTS_PER_DWELLING * run.dwellings, objective=run.objective,
        bound=run.bound, gap=run.gap, seconds=run.seconds, policy_versions=run.policy_versions,
        skipped=run.skipped, shortlists=shortlists)


def replay(*, session: Session, org: Organisation, run_id: uuid.UUID) -> ReplayPublic:
    """Solve a run's stored inputs again and compare the shortlists with the stored ones."""
    run = _visible_run(session=session, org=org, run_id=run_id)
    again = service.replay_run(session=session, run=run)
    replayed = {uuid.UUID(s.dwelling_id): [c.registration_id for c in s.candidates]
                for s in (again.shortlists if again else ())}
    stored: dict[uuid.UUID, list[str]] = {}
    for shortlist in session.exec(select(Shortlist).where(Shortlist.run_id == run.id,
                                                          col(Shortlist.blocked_reason).is_(None))):
        stored[shortlist.dwelling_id] = [str(c.registration_id)
                                         for c in service.candidates_of(session=session, shortlist=shortlist)]
    differing = sorted(d for d in stored.keys() | replayed.keys() if stored.get(d) != replayed.get(d))
    return ReplayPublic(run_id=run.id, identical=not differing, differing_dwellings=differing)
