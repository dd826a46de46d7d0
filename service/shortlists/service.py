"""Proposing shortlists: instantly for a newly offered dwelling, and in matching rounds over all unpublished ones."""

import json
import uuid
import zlib
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from sqlmodel import Session, col, select

import matching
from service.audit import service as audit
from service.dwellings.models import Dwelling, DwellingStatus
from service.errors import NotFound
from service.figures import housing_figures
from service.organisations.models import Organisation
from service.registrations.models import Registration, RegistrationStatus
from service.shortlists import snapshot
from service.shortlists.models import (
    MatchingRun,
    RunKind,
    Shortlist,
    ShortlistCandidate,
    ShortlistStatus,
)
from service.shortlists.problem import build_problem
from service.sqltypes import utcnow

# Every solve is bounded in time and seeded, so the same inputs give the same shortlists.
DEFAULT_ROUND_SECONDS = 10.0
RANDOM_SEED = 20261122


@dataclass(frozen=True)
class Inputs:
    """A snapshot: what the matcher sees, as plain data (stored with the run)."""

    dwellings: list[dict[str, Any]]
    registrations: list[dict[str, Any]]
    context: dict[str, Any]

    def encode(self) -> bytes:
        """Compressed JSON, for the run's `inputs` column."""
        doc = {"dwellings": self.dwellings, "registrations": self.registrations, "context": self.context}
        return zlib.compress(json.dumps(doc, separators=(",", ":"), default=str).encode(), 1)

    @classmethod
    def decode(cls, blob: bytes) -> "Inputs":
        """The snapshot stored with a run."""
        doc = json.loads(zlib.decompress(blob))
        return cls(dwellings=doc["dwellings"], registrations=doc["registrations"], context=doc["context"])

    def problem(self) -> matching.Problem:
        """The matcher's problem for this snapshot."""
        pairs = [(d, r) for d, r in self.context.get("rejected_pairs", [])]
        return build_problem(dwellings=self.dwellings, registrations=self.registrations, context=self.context,
                             rejected_pairs=pairs)


def _matchable(dwellings: list[Dwelling]) -> tuple[list[Dwelling], dict[str, str]]:
    """Split off dwellings the matcher must refuse: a year without figures is an error, never a silent pass."""
    years = set(housing_figures().years)
    skipped = {str(d.id): f"no passend-toewijzen figures for {d.available_from.year}; add them to "
                          "data/housing_figures.csv" for d in dwellings if d.available_from.year not in years}
    return [d for d in dwellings if str(d.id) not in skipped], skipped


def _inputs(*, session: Session, dwellings: list[Dwelling], registrations: list[Registration],
            available: set[uuid.UUID]) -> Inputs:
    reference = utcnow().date()
    context = snapshot.context(session=session, reference=reference)
    context["rejected_pairs"] = snapshot.rejected_pairs(session=session, dwelling_ids=[d.id for d in dwellings])
    return Inputs(
        dwellings=snapshot.dwelling_rows(session=session, dwellings=dwellings),
        registrations=snapshot.registration_rows(session=session, registrations=registrations,
                                                 available=available, reference=reference),
        context=context,
    )


@dataclass(frozen=True)
class PairCheck:
    """Whether one registration passes every hard rule for one dwelling, and its score there."""

    failed_rules: list[str]
    score: int
    score_breakdown: dict[str, int]


def evaluate_pair(*, session: Session, dwelling: Dwelling, registration: Registration) -> PairCheck:
    """Check one pair against every hard rule (a coordinator's replacement must pass them all)."""
    usable, skipped = _matchable([dwelling])
    if not usable:
        return PairCheck(failed_rules=["AFFORDABILITY"], score=0, score_breakdown={})
    inputs = _inputs(session=session, dwellings=usable, registrations=[registration], available={registration.id})
    shortlist = _solve(RunKind.instant, inputs.problem(), seconds=5.0).shortlists[0]
    if shortlist.candidates:
        best = shortlist.candidates[0]
        return PairCheck(failed_rules=[], score=best.score, score_breakdown=dict(best.score_breakdown))
    return PairCheck(failed_rules=[code for code, n in shortlist.excluded.items() if n], score=0, score_breakdown={})


def shortlist_new_dwelling(*, session: Session, dwelling: Dwelling) -> Shortlist:
    """Propose a shortlist for one newly offered dwelling among registrations on no other open shortlist."""
    started = perf_counter()
    usable, skipped = _matchable([dwelling])
    registrations = snapshot.matchable_registrations(session=session)
    taken = snapshot.registrations_on_open_shortlists(session=session)
    available = {r.id for r in registrations if r.status == RegistrationStatus.active.value and r.id not in taken}
    inputs = _inputs(session=session, dwellings=usable, registrations=registrations, available=available)
    load_s = perf_counter() - started
    if not usable:
        run = _store_run(session=session, kind=RunKind.instant, org=None, inputs=inputs, result=None,
                         seconds={"load": load_s}, skipped=skipped)
        return _blocked_shortlist(session=session, run=run, dwelling=dwelling, reason=skipped[str(dwelling.id)])
    t0 = perf_counter()
    result = _solve(RunKind.instant, inputs.problem(), seconds=5.0)
    run = _store_run(session=session, kind=RunKind.instant, org=None, inputs=inputs, result=result,
                     seconds={"load": load_s, "match": perf_counter() - t0}, skipped=skipped)
    return _apply(session=session, run=run, result=result, dwellings={dwelling.id: dwelling},
                  versions=_versions_by_municipality(inputs))[0]


def run_round(*, session: Session, org: Organisation, max_seconds: float = DEFAULT_ROUND_SECONDS) -> MatchingRun:
    """Re-optimise every unpublished shortlist together: dwellings offered or shortlisted, free registrations."""
    started = perf_counter()
    open_statuses = [DwellingStatus.offered.value, DwellingStatus.shortlisted.value]
    dwellings = list(session.exec(select(Dwelling).where(col(Dwelling.status).in_(open_statuses))
                                  .order_by(col(Dwelling.created_at), col(Dwelling.id)).with_for_update()))
    usable, skipped = _matchable(dwellings)
    registrations = snapshot.matchable_registrations(session=session)
    published = snapshot.registrations_on_open_shortlists(session=session, statuses={ShortlistStatus.published})
    available = {r.id for r in registrations if r.id not in published}
    inputs = _inputs(session=session, dwellings=usable, registrations=registrations, available=available)
    load_s = perf_counter() - started
    result = _solve(RunKind.round, inputs.problem(), seconds=max_seconds) if usable else None
    seconds = {"load": load_s, **(dict(result.timings) if result else {})}
    run = _store_run(session=session, kind=RunKind.round, org=org, inputs=inputs, result=result, seconds=seconds,
                     skipped=skipped)
    _supersede_proposed(session=session, dwelling_ids=[d.id for d in dwellings])
    if result is not None:
        _apply(session=session, run=run, result=result, dwellings={d.id: d for d in usable},
               versions=_versions_by_municipality(inputs))
    for dwelling in dwellings:
        if str(dwelling.id) in skipped:
            _blocked_shortlist(session=session, run=run, dwelling=dwelling, reason=skipped[str(dwelling.id)])
    audit.record(session=session, organisation=org, action="matching_round", entity_type="matching_run",
                 entity_id=run.id, detail={"dwellings": run.dwellings, "filled_slots": run.filled_slots})
    return run


def _solve(kind: RunKind, problem: matching.Problem, *, seconds: float) -> matching.MatchResult:
    """Run the matcher; an instant run shortlists the problem's single dwelling (top-k is optimal for one)."""
    # One worker: CP-SAT (used when a neighbourhood cap is on) is only reproducible single-threaded.
    params = matching.SolveParams(max_time_in_seconds=seconds, random_seed=RANDOM_SEED, num_workers=1)
    if kind == RunKind.round:
        return matching.solve(problem, params)
    started = perf_counter()
    shortlist = matching.instant_shortlist(problem, 0, params)
    objective = sum(c.score for c in shortlist.candidates)
    return matching.MatchResult(
        shortlists=(shortlist,), status="OPTIMAL", objective=objective, bound=objective, gap=0.0,
        filled_slots=len(shortlist.candidates), filled_slots_bound=len(shortlist.candidates),
        eligible_pairs=shortlist.eligible_count, timings={"match": perf_counter() - started},
        policy_versions=tuple(p.version_id for p in problem.policies),
        default_policy_version=problem.default_policy.version_id, solver="top_k", components=1,
        arcs=shortlist.eligible_count, pricing_rounds=0)


def _versions_by_municipality(inputs: Inputs) -> dict[str, str]:
    """Municipality code -> the policy version its region used in this run."""
    return {code: f"{region['code']}@v{region['policy_version']}"
            for region in inputs.context["regions"] for code in region["municipality_codes"]}


def _store_run(*, session: Session, kind: RunKind, org: Organisation | None, inputs: Inputs,
               result: matching.MatchResult | None, seconds: dict[str, float], skipped: dict[str, str]) -> MatchingRun:
    run = MatchingRun(
        kind=kind.value, started_by=org.id if org else None,
        solver_status=result.status if result else "NOT_RUN",
        dwellings=len(inputs.dwellings), registrations=len(inputs.registrations),
        eligible_pairs=result.eligible_pairs if result else 0, filled_slots=result.filled_slots if result else 0,
        objective=result.objective if result else 0, bound=float(result.bound) if result else 0.0,
        gap=float(result.gap) if result else 0.0, seconds={k: round(v, 4) for k, v in seconds.items()},
        policy_versions={r["code"]: r["policy_version"] for r in inputs.context["regions"]},
        skipped=skipped, inputs=inputs.encode(),
    )
    session.add(run)
    session.flush()
    return run


def _supersede_proposed(*, session: Session, dwelling_ids: list[uuid.UUID]) -> None:
    """Close the proposed shortlists of these dwellings; their candidates return to active until re-nominated."""
    if not dwelling_ids:
        return
    old = list(session.exec(select(Shortlist).where(col(Shortlist.dwelling_id).in_(dwelling_ids),
                                                    Shortlist.status == ShortlistStatus.proposed.value)))
    for shortlist in old:
        shortlist.status, shortlist.updated_at = ShortlistStatus.superseded.value, utcnow()
        session.add(shortlist)
    old_ids = [s.id for s in old]
    if old_ids:
        nominated = session.exec(select(ShortlistCandidate.registration_id)
                                 .where(col(ShortlistCandidate.shortlist_id).in_(old_ids))).all()
        _set_registration_status(session=session, ids=set(nominated), status=RegistrationStatus.active,
                                 only_from={RegistrationStatus.nominated}, reason="shortlist superseded")
    session.flush()


def _apply(*, session: Session, run: MatchingRun, result: matching.MatchResult,
           dwellings: dict[uuid.UUID, Dwelling], versions: dict[str, str]) -> list[Shortlist]:
    """Store the result's shortlists and move dwellings and registrations to their new states."""
    stored = []
    nominated: set[uuid.UUID] = set()
    for proposal in result.shortlists:
        dwelling = dwellings[uuid.UUID(proposal.dwelling_id)]
        shortlist = Shortlist(dwelling_id=dwelling.id, run_id=run.id, status=ShortlistStatus.proposed.value,
                              policy_version=versions.get(dwelling.municipality_code), excluded=dict(proposal.excluded),
                              eligible_count=proposal.eligible_count)
        session.add(shortlist)
        session.flush()
        for candidate in proposal.candidates:
            registration_id = uuid.UUID(candidate.registration_id)
            nominated.add(registration_id)
            session.add(ShortlistCandidate(shortlist_id=shortlist.id, registration_id=registration_id,
                                           rank=candidate.rank, score=candidate.score,
                                           score_breakdown=dict(candidate.score_breakdown)))
        target = DwellingStatus.shortlisted if proposal.candidates else DwellingStatus.offered
        _move_dwelling(session=session, dwelling=dwelling, status=target, run=run,
                       reason="shortlist proposed" if proposal.candidates else "no eligible candidates")
        stored.append(shortlist)
    _set_registration_status(session=session, ids=nominated, status=RegistrationStatus.nominated,
                             only_from={RegistrationStatus.active, RegistrationStatus.nominated},
                             reason="nominated by the matcher")
    session.flush()
    return stored


def _blocked_shortlist(*, session: Session, run: MatchingRun, dwelling: Dwelling, reason: str) -> Shortlist:
    shortlist = Shortlist(dwelling_id=dwelling.id, run_id=run.id, status=ShortlistStatus.proposed.value,
                          excluded={}, blocked_reason=reason)
    session.add(shortlist)
    _move_dwelling(session=session, dwelling=dwelling, status=DwellingStatus.offered, run=run, reason=reason)
    session.flush()
    return shortlist


def _move_dwelling(*, session: Session, dwelling: Dwelling, status: DwellingStatus, run: MatchingRun,
                   reason: str) -> None:
    if dwelling.status == status.value:
        return
    previous, dwelling.status = dwelling.status, status.value
    dwelling.version += 1
    dwelling.updated_at = utcnow()
    session.add(dwelling)
    audit.record(session=session, organisation=None, action="transition", entity_type="dwelling",
                 entity_id=dwelling.id, detail={"from": previous, "to": status.value, "reason": reason,
                                                "run_id": str(run.id)})


def _set_registration_status(*, session: Session, ids: set[uuid.UUID], status: RegistrationStatus,
                             only_from: set[RegistrationStatus], reason: str) -> None:
    if not ids:
        return
    allowed = [s.value for s in only_from]
    for reg in session.exec(select(Registration).where(col(Registration.id).in_(list(ids)),
                                                       col(Registration.status).in_(allowed))):
        if reg.status != status.value:
            previous, reg.status = reg.status, status.value
            reg.version += 1
            reg.updated_at = utcnow()
            session.add(reg)
            audit.record(session=session, organisation=None, action="transition", entity_type="registration",
                         entity_id=reg.id, detail={"from": previous, "to": status.value, "reason": reason})


def get_run(*, session: Session, run_id: uuid.UUID) -> MatchingRun:
    """One matching run."""
    run = session.get(MatchingRun, run_id)
    if run is None:
        raise NotFound(f"no matching run {run_id}")
    return run


def replay_run(*, run: MatchingRun) -> matching.MatchResult | None:
    """Solve a run's stored inputs again (the same seed and limits give the same shortlists)."""
    inputs = Inputs.decode(run.inputs)
    if not inputs.dwellings:
        return None
    return _solve(RunKind(run.kind), inputs.problem(), seconds=DEFAULT_ROUND_SECONDS)


def current_shortlist(*, session: Session, dwelling_id: uuid.UUID) -> Shortlist | None:
    """The dwelling's newest shortlist that is not superseded."""
    return session.exec(select(Shortlist).where(Shortlist.dwelling_id == dwelling_id,
                                                Shortlist.status != ShortlistStatus.superseded.value)
                        .order_by(col(Shortlist.created_at).desc())).first()


def candidates_of(*, session: Session, shortlist: Shortlist) -> list[ShortlistCandidate]:
    """A shortlist's candidates by rank."""
    return list(session.exec(select(ShortlistCandidate).where(ShortlistCandidate.shortlist_id == shortlist.id)
                             .order_by(col(ShortlistCandidate.rank))))
