"""Reading what a matching run needs from the database into the matcher's typed records (service.shortlists.rows).

The snapshot is the single input of `problem.build_problem`, and a run stores it (its JSON form) so any result can be
reproduced and explained later from exactly what the matcher saw.
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlmodel import Session, col, select

from service.dwellings.models import Dwelling, DwellingStatus
from service.exemptions import service as exemptions_service
from service.places import service as places_service
from service.regions import service as regions_service
from service.registrations.models import Registration, RegistrationStatus
from service.shortlists.models import (
    LIVE_CANDIDATE_STATUSES,
    RejectedPair,
    Shortlist,
    ShortlistCandidate,
    ShortlistStatus,
)
from service.shortlists.rows import (
    DWELLING_COLUMNS,
    Context,
    DwellingRow,
    RegionRow,
    RegistrationRow,
)

# Placements in a neighbourhood within this window count towards spreading (liveability).
RECENT_PLACEMENT_DAYS = 365


def dwelling_rows(*, session: Session, dwellings: list[Dwelling],
                  distances: np.ndarray | None = None) -> list[DwellingRow]:
    """The matcher's view of dwellings, with their nearest-place distances (inf = no place known).

    `distances`: those just computed for these dwellings (service.places.service.refresh_distances), so they are
    not read back."""
    if distances is None:
        distances = places_service.nearest_distances(session=session, dwelling_ids=[d.id for d in dwellings])
    return [
        DwellingRow(id=str(d.id), **{name: getattr(d, name) for name in DWELLING_COLUMNS},
                    contract_types=tuple(d.contract_types), available_from=d.available_from,
                    nearest_place_m=tuple(float(v) for v in distances[i]))
        for i, d in enumerate(dwellings)
    ]


def registration_rows(
    *, session: Session, registrations: list[Registration], available: set[uuid.UUID], reference: date
) -> list[RegistrationRow]:
    """The matcher's view of registrations: pseudonymous ids, no notes, no client references.

    Active exemptions (valid on `reference`) lift their rules and mark urgency; they are read in one query.
    """
    exempt = exemptions_service.matcher_exemptions(session=session, registration_ids=[r.id for r in registrations],
                                                   today=reference)
    none = exemptions_service.MatcherExemptions(exempt_rules=frozenset(), urgent=False)
    return [
        RegistrationRow.of_registration(
            r, id=str(r.id), waiting_days=max(0, (reference - r.waiting_since.date()).days),
            available=r.id in available, exempt_rules=tuple(sorted(exempt.get(r.id, none).exempt_rules)),
            urgent=exempt.get(r.id, none).urgent)
        for r in registrations
    ]


def context(*, session: Session, reference: date, neighbourhoods: Iterable[str] | None = None) -> Context:
    """Regions with their current policies, neighbourhood scores and recent placements.

    Scores and placements only of `neighbourhoods` when named (an instant run reads only its dwelling's).
    """
    regions = regions_service.list_regions(session=session)
    since = datetime.combine(reference - timedelta(days=RECENT_PLACEMENT_DAYS), time(), tzinfo=UTC)
    query = select(Dwelling.neighbourhood_code).where(Dwelling.status == DwellingStatus.let.value,
                                                      col(Dwelling.updated_at) >= since)
    if neighbourhoods is not None:
        neighbourhoods = sorted(set(neighbourhoods))
        query = query.where(col(Dwelling.neighbourhood_code).in_(neighbourhoods))
    let = session.exec(query).all()
    recent: dict[str, int] = {}
    for code in let:
        recent[code] = recent.get(code, 0) + 1
    return Context(
        reference_date=reference,
        regions=tuple(RegionRow(code=v.region.code, policy_version=v.region.policy_version,
                                municipality_codes=tuple(v.municipality_codes), policy=v.policy.model_dump(mode="json"))
                      for v in regions),
        vulnerability=regions_service.vulnerability_scores(session=session, codes=neighbourhoods),
        recent_placements=recent,
    )


def registrations_on_open_shortlists(*, session: Session, statuses: set[str] | None = None) -> set[uuid.UUID]:
    """Registrations that are a live candidate on a shortlist in one of `statuses` (default: proposed or published).

    A candidate who was rejected, declined, replaced or released is free again, even while that shortlist is open.
    """
    wanted = list(statuses or {ShortlistStatus.proposed.value, ShortlistStatus.published.value})
    rows = session.exec(
        select(ShortlistCandidate.registration_id)
        .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
        .where(col(Shortlist.status).in_(wanted),
               col(ShortlistCandidate.status).in_([s.value for s in LIVE_CANDIDATE_STATUSES]))
    ).all()
    return set(rows)


def matchable_registrations(*, session: Session) -> list[Registration]:
    """Registrations that could be matched (active, or nominated on a shortlist not yet published).

    Whole rows: what-if reads them once per question; offers read the prepared pool (service.shortlists.pool) instead.
    """
    statuses = [RegistrationStatus.active.value, RegistrationStatus.nominated.value]
    return list(session.exec(select(Registration).where(col(Registration.status).in_(statuses))
                             .order_by(col(Registration.created_at), col(Registration.id))))


# A client who declined a dwelling, or let its offer lapse, is not proposed for that same dwelling again.
ENDED_FOR_THIS_DWELLING = ("declined", "expired")


def rejected_pairs(*, session: Session, dwelling_ids: list[uuid.UUID]) -> list[tuple[str, str]]:
    """(dwelling, registration) pairs never to propose again: rejected by the corporation, declined or lapsed."""
    if not dwelling_ids:
        return []
    rejected = session.exec(select(RejectedPair.dwelling_id, RejectedPair.registration_id)
                            .where(col(RejectedPair.dwelling_id).in_(dwelling_ids))).all()
    ended = session.exec(select(Shortlist.dwelling_id, ShortlistCandidate.registration_id)
                         .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
                         .where(col(Shortlist.dwelling_id).in_(dwelling_ids),
                                col(ShortlistCandidate.status).in_(ENDED_FOR_THIS_DWELLING))).all()
    return sorted({(str(d), str(r)) for d, r in [*rejected, *ended]})
