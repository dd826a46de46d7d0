"""A corporation's own dwellings (Mijn woningen) by where they stand, with counts per tab and the deadline of each:
"kies vóór" while the published shortlist waits for the corporation, the client's answer once a candidate is chosen.
One query for the counts and one for the page, never one per row."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_
from sqlalchemy import select as select_columns  # typed for any number of columns
from sqlmodel import Session, col, func, select

from service.dwellings.models import Dwelling, DwellingStatus
from service.municipalities.models import Municipality
from service.organisations.models import Organisation
from service.regions import scope
from service.shortlists.models import CandidateStatus, Shortlist, ShortlistCandidate, ShortlistStatus


class OwnTab(StrEnum):
    """The tabs of Mijn woningen, in the order of a dwelling's way from offer to lease."""

    with_office = "bij-regiobureau"  # offered or shortlisted: the matching office is at work
    to_choose = "kiezen"  # published: the corporation chooses a candidate
    chosen = "kandidaat-gekozen"  # a candidate was chosen: the client answers, then the let
    let = "verhuurd"
    withdrawn = "ingetrokken"


STATUSES_OF_TAB: dict[OwnTab, tuple[DwellingStatus, ...]] = {
    OwnTab.with_office: (DwellingStatus.offered, DwellingStatus.shortlisted),
    OwnTab.to_choose: (DwellingStatus.published,),
    OwnTab.chosen: (DwellingStatus.candidate_selected,),
    OwnTab.let: (DwellingStatus.let,),
    OwnTab.withdrawn: (DwellingStatus.withdrawn,),
}
_CHOSEN = [CandidateStatus.selected.value, CandidateStatus.accepted.value]


def tab_of(status: DwellingStatus) -> OwnTab:
    """The tab a dwelling of this status is listed under."""
    return next(tab for tab, statuses in STATUSES_OF_TAB.items() if status in statuses)


@dataclass(frozen=True)
class OwnDwelling:
    """One of the corporation's dwellings with the deadline of its state."""

    dwelling_id: uuid.UUID
    external_ref: str
    street: str
    house_number: int
    house_number_suffix: str | None
    postcode: str
    city: str
    status: DwellingStatus
    version: int
    offered_at: datetime
    available_from: date
    select_by: datetime | None  # published: choose a candidate by then
    answer_by: datetime | None  # a candidate chosen: the client answers by then
    chosen_status: CandidateStatus | None  # selected (waiting for the client) or accepted (record the let)
    let_start_date: date | None
    withdrawn_at: datetime | None

    @property
    def address(self) -> str:
        return f"{self.street} {self.house_number}{self.house_number_suffix or ''}, {self.city}"

    @property
    def tab(self) -> OwnTab:
        return tab_of(self.status)


@dataclass(frozen=True)
class OwnDwellings:
    """One tab's page of dwellings and the count of every tab."""

    tab: OwnTab
    items: list[OwnDwelling]
    total: int
    counts: dict[OwnTab, int]


def _rows(org: Organisation) -> Any:
    """The corporation's dwellings with their open shortlist's deadline and chosen candidate (a select)."""
    columns: list[Any] = [
        col(Dwelling.id).label("dwelling_id"), col(Dwelling.external_ref), col(Dwelling.street),
        col(Dwelling.house_number), col(Dwelling.house_number_suffix), col(Dwelling.postcode), col(Dwelling.city),
        col(Dwelling.status), col(Dwelling.version), col(Dwelling.created_at).label("offered_at"),
        col(Dwelling.available_from), col(Shortlist.select_by), col(ShortlistCandidate.answer_by),
        col(ShortlistCandidate.status).label("chosen_status"), col(Dwelling.let_start_date),
        col(Dwelling.withdrawn_at)]
    return (select_columns(*columns)
            .outerjoin(Shortlist, and_(col(Shortlist.dwelling_id) == col(Dwelling.id),
                                       col(Shortlist.status) == ShortlistStatus.published.value))
            .outerjoin(ShortlistCandidate, and_(col(ShortlistCandidate.shortlist_id) == col(Shortlist.id),
                                                col(ShortlistCandidate.status).in_(_CHOSEN)))
            .where(col(Dwelling.corporation_id) == org.id))


def _item(row: Any) -> OwnDwelling:
    values = dict(row)
    chosen, status = values.pop("chosen_status"), values.pop("status")
    return OwnDwelling(**values, status=DwellingStatus(status),
                       chosen_status=CandidateStatus(chosen) if chosen else None)


def own_dwellings(*, session: Session, org: Organisation, tab: OwnTab | None, limit: int,
                  offset: int) -> OwnDwellings:
    """The corporation's dwellings of one tab (those waiting for a choice by deadline, the others newest first)
    and the count of every tab. Without a tab: those waiting for the corporation's choice, if any."""
    by_status = dict(session.exec(select(Dwelling.status, func.count()).where(Dwelling.corporation_id == org.id)
                                  .group_by(col(Dwelling.status))).all())
    counts = {t: sum(int(by_status.get(s.value, 0)) for s in statuses) for t, statuses in STATUSES_OF_TAB.items()}
    if tab is None:
        tab = OwnTab.to_choose if counts[OwnTab.to_choose] else OwnTab.with_office
    order = ([col(Shortlist.select_by).asc()] if tab is OwnTab.to_choose else []) + [
        col(Dwelling.created_at).desc(), col(Dwelling.id)]
    rows = session.execute(_rows(org).where(col(Dwelling.status).in_([s.value for s in STATUSES_OF_TAB[tab]]))
                           .order_by(*order).limit(limit).offset(offset)).mappings().all()
    return OwnDwellings(tab=tab, items=[_item(row) for row in rows], total=counts[tab], counts=counts)


def own_dwelling(*, session: Session, org: Organisation, dwelling_id: uuid.UUID) -> OwnDwelling | None:
    """One of the corporation's dwellings as its list shows it (None when it is not theirs)."""
    row = session.execute(_rows(org).where(col(Dwelling.id) == dwelling_id)).mappings().first()
    return _item(row) if row is not None else None


def working_municipalities(*, session: Session, org: Organisation) -> list[tuple[str, str]]:
    """(code, name) of the municipalities of the regions the organisation works in, by name."""
    codes = sorted(scope.scope_of(session=session, org=org).municipalities)
    return [(code, name) for code, name in session.exec(
        select(Municipality.code, Municipality.name).where(col(Municipality.code).in_(codes))
        .order_by(col(Municipality.name))).all()]
