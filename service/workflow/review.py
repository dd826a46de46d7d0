"""What a coordinator reviews before publishing a shortlist (the *voordracht* screen): the dwelling, its current
shortlist's candidates with what the office may know of them, the next eligible registrations to replace one with,
and the dwelling's timeline.

Every read here goes through the same services as the API and is audited as the API audits it: the shortlist by
`reads.shortlist_for` (one read per candidate shown), the timeline by `timeline.dwelling_timeline` (one per
registration it names), and the next eligible registrations one read each, as `GET /v1/registrations/{id}` would
be. A candidate's details beyond the shortlist view (waiting time, needs, exemptions) are part of the read that
`shortlist_for` recorded for that registration in the same request.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from matching.model import CATEGORIES
from service.audit import service as audit
from service.dwellings import service as dwellings_service
from service.dwellings.models import Dwelling, DwellingStatus
from service.dwellings.schemas import DwellingPublic
from service.errors import Conflict, NotFound
from service.exemptions import service as exemptions_service
from service.exemptions.models import Exemption
from service.municipalities.models import Municipality
from service.organisations import service as organisations_service
from service.organisations.models import Organisation
from service.places import service as places_service
from service.regions import service as regions_service
from service.regions.schemas import Policy
from service.registrations import service as registrations_service
from service.registrations.models import Registration
from service.registrations.schemas import CandidateProfile
from service.shortlists import alternatives, reads
from service.shortlists import service as shortlists_service
from service.shortlists.models import LIVE_CANDIDATE_STATUSES, Shortlist, ShortlistCandidate, ShortlistStatus
from service.shortlists.schemas import CandidatePublic, ShortlistPublic
from service.sqltypes import utcnow
from service.workflow import timeline
from service.workflow.schemas import TimelineEntry

LIVE = {s.value for s in LIVE_CANDIDATE_STATUSES}


@dataclass(frozen=True)
class Need:
    """A need of the registration that the dwelling meets (all hard ones do: the candidate passed every rule).

    `code` names it (the screen words it), `category` and `amount` complete it (`avoid_nearby`, liquor_store, 300).
    """

    code: str
    category: str | None = None
    amount: float | None = None


@dataclass(frozen=True)
class ExemptionNote:
    """An active exemption of a candidate: its kind, the rules it lifts, until when, and why."""

    kind: str
    rules_lifted: list[str]
    valid_until: date
    reason: str


@dataclass(frozen=True)
class CandidateView:
    """A candidate, or a registration that could take a candidate's place, as the office sees it."""

    rank: int | None
    registration_id: uuid.UUID
    status: str
    score: int
    score_breakdown: dict[str, int]
    profile: CandidateProfile
    waiting_since: datetime
    waiting_days: int
    support_guaranteed_after_move: bool
    needs_met: list[Need]
    exemptions: list[ExemptionNote]


@dataclass(frozen=True)
class Review:
    """The voordracht of one dwelling: the dwelling, its shortlist (None before any), and its deadline."""

    dwelling: DwellingPublic
    corporation_name: str
    municipality_name: str
    region_code: str | None
    nearest_place_m: dict[str, float | None]
    vulnerability: int | None
    shortlist: ShortlistPublic | None
    published_at: datetime | None
    select_by: datetime | None
    candidates: list[CandidateView]
    former: list[CandidatePublic]
    selected: CandidateView | None
    answer_by: datetime | None

    @property
    def status(self) -> DwellingStatus:
        return self.dwelling.status

    @property
    def reviewable(self) -> bool:
        """The coordinator may still replace candidates and publish."""
        return (self.status is DwellingStatus.shortlisted and self.shortlist is not None
                and self.shortlist.status == ShortlistStatus.proposed.value and bool(self.candidates))


@dataclass(frozen=True)
class Timeline:
    """The dwelling's steps with the names of the organisations that took them."""

    entries: list[TimelineEntry]
    organisation_names: dict[uuid.UUID, str]


def review_for(*, session: Session, org: Organisation, dwelling_id: uuid.UUID) -> Review:
    """The coordinator's review of a dwelling of their regions (404 for any other dwelling)."""
    dwelling = dwellings_service.get_dwelling(session=session, org=org, dwelling_id=dwelling_id)
    stored = shortlists_service.current_shortlist(session=session, dwelling_id=dwelling.id)
    shortlist = reads.shortlist_for(session=session, org=org, dwelling_id=dwelling.id) if stored else None
    live = [c for c in shortlist.candidates if c.status in LIVE] if shortlist else []
    former = [c for c in shortlist.candidates if c.status not in LIVE] if shortlist else []
    policy = regions_service.policy_for_municipality(session=session, code=dwelling.municipality_code)
    views = _views(session=session, dwelling=dwelling, policy=policy,
                   shown=[(c.rank, c.status, c.score, c.score_breakdown or {}, c.registration_id) for c in live])
    selected_row = _selected(session=session, shortlist=stored) if stored else None
    selected = next((v for v in views if selected_row and v.registration_id == selected_row.registration_id), None)
    distances = places_service.nearest_distances(session=session, dwelling_ids=[dwelling.id])[0]
    corporation = organisations_service.get_organisation(session=session, organisation_id=dwelling.corporation_id)
    municipality = session.get(Municipality, dwelling.municipality_code)
    return Review(
        dwelling=dwellings_service.to_public(dwelling),
        corporation_name=corporation.name if corporation else "",
        municipality_name=municipality.name if municipality else dwelling.municipality_code,
        region_code=regions_service.region_code_of(session=session, municipality_code=dwelling.municipality_code),
        nearest_place_m={c: None if distances[i] == float("inf") else float(distances[i])
                         for i, c in enumerate(CATEGORIES)},
        vulnerability=regions_service.vulnerability_scores(
            session=session, codes=[dwelling.neighbourhood_code]).get(dwelling.neighbourhood_code),
        shortlist=shortlist, published_at=stored.published_at if stored else None,
        select_by=stored.select_by if stored else None, candidates=views, former=former, selected=selected,
        answer_by=selected_row.answer_by if selected_row else None,
    )


@dataclass(frozen=True)
class Replacement:
    """A candidate to replace on a dwelling's shortlist, and the next eligible registrations to choose from."""

    dwelling: DwellingPublic
    candidate: CandidateView
    options: list[CandidateView]


def alternatives_for(*, session: Session, org: Organisation, dwelling_id: uuid.UUID, registration_id: uuid.UUID,
                     limit: int = alternatives.DEFAULT_LIMIT) -> Replacement:
    """The candidate to replace and the next eligible registrations that may take its place, best first.

    404 for a dwelling outside the coordinator's regions or a registration that is no live candidate on its
    shortlist; 409 once the shortlist is no longer open for review (published, or gone).
    """
    dwelling = dwellings_service.get_dwelling(session=session, org=org, dwelling_id=dwelling_id)
    stored = shortlists_service.current_shortlist(session=session, dwelling_id=dwelling.id)
    if stored is None or stored.status != ShortlistStatus.proposed.value:
        raise Conflict(f"dwelling {dwelling.id} has no proposed shortlist", current_state=dwelling.status)
    candidate = session.exec(select(ShortlistCandidate).where(
        ShortlistCandidate.shortlist_id == stored.id, ShortlistCandidate.registration_id == registration_id,
        col(ShortlistCandidate.status).in_(sorted(LIVE)))).first()
    if candidate is None:
        raise NotFound(f"registration {registration_id} is not a candidate on this shortlist")
    found = alternatives.next_eligible(session=session, dwelling=dwelling, limit=limit)
    policy = regions_service.policy_for_municipality(session=session, code=dwelling.municipality_code)
    views = _views(session=session, dwelling=dwelling, policy=policy, shown=[
        (candidate.rank, candidate.status, candidate.score, dict(candidate.score_breakdown), registration_id),
        *[(None, "eligible", a.score, a.score_breakdown, a.registration_id) for a in found]])
    # Showing them discloses part of each registration: audited like any other read.
    audit.record_reads(session=session, organisation=org, entity_type="registration",
                       entity_ids=[v.registration_id for v in views])
    return Replacement(dwelling=dwellings_service.to_public(dwelling), candidate=views[0], options=views[1:])


def open_for_review(*, session: Session, org: Organisation, dwelling_id: uuid.UUID) -> bool:
    """Whether the dwelling (404 outside the coordinator's regions) has a shortlist to review: no reads audited."""
    dwelling = dwellings_service.get_dwelling(session=session, org=org, dwelling_id=dwelling_id)
    stored = shortlists_service.current_shortlist(session=session, dwelling_id=dwelling.id)
    return (dwelling.status == DwellingStatus.shortlisted.value and stored is not None
            and stored.status == ShortlistStatus.proposed.value)


def timeline_of(*, session: Session, org: Organisation, dwelling_id: uuid.UUID) -> Timeline:
    """The dwelling's timeline as `GET /v1/dwellings/{id}/timeline` answers it (audited there), newest first."""
    entries = timeline.dwelling_timeline(session=session, org=org, dwelling_id=dwelling_id)
    names = organisations_service.names_of(session=session,
                                           organisation_ids=[e.organisation_id for e in entries if e.organisation_id])
    return Timeline(entries=list(reversed(entries)), organisation_names=names)


def _selected(*, session: Session, shortlist: Shortlist) -> ShortlistCandidate | None:
    """The candidate the corporation chose, while the offer runs or after it was accepted."""
    return session.exec(select(ShortlistCandidate).where(
        ShortlistCandidate.shortlist_id == shortlist.id,
        col(ShortlistCandidate.status).in_(["selected", "accepted", "let"]))).first()


def _views(*, session: Session, dwelling: Dwelling, policy: Policy,
           shown: list[tuple[int | None, str, int, dict[str, int], uuid.UUID]]) -> list[CandidateView]:
    """The office's view of these registrations for this dwelling, in the order given (three queries in all)."""
    ids = [rid for *_rest, rid in shown]
    if not ids:
        return []
    registrations = {r.id: r for r in session.exec(select(Registration).where(col(Registration.id).in_(ids)))}
    today = utcnow().date()
    exempt = exemptions_service.active_exemptions(session=session, registration_ids=ids, today=today)
    year = dwelling.available_from.year
    views = []
    for rank, status, score, breakdown, rid in shown:
        reg = registrations[rid]
        notes = exempt.get(rid, [])
        profile = registrations_service.candidate_profile(session=session, reg=reg, year=year, rank=rank,
                                                          score=score)
        views.append(CandidateView(
            rank=rank, registration_id=rid, status=status, score=score, score_breakdown=dict(breakdown),
            profile=profile, waiting_since=reg.waiting_since,
            waiting_days=max(0, (today - reg.waiting_since.date()).days),
            support_guaranteed_after_move=reg.support_guaranteed_after_move,
            needs_met=needs_met(reg=reg, breakdown=breakdown, policy=policy, exemptions=notes,
                                passend_toewijzen=profile.passend_toewijzen),
            exemptions=[ExemptionNote(kind=e.kind, rules_lifted=list(e.rules_lifted), valid_until=e.valid_until,
                                      reason=e.reason) for e in notes]))
    return views


def needs_met(*, reg: Registration, breakdown: dict[str, int], policy: Policy, exemptions: list[Exemption],
              passend_toewijzen: bool) -> list[Need]:
    """The registration's needs, each of which the dwelling meets, in the order of the form.

    The hard ones are met because the matcher passed the pair on every rule (a rule an exemption lifts says
    nothing, so its need is left out); the soft ones (a preferred municipality, a low-stimulus preference) are read
    off the score terms the matcher gave, never judged again.
    """
    lifted = {code for e in exemptions for code in e.rules_lifted}
    needs: list[Need] = []
    if passend_toewijzen and "AFFORDABILITY" not in lifted:
        needs.append(Need("passend_toewijzen"))
    if reg.children_birth_years and "HOUSEHOLD_FIT" not in lifted:
        needs.append(Need("children", amount=len(reg.children_birth_years)))
    if reg.low_stimulus == "required" and "LOW_STIMULUS" not in lifted:
        needs.append(Need("low_stimulus_required"))
    elif reg.low_stimulus == "preferred" and breakdown.get("low_stimulus_preferred", 0) > 0:
        needs.append(Need("low_stimulus_preferred"))
    if reg.needs_wheelchair and "ACCESSIBILITY" not in lifted:
        needs.append(Need("wheelchair"))
    if reg.needs_no_stairs and "ACCESSIBILITY" not in lifted:
        needs.append(Need("no_stairs"))
    if reg.contract in ("flip_required", "regular_only") and "CONTRACT" not in lifted:
        needs.append(Need(reg.contract))
    if "SURROUNDINGS" not in lifted:
        needs += [Need("avoid_nearby", category=a["category"], amount=float(a["radius_m"]))
                  for a in reg.avoid_nearby]
        if reg.avoid_areas:
            needs.append(Need("avoid_areas"))
        if reg.avoid_points:
            needs.append(Need("avoid_points"))
    if policy.min_tie_years > 0 and "REGIONAL_TIES" not in lifted:
        needs.append(Need("regional_ties", amount=policy.min_tie_years))
    if breakdown.get("preferred_municipality", 0) > 0:
        needs.append(Need("preferred_municipality"))
    return needs
