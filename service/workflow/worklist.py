"""The coordinator's work queue (werkvoorraad): the dwellings of their regions by where they stand, with counts per
tab, filters and the deadline that matters in each state. One query per list, never one per row."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, null
from sqlalchemy import select as select_columns  # typed for any number of columns
from sqlmodel import Session, col, func, select

from service.dwellings.models import Dwelling, DwellingStatus
from service.municipalities.models import Municipality
from service.organisations.models import Organisation
from service.regions import scope
from service.regions.models import RegionMunicipality
from service.shortlists.models import CandidateStatus, Shortlist, ShortlistCandidate, ShortlistStatus
from service.sqltypes import utcnow


class Tab(StrEnum):
    """The tabs of the work queue, in the order of a dwelling's way through the office."""

    to_review = "te-beoordelen"  # a proposed shortlist waits for the coordinator
    with_corporation = "bij-corporatie"  # published: the corporation chooses
    offer_running = "aanbod-loopt"  # a candidate was chosen: the client answers
    overdue = "verlopen"  # a published shortlist or an offer past its deadline
    without_candidates = "zonder-kandidaten"  # offered, but no eligible candidate
    let = "verhuurd"


_STATUS_OF_TAB = {
    Tab.to_review: DwellingStatus.shortlisted,
    Tab.with_corporation: DwellingStatus.published,
    Tab.offer_running: DwellingStatus.candidate_selected,
    Tab.without_candidates: DwellingStatus.offered,
    Tab.let: DwellingStatus.let,
}


@dataclass(frozen=True)
class Filters:
    """What the coordinator narrowed the queue to (None: everything of their regions)."""

    region: str | None = None
    municipality: str | None = None
    corporation_id: uuid.UUID | None = None


@dataclass(frozen=True)
class WorkItem:
    """One dwelling in the queue, with the deadline of its state (the corporation's or the client's)."""

    dwelling_id: uuid.UUID
    street: str
    house_number: int
    house_number_suffix: str | None
    city: str
    status: DwellingStatus
    offered_at: datetime
    updated_at: datetime
    corporation_name: str
    municipality_name: str
    due_at: datetime | None
    eligible_count: int | None

    @property
    def address(self) -> str:
        return f"{self.street} {self.house_number}{self.house_number_suffix or ''}, {self.city}"

    def is_late(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class WorkList:
    """One tab's page of work, the count of every tab, and the choices the filters offer."""

    items: list[WorkItem]
    total: int
    counts: dict[Tab, int]
    municipalities: list[tuple[str, str]]
    corporations: list[tuple[uuid.UUID, str]]
    regions: list[str]


def _due_at() -> ColumnElement[datetime | None]:
    """The deadline of a dwelling's state: the corporation's `select_by`, or the chosen client's `answer_by`."""
    return case((col(Dwelling.status) == DwellingStatus.candidate_selected.value, col(ShortlistCandidate.answer_by)),
                (col(Dwelling.status) == DwellingStatus.published.value, col(Shortlist.select_by)),
                else_=null())


def _queue(session: Session, org: Organisation, filters: Filters) -> Subquery:
    """Every dwelling of the coordinator's regions (as filtered), with its deadline and names, as one subquery."""
    own = scope.scope_of(session=session, org=org)
    municipalities = set(own.municipalities)
    if filters.region:
        in_region = set(session.exec(select(RegionMunicipality.municipality_code)
                                     .where(RegionMunicipality.region_code == filters.region)).all())
        municipalities &= in_region if own.has_region(filters.region) else set()
    if filters.municipality:
        municipalities &= {filters.municipality}
    columns: list[Any] = [col(Dwelling.id).label("dwelling_id"), col(Dwelling.street), col(Dwelling.house_number),
                          col(Dwelling.house_number_suffix), col(Dwelling.city), col(Dwelling.status),
                          col(Dwelling.created_at).label("offered_at"), col(Dwelling.updated_at),
                          col(Organisation.name).label("corporation_name"),
                          col(Municipality.name).label("municipality_name"), _due_at().label("due_at"),
                          col(Shortlist.eligible_count)]
    query = (select_columns(*columns)
             .join(Organisation, col(Organisation.id) == col(Dwelling.corporation_id))
             .join(Municipality, col(Municipality.code) == col(Dwelling.municipality_code))
             .outerjoin(Shortlist, and_(col(Shortlist.dwelling_id) == col(Dwelling.id),
                                        col(Shortlist.status).in_([ShortlistStatus.proposed.value,
                                                                   ShortlistStatus.published.value])))
             .outerjoin(ShortlistCandidate, and_(col(ShortlistCandidate.shortlist_id) == col(Shortlist.id),
                                                 col(ShortlistCandidate.status) == CandidateStatus.selected.value))
             .where(col(Dwelling.municipality_code).in_(sorted(municipalities))))
    if filters.corporation_id:
        query = query.where(col(Dwelling.corporation_id) == filters.corporation_id)
    return query.subquery("queue")


def work_list(*, session: Session, org: Organisation, tab: Tab, filters: Filters, limit: int, offset: int,
              now: datetime | None = None) -> WorkList:
    """The coordinator's queue: one tab, filtered, oldest first (longest waiting work on top), and all counts."""
    moment = now or utcnow()
    queue = _queue(session, org, filters)
    late = and_(queue.c.due_at.is_not(None), queue.c.due_at < moment)

    def in_tab(t: Tab) -> ColumnElement[bool]:
        return late if t is Tab.overdue else queue.c.status == _STATUS_OF_TAB[t].value

    sums: list[Any] = [func.coalesce(func.sum(case((in_tab(t), 1), else_=0)), 0) for t in Tab]
    counts_row = session.execute(select_columns(*sums).select_from(queue)).one()
    counts = {t: int(str(n or 0)) for t, n in zip(Tab, tuple(counts_row), strict=True)}
    by_deadline = tab in (Tab.overdue, Tab.with_corporation, Tab.offer_running)
    order = [queue.c.due_at.asc()] if by_deadline else []
    rows = session.execute(select_columns(queue).where(in_tab(tab))
                           .order_by(*order, queue.c.offered_at.asc(), queue.c.dwelling_id)
                           .limit(limit).offset(offset)).mappings().all()
    items = [WorkItem(**{**row, "status": DwellingStatus(row["status"])}) for row in rows]
    own = scope.scope_of(session=session, org=org)
    municipalities = [(code, name) for code, name in session.exec(
        select(Municipality.code, Municipality.name).where(col(Municipality.code).in_(sorted(own.municipalities)))
        .order_by(col(Municipality.name))).all()]
    corporations = [(oid, name) for oid, name in session.exec(
        select(Organisation.id, Organisation.name).join(Dwelling, col(Dwelling.corporation_id) == col(Organisation.id))
        .where(col(Dwelling.municipality_code).in_(sorted(own.municipalities)))
        .distinct().order_by(col(Organisation.name))).all()]
    return WorkList(items=items, total=counts[tab], counts=counts, municipalities=municipalities,
                    corporations=corporations, regions=sorted(own.regions))
