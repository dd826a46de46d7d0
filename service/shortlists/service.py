"""Proposing shortlists: instantly for a newly offered dwelling, and in matching rounds over all unpublished ones.

Both read registrations from the worker's prepared pool (service.shortlists.pool) and nominate only through a claim: a
candidate whose registration changed or was taken meanwhile is withheld and the solve runs again, so a lost race
costs a retry, never a wrong candidate or a failed offer.
"""

import json
import logging
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from time import perf_counter
from typing import Any

import numpy as np
from sqlalchemy import Engine
from sqlmodel import Session, col, select

import matching
from service.audit import service as audit
from service.db import READ_ONLY
from service.dwellings.models import DWELLING_STATES, EDITABLE_STATUSES, Dwelling, DwellingStatus
from service.errors import Gone, NotFound
from service.housing_figures import housing_figures
from service.organisations.models import Organisation
from service.registrations.models import REGISTRATION_STATES, Registration, RegistrationStatus
from service.shortlists import snapshot, solver_process
from service.shortlists.models import (
    CANDIDATE_STATES,
    SHORTLIST_STATES,
    CandidateStatus,
    MatchingRun,
    RunKind,
    Shortlist,
    ShortlistCandidate,
    ShortlistStatus,
)
from service.shortlists.pool import versions
from service.shortlists.pool.claim import Nomination, claim_rows, nominate
from service.shortlists.pool.pool import PoolKey, PoolView, Regions, RegistrationPool, pool_for
from service.shortlists.problem import build_problem, dwellings_of, policy_of
from service.shortlists.rows import Context, DwellingRow, RegistrationRow
from service.sqltypes import utcnow
from service.states import move

log = logging.getLogger("doorstroom.pool")
# Every solve is bounded in time and seeded, so the same inputs give the same shortlists.
DEFAULT_ROUND_SECONDS = 10.0
RANDOM_SEED = 20261122
# A replay stops where the run did (its recorded rounds and steps); its time limit only guards against a hang.
REPLAY_TIME_FACTOR = 6
# A solve whose candidates were taken meanwhile runs again without them (a try costs a few milliseconds; ten offers
# at once contend for the same best clients, so each may lose several times). Past this many tries the shortlist
# keeps the candidates it did claim (fewer than three) rather than keep the offer waiting.
MAX_CLAIM_ATTEMPTS = 64
ROUND_CLAIM_ATTEMPTS = 3
INPUTS_FORMAT = 2
DEFAULT_POLICY = matching.RegionPolicy(version_id="default")


def pool_key(context: Context) -> PoolKey:
    """What the pool's prepared values of a run depend on: the context's day, regions and policies."""
    regions = context.regions
    return PoolKey(reference=context.reference_date,
                   regions=Regions(tuple(frozenset(r.municipality_codes) for r in regions),
                                   codes=tuple(r.code for r in regions)),
                   policies=tuple(policy_of(r) for r in regions))


def _encode_context(context: Context) -> bytes:
    """A context's stored form: canonical compressed JSON, stored once per content (its digest)."""
    return zlib.compress(json.dumps(context.to_json(), separators=(",", ":"), sort_keys=True,
                                    default=str).encode(), 6)


@dataclass(frozen=True)
class Inputs:
    """What a run saw, as stored with it: its dwellings and context, and the registrations by change number.

    The registrations are not copied: they are each one's newest version up to `as_of_seq`, then the versions of
    the run's own transaction (`overlay`), minus those withheld because another transaction took them.
    """

    dwellings: Sequence[DwellingRow]
    context_digest: str
    rejected_pairs: list[list[str]]
    as_of_seq: int
    overlay: list[list[str]]
    withheld: list[str]
    # The solver settings that reproduce the run's shortlists (matching.MatchResult.replay): the limits it was
    # given with the pricing rounds, dual steps and CP-SAT budget it took, so a round its time limit cut short
    # replays exactly. None when nothing was solved.
    params: dict[str, Any] | None = None

    def encode(self) -> bytes:
        doc = {"format": INPUTS_FORMAT, "dwellings": [d.to_json() for d in self.dwellings],
               "context_digest": self.context_digest, "rejected_pairs": self.rejected_pairs,
               "as_of_seq": self.as_of_seq, "overlay": self.overlay, "withheld": self.withheld,
               "params": self.params}
        return zlib.compress(json.dumps(doc, separators=(",", ":"), default=str).encode(), 6)


def _matchable(dwellings: list[Dwelling]) -> tuple[list[Dwelling], dict[str, str]]:
    """Split off dwellings the matcher must refuse: a year without figures is an error, never a silent pass."""
    years = set(housing_figures().years)
    skipped = {str(d.id): f"no passend-toewijzen figures for {d.available_from.year}; add them to "
                          "data/housing_figures.csv" for d in dwellings if d.available_from.year not in years}
    return [d for d in dwellings if str(d.id) not in skipped], skipped


def solve_params(seconds: float) -> matching.SolveParams:
    """Every solve's settings: bounded in time, seeded, one worker."""
    # One worker: CP-SAT (used when a neighbourhood cap is on) is only reproducible single-threaded.
    return matching.SolveParams(max_time_in_seconds=seconds, random_seed=RANDOM_SEED, num_workers=1)


def _problem(view_regs: matching.Registrations, dwelling_rows: Sequence[DwellingRow], context: Context,
             rejected: Sequence[Sequence[str]], row_of: dict[str, int]) -> matching.Problem:
    """The matcher's problem: these dwellings against the view's registrations."""
    d_index = {d.id: i for i, d in enumerate(dwelling_rows)}
    pairs = tuple((d_index[d], row_of[r]) for d, r in rejected if d in d_index and r in row_of)
    return matching.Problem(dwellings=dwellings_of(dwelling_rows, context.regions), registrations=view_regs,
                            policies=tuple(policy_of(r) for r in context.regions), figures=housing_figures(),
                            default_policy=DEFAULT_POLICY, neighbourhood_vulnerability=context.vulnerability,
                            recent_placements=context.recent_placements, rejected_pairs=pairs)


def _context(session: Session, dwellings: list[Dwelling] | None = None) -> Context:
    """The context of a run; of an instant run only its dwelling's neighbourhood scores and placements."""
    neighbourhoods = None if dwellings is None else [d.neighbourhood_code for d in dwellings]
    return snapshot.context(session=session, reference=utcnow().date(), neighbourhoods=neighbourhoods)


def _view(session: Session, context: Context, *, exact: bool = False) -> PoolView:
    return pool_for(session).view(session, pool_key(context), housing_figures(), DEFAULT_POLICY, exact=exact)


@dataclass(frozen=True)
class Solved:
    """A solve whose candidates are all claimed, with what it saw."""

    result: matching.MatchResult
    view: PoolView
    withheld: frozenset[str]
    attempts: int


def _withhold(view: PoolView, withheld: set[str]) -> np.ndarray:
    available = view.available.copy()
    for rid in withheld:
        row = view.prepared.row_of.get(rid)
        if row is not None:
            available[row] = False
    return available


def _solve_and_claim(session: Session, context: Context, dwelling_rows: Sequence[DwellingRow],
                     rejected: Sequence[Sequence[str]], kind: RunKind, seconds: float) -> Solved:
    """Solve, claim every proposed candidate, and solve again without those another transaction took."""
    withheld: set[str] = set()
    won: set[str] = set()
    attempts = ROUND_CLAIM_ATTEMPTS if kind == RunKind.round else MAX_CLAIM_ATTEMPTS
    for attempt in range(1, attempts + 1):
        view = _view(session, context, exact=kind == RunKind.round)
        problem = _problem(view.prepared.registrations, dwelling_rows, context, rejected, view.prepared.row_of)
        available = _withhold(view, withheld)
        if kind == RunKind.round:
            result = solver_process.solve(problem, solve_params(seconds),
                                          prepared=view.prepared.tables.with_available(available))
        else:
            result = _instant(problem, view, available, seconds)
        row_of = view.prepared.row_of
        wanted = [row_of[c.registration_id] for s in result.shortlists for c in s.candidates
                  if c.registration_id not in won]
        claim = claim_rows(session, view, wanted)
        won |= {view.ids[r] for r in claim.won}
        withheld |= {view.ids[r] for r in claim.taken}
        if not claim.lost:
            return Solved(result=result, view=view, withheld=frozenset(withheld), attempts=attempt)
    # Out of tries (a storm of changes): keep what was claimed; the coordinator sees a short shortlist.
    kept = tuple(_keep_only(s, won) for s in result.shortlists)
    trimmed = matching.MatchResult(**{**result.__dict__, "shortlists": kept,
                                      "filled_slots": sum(len(s.candidates) for s in kept)})
    return Solved(result=trimmed, view=view, withheld=frozenset(withheld), attempts=attempts)


def _keep_only(shortlist: matching.Shortlist, won: set[str]) -> matching.Shortlist:
    kept = [c for c in shortlist.candidates if c.registration_id in won]
    ranked = tuple(matching.Candidate(rank=i + 1, registration_index=c.registration_index,
                                      registration_id=c.registration_id, score=c.score,
                                      score_breakdown=c.score_breakdown) for i, c in enumerate(kept))
    return matching.Shortlist(dwelling_index=shortlist.dwelling_index, dwelling_id=shortlist.dwelling_id,
                              candidates=ranked, excluded=shortlist.excluded, eligible_count=shortlist.eligible_count)


def _instant(problem: matching.Problem, view: PoolView, available: np.ndarray, seconds: float) -> matching.MatchResult:
    """The instant shortlist of the problem's single dwelling (top-k is optimal for one dwelling)."""
    return matching.instant_shortlist(problem, 0, solve_params(seconds), prepared=view.prepared.tables,
                                      available=available, members=view.members)


@dataclass(frozen=True)
class PairCheck:
    """Whether one registration passes every hard rule for one dwelling, and its score there."""

    failed_rules: list[str]
    score: int
    score_breakdown: dict[str, int]


def evaluate_pair(*, session: Session, dwelling: Dwelling, registration: Registration) -> PairCheck:
    """Check one pair against every hard rule (a coordinator's replacement must pass them all)."""
    usable, _skipped = _matchable([dwelling])
    if not usable:
        return PairCheck(failed_rules=["AFFORDABILITY"], score=0, score_breakdown={})
    context = _context(session, [dwelling])
    single = RegistrationPool.single(session, pool_key(context), registration, housing_figures(), DEFAULT_POLICY)
    rows = snapshot.dwelling_rows(session=session, dwellings=usable)
    rejected = snapshot.rejected_pairs(session=session, dwelling_ids=[dwelling.id])
    problem = _problem(single.prepared.registrations, rows, context, rejected, single.prepared.row_of)
    (shortlist,) = matching.instant_shortlist(problem, 0, solve_params(5.0), prepared=single.prepared.tables,
                                              available=np.ones(1, np.bool_), members=single.members).shortlists
    if shortlist.candidates:
        best = shortlist.candidates[0]
        return PairCheck(failed_rules=[], score=best.score, score_breakdown=dict(best.score_breakdown))
    return PairCheck(failed_rules=[code for code, n in shortlist.excluded.items() if n], score=0, score_breakdown={})


def warm_pool(engine: Engine) -> None:
    """Prepare this worker's pool before the first offer needs it (a cold start reads every registration)."""
    started = perf_counter()
    with Session(engine.execution_options(**{READ_ONLY: True})) as session:
        view = _view(session, _context(session))
        session.rollback()
    log.info("registration pool prepared", extra={"registrations": int(view.members.sum()),
                                                   "seconds": round(perf_counter() - started, 2)})


def shortlist_new_dwelling(*, session: Session, dwelling: Dwelling, first: bool = False,
                           distances: np.ndarray | None = None) -> Shortlist:
    """Propose a shortlist for one dwelling among registrations on no other open shortlist.

    `first`: the dwelling was offered just now, so nobody can have been rejected for it or declined it yet.
    `distances`: its nearest-place distances as just computed (a 1 x categories array), so they are not read back.
    """
    started = perf_counter()
    usable, skipped = _matchable([dwelling])
    context = _context(session, [dwelling])
    rows = snapshot.dwelling_rows(session=session, dwellings=usable, distances=distances if usable else None)
    rejected = [] if first or not usable else snapshot.rejected_pairs(session=session, dwelling_ids=[dwelling.id])
    if not usable:
        run = _store_run(session=session, kind=RunKind.instant, org=None, context=context, dwelling_rows=rows,
                         rejected=rejected, solved=None, seconds={"load": perf_counter() - started}, skipped=skipped)
        return _blocked_shortlist(session=session, run=run, dwelling=dwelling, reason=skipped[str(dwelling.id)])
    load_s = perf_counter() - started
    solved = _solve_and_claim(session, context, rows, rejected, RunKind.instant, 5.0)
    seconds = {**solved.result.timings, "load": load_s, "total": perf_counter() - started}
    run = _store_run(session=session, kind=RunKind.instant, org=None, context=context, dwelling_rows=rows,
                     rejected=rejected, solved=solved, seconds=seconds, skipped=skipped)
    return _apply(session=session, run=run, result=solved.result, dwellings={dwelling.id: dwelling},
                  policy_versions=_versions_by_municipality(context))[0]


def run_round(*, session: Session, org: Organisation, municipalities: Iterable[str],
              max_seconds: float = DEFAULT_ROUND_SECONDS, run_id: uuid.UUID | None = None,
              on_phase: Callable[[str, float], None] | None = None) -> MatchingRun:
    """Re-optimise every unpublished shortlist in these municipalities (a coordinator's regions) together.

    `run_id` gives the run the id of the round that asked for it; `on_phase` hears each phase as it begins, with
    the share of the work done (service.shortlists.rounds reports them)."""
    phase = on_phase or (lambda _name, _done: None)
    started = perf_counter()
    phase("eligibility", 0.05)
    # A round proposes for every dwelling whose shortlist is not yet published: the ones still editable.
    unpublished = [s.value for s in EDITABLE_STATUSES]
    dwellings = list(session.exec(select(Dwelling).where(col(Dwelling.status).in_(unpublished),
                                                         col(Dwelling.municipality_code).in_(sorted(municipalities)))
                                  .order_by(col(Dwelling.created_at), col(Dwelling.id)).with_for_update()))
    usable, skipped = _matchable(dwellings)
    # Candidates of the proposed shortlists are free again for this round (the round's own changes).
    _supersede_proposed(session=session, dwelling_ids=[d.id for d in dwellings])
    context = _context(session)
    rows = snapshot.dwelling_rows(session=session, dwellings=usable)
    rejected = snapshot.rejected_pairs(session=session, dwelling_ids=[d.id for d in usable])
    load_s = perf_counter() - started
    phase("optimising", 0.2)
    solved = _solve_and_claim(session, context, rows, rejected, RunKind.round, max_seconds) if usable else None
    phase("applying", 0.8)
    seconds = {**(solved.result.timings if solved else {}), "load": load_s, "total": perf_counter() - started}
    run = _store_run(session=session, kind=RunKind.round, org=org, context=context, dwelling_rows=rows,
                     rejected=rejected, solved=solved, seconds=seconds, skipped=skipped)
    if run_id is not None:
        run.id = run_id
    if solved is not None:
        _apply(session=session, run=run, result=solved.result, dwellings={d.id: d for d in usable},
               policy_versions=_versions_by_municipality(context))
    for dwelling in dwellings:
        if str(dwelling.id) in skipped:
            _blocked_shortlist(session=session, run=run, dwelling=dwelling, reason=skipped[str(dwelling.id)])
    audit.record(session=session, organisation=org, action="matching_round", entity_type="matching_run",
                 entity_id=run.id, detail={"dwellings": run.dwellings, "filled_slots": run.filled_slots})
    return run


def _versions_by_municipality(context: Context) -> dict[str, str]:
    """Municipality code -> the policy version its region used in this run."""
    return {code: region.version_id for region in context.regions for code in region.municipality_codes}


def _store_run(*, session: Session, kind: RunKind, org: Organisation | None, context: Context,
               dwelling_rows: Sequence[DwellingRow], rejected: Sequence[Sequence[str]], solved: Solved | None,
               seconds: dict[str, float], skipped: dict[str, str]) -> MatchingRun:
    result = solved.result if solved else None
    view = solved.view if solved else None
    # The regions whose dwellings the run proposed for: its figures are theirs alone.
    regions = sorted({region.code for region in context.regions for d in dwelling_rows
                      if d.municipality_code in region.municipality_codes})
    inputs = Inputs(dwellings=dwelling_rows, context_digest=versions.store_blob(session, _encode_context(context)),
                    rejected_pairs=[list(p) for p in rejected], as_of_seq=view.as_of_seq if view else 0,
                    overlay=[list(o) for o in view.overlay] if view else [],
                    withheld=sorted(solved.withheld) if solved else [],
                    params=asdict(result.replay) if result else None)
    run = MatchingRun(
        kind=kind.value, started_by=org.id if org else None,
        solver_status=result.status if result else "NOT_RUN",
        dwellings=len(dwelling_rows), registrations=_listed_members(view, context, regions),
        eligible_pairs=result.eligible_pairs if result else 0, filled_slots=result.filled_slots if result else 0,
        objective=result.objective if result else 0, bound=float(result.bound) if result else 0.0,
        gap=float(result.gap) if result else 0.0,
        seconds={**{k: round(v, 4) for k, v in seconds.items()}, "claim_attempts": solved.attempts if solved else 0},
        policy_versions={r.code: r.policy_version for r in context.regions if r.code in regions},
        regions=regions,
        skipped=skipped, inputs=inputs.encode(), as_of_seq=inputs.as_of_seq,
    )
    session.add(run)  # flushed with the shortlists that refer to it
    return run


def _listed_members(view: PoolView | None, context: Context, regions: list[str]) -> int:
    """How many of the run's registrations are on the lists of its regions (the others could not be matched)."""
    if view is None:
        return 0
    codes = [r.code for r in context.regions]
    listed = view.prepared.registrations.region_index
    if listed is None:
        return int(view.members.sum())
    wanted = np.isin(listed, [codes.index(c) for c in regions])
    return int((view.members & wanted).sum())


def _supersede_proposed(*, session: Session, dwelling_ids: list[uuid.UUID]) -> None:
    """Close the proposed shortlists of these dwellings; their candidates are released, free to be nominated again."""
    if not dwelling_ids:
        return
    old = list(session.exec(select(Shortlist).where(col(Shortlist.dwelling_id).in_(dwelling_ids),
                                                    Shortlist.status == ShortlistStatus.proposed.value)))
    for shortlist in old:
        move(session=session, record=shortlist, to=ShortlistStatus.superseded.value, machine=SHORTLIST_STATES,
             org=None, reason="a matching round proposes again", detail={"dwelling_id": str(shortlist.dwelling_id)})
        for candidate in session.exec(select(ShortlistCandidate).where(
                ShortlistCandidate.shortlist_id == shortlist.id,
                ShortlistCandidate.status == CandidateStatus.proposed.value)):
            move(session=session, record=candidate, to=CandidateStatus.released.value, machine=CANDIDATE_STATES,
                 org=None, reason="shortlist superseded by a round",
                 detail={"dwelling_id": str(shortlist.dwelling_id),
                         "registration_id": str(candidate.registration_id)})
            _move_registration(session, candidate.registration_id, RegistrationStatus.active,
                               "shortlist superseded")
    session.flush()


def _move_registration(session: Session, registration_id: uuid.UUID, to: RegistrationStatus, reason: str) -> None:
    reg = session.exec(select(Registration).where(Registration.id == registration_id).with_for_update()).one()
    if reg.status != to.value:
        move(session=session, record=reg, to=to.value, machine=REGISTRATION_STATES,
             org=None, reason=reason)


def _apply(*, session: Session, run: MatchingRun, result: matching.MatchResult,
           dwellings: dict[uuid.UUID, Dwelling], policy_versions: dict[str, str]) -> list[Shortlist]:
    """Store the result's shortlists (every candidate claimed) and move dwellings and registrations on."""
    stored = []
    for proposal in result.shortlists:
        dwelling = dwellings[uuid.UUID(proposal.dwelling_id)]
        shortlist = Shortlist(dwelling_id=dwelling.id, run_id=run.id, status=ShortlistStatus.proposed.value,
                              policy_version=policy_versions.get(dwelling.municipality_code),
                              excluded=dict(proposal.excluded), eligible_count=proposal.eligible_count)
        session.add(shortlist)
        placed = nominate(session, shortlist=shortlist, org=None, reason="nominated by the matcher", nominations=[
            Nomination(registration_id=uuid.UUID(c.registration_id), rank=c.rank, score=c.score,
                       score_breakdown=dict(c.score_breakdown)) for c in proposal.candidates])
        if len(placed) < len(proposal.candidates):
            # Only a path that nominated without claiming can cause a refusal; the ranks stay without gaps.
            for rank, nomination in enumerate(sorted(placed, key=lambda n: n.rank), start=1):
                _rerank(session, shortlist, nomination.registration_id, rank)
        target = DwellingStatus.shortlisted if placed else DwellingStatus.offered
        _move_dwelling(session=session, dwelling=dwelling, status=target, run=run,
                       reason="shortlist proposed" if placed else "no eligible candidates")
        stored.append(shortlist)
    session.flush()
    return stored


def _rerank(session: Session, shortlist: Shortlist, registration_id: uuid.UUID, rank: int) -> None:
    candidate = session.exec(select(ShortlistCandidate).where(ShortlistCandidate.shortlist_id == shortlist.id,
                                                              ShortlistCandidate.registration_id == registration_id)
                             ).one()
    candidate.rank = rank
    session.add(candidate)


def _blocked_shortlist(*, session: Session, run: MatchingRun, dwelling: Dwelling, reason: str) -> Shortlist:
    shortlist = Shortlist(dwelling_id=dwelling.id, run_id=run.id, status=ShortlistStatus.proposed.value,
                          excluded={}, blocked_reason=reason)
    session.add(shortlist)
    _move_dwelling(session=session, dwelling=dwelling, status=DwellingStatus.offered, run=run, reason=reason)
    session.flush()
    return shortlist


def _move_dwelling(*, session: Session, dwelling: Dwelling, status: DwellingStatus, run: MatchingRun,
                   reason: str) -> None:
    if dwelling.status != status.value:
        move(session=session, record=dwelling, to=status.value, machine=DWELLING_STATES,
             org=None, reason=reason, detail={"run_id": str(run.id)})


def get_run(*, session: Session, run_id: uuid.UUID) -> MatchingRun:
    """One matching run."""
    run = session.get(MatchingRun, run_id)
    if run is None:
        raise NotFound(f"no matching run {run_id}")
    return run


def replay_run(*, session: Session, run: MatchingRun) -> matching.MatchResult | None:
    """Solve a run's stored inputs again (the same seed and limits give the same shortlists); 410 when they
    expired (service.privacy.retention) or a matcher document they point to was erased."""
    if run.inputs is None:
        raise Gone(f"the inputs of matching run {run.id} have expired (their retention period has passed), so it "
                   "can no longer be replayed")
    doc = json.loads(zlib.decompress(run.inputs))
    if doc.get("format") != INPUTS_FORMAT:
        return _replay_copied(doc, RunKind(run.kind))
    if not doc["dwellings"]:
        return None
    blob = versions.load_blob(session, doc["context_digest"])
    if blob is None:
        raise Gone(f"the inputs of matching run {run.id} are no longer stored")
    context = Context.from_json(json.loads(zlib.decompress(blob)))
    try:
        view = RegistrationPool.as_of(session, pool_key(context), doc["as_of_seq"],
                                      [tuple(o) for o in doc["overlay"]], housing_figures(), DEFAULT_POLICY)
    except LookupError:
        raise Gone(f"the inputs of matching run {run.id} are no longer whole: a registration it saw was "
                   "erased") from None
    problem = _problem(view.prepared.registrations, [DwellingRow.from_json(d) for d in doc["dwellings"]], context,
                       doc["rejected_pairs"], view.prepared.row_of)
    available = _withhold(view, set(doc["withheld"]))
    if run.kind == RunKind.round:
        return solver_process.solve(problem, replay_params(doc.get("params")),
                                    prepared=view.prepared.tables.with_available(available))
    return _instant(problem, view, available, DEFAULT_ROUND_SECONDS)


def replay_params(stored: dict[str, Any] | None) -> matching.SolveParams:
    """The settings a run recorded, with time to spare: its counted rounds and steps, not the clock, stop it."""
    if stored is None:
        # Runs from before the settings were stored: the defaults, which reproduce any run its limit did not stop.
        return solve_params(DEFAULT_ROUND_SECONDS)
    recorded = matching.SolveParams(**stored)
    return replace(recorded, max_time_in_seconds=REPLAY_TIME_FACTOR * max(recorded.max_time_in_seconds,
                                                                          DEFAULT_ROUND_SECONDS))


def _replay_copied(doc: dict[str, Any], kind: RunKind) -> matching.MatchResult | None:
    # Runs stored before change numbers carry a copy of every registration they saw.
    if not doc["dwellings"]:
        return None
    problem = build_problem(dwellings=[DwellingRow.from_json(d) for d in doc["dwellings"]],
                            registrations=[RegistrationRow.from_json(r) for r in doc["registrations"]],
                            context=Context.from_json(doc["context"]),
                            rejected_pairs=[(d, r) for d, r in doc["context"].get("rejected_pairs", [])])
    if kind == RunKind.round:
        return solver_process.solve(problem, solve_params(DEFAULT_ROUND_SECONDS))
    return matching.instant_shortlist(problem, 0, solve_params(DEFAULT_ROUND_SECONDS))


def current_shortlist(*, session: Session, dwelling_id: uuid.UUID) -> Shortlist | None:
    """The dwelling's newest shortlist that is not superseded."""
    return session.exec(select(Shortlist).where(Shortlist.dwelling_id == dwelling_id,
                                                Shortlist.status != ShortlistStatus.superseded.value)
                        .order_by(col(Shortlist.created_at).desc())).first()


def candidates_of(*, session: Session, shortlist: Shortlist) -> list[ShortlistCandidate]:
    """A shortlist's candidates by rank."""
    return list(session.exec(select(ShortlistCandidate).where(ShortlistCandidate.shortlist_id == shortlist.id)
                             .order_by(col(ShortlistCandidate.rank))))
