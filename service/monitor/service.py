"""The monthly monitor, derived from the dwellings and the audit log's state transitions.

Per month (UTC): `offered` counts dwellings created; `shortlisted` dwellings moved to shortlisted; `let` dwellings
whose lease starts (`let_start_date`); `fallen_through` dwellings where a selected candidate declined, was rejected
or let the offer expire, or that went back to offered after publication (a dwelling counts once a month). Pace
compares the cumulative number offered with the effective yearly target pro rata (target x month / 12, rounded
down: a fraction of a dwelling cannot be offered). A corporation sees the regional total and its own line; its
peers' and the municipalities' lines only when the region's policy sets `monitor_open`.
"""

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from math import floor
from statistics import median

from sqlmodel import Session, col, select

from service.audit.models import AuditRecord
from service.dwellings.models import Dwelling
from service.monitor.schemas import MonitorLine, MonitorPublic, MonthFigures, Pace, Scope
from service.municipalities.models import Municipality
from service.organisations.models import Organisation, OrganisationKind
from service.regions import scope as region_scope
from service.regions import service as regions_service
from service.sqltypes import utcnow
from service.targets import service as targets_service
from service.targets.models import CorporationStock

AFTER_SELECTION = {"selected", "accepted"}
DROPPED = {"declined", "rejected", "expired"}
AFTER_PUBLICATION = {"published", "candidate_selected"}
MONTHS = range(1, 13)

# (dwelling id, month) events per measure
Events = dict[str, set[tuple[uuid.UUID, int]]]


def _transitions(session: Session, year: int, dwellings: set[uuid.UUID]) -> Events:
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    records = session.exec(select(AuditRecord).where(
        AuditRecord.action == "transition", col(AuditRecord.entity_type).in_(["dwelling", "shortlist_candidate"]),
        col(AuditRecord.at) >= start, col(AuditRecord.at) < end)).all()
    events: Events = {"shortlisted": set(), "fallen_through": set()}
    for r in records:
        before, after = r.detail.get("from"), r.detail.get("to")
        if r.entity_type == "dwelling":
            dwelling = r.entity_id
            if after == "shortlisted":
                events["shortlisted"].add((dwelling, r.at.month))
            elif after == "offered" and before in AFTER_PUBLICATION:
                events["fallen_through"].add((dwelling, r.at.month))
        elif before in AFTER_SELECTION and after in DROPPED and r.detail.get("dwelling_id"):
            events["fallen_through"].add((uuid.UUID(r.detail["dwelling_id"]), r.at.month))
    return {k: {(d, m) for d, m in v if d in dwellings} for k, v in events.items()}


def _series(dwellings: list[Dwelling], events: Events, year: int, target: int | None,
            last_month: int) -> list[MonthFigures]:
    ids = {d.id for d in dwellings}
    offered: dict[int, int] = defaultdict(int)
    lets: dict[int, list[int]] = defaultdict(list)
    for d in dwellings:
        if d.created_at.year == year:
            offered[d.created_at.month] += 1
        if d.let_start_date is not None and d.let_start_date.year == year:
            lets[d.let_start_date.month].append((d.let_start_date - d.created_at.date()).days)
    counted: dict[str, dict[int, int]] = {k: defaultdict(int) for k in events}
    for measure, pairs in events.items():
        for dwelling, month in pairs:
            if dwelling in ids:
                counted[measure][month] += 1
    months, cumulative = [], 0
    for m in MONTHS:
        cumulative += offered[m]
        pro_rata = None if target is None else round(target * m / 12, 2)
        pace = None
        if target is not None and m <= last_month:
            pace = Pace.on_track if cumulative >= floor(target * m / 12) else Pace.behind
        months.append(MonthFigures(
            month=m, offered=offered[m], shortlisted=counted["shortlisted"][m], let=len(lets[m]),
            fallen_through=counted["fallen_through"][m],
            median_days_to_let=float(median(lets[m])) if lets[m] else None, cumulative_offered=cumulative,
            pro_rata_target=pro_rata, pace=pace))
    return months


def months_gone(year: int, today: date) -> int:
    """The months of `year` that have begun by `today` (12 for a past year, 0 for one still to come): the months
    that have a pace."""
    return 12 if year < today.year else (today.month if year == today.year else 0)


def monitor(*, session: Session, org: Organisation, year: int, region_code: str) -> MonitorPublic:
    """The region's monthly monitor for a year, as far as `org` may see it (a region it works in)."""
    region_scope.require_region(session=session, org=org, code=region_code)
    region = regions_service.get_region(session=session, code=region_code)
    today = utcnow().date()
    last_month = months_gone(year, today)
    dwellings = list(session.exec(select(Dwelling).where(
        col(Dwelling.municipality_code).in_(region.municipality_codes))))
    events = _transitions(session, year, {d.id for d in dwellings})
    targets = targets_service.effective_targets(session=session, year=year, region_code=region_code)
    lines = [MonitorLine(scope=Scope.region, key=region_code, name=region.region.name,
                         target=targets.total if targets else None,
                         months=_series(dwellings, events, year, targets.total if targets else None, last_month))]
    open_monitor = org.kind == OrganisationKind.coordinator or region.policy.monitor_open
    if open_monitor:
        names = dict(session.exec(select(Municipality.code, Municipality.name).where(
            col(Municipality.code).in_(region.municipality_codes))).all())
        for code in region.municipality_codes:
            target = targets.municipalities.get(code) if targets else None
            mine = [d for d in dwellings if d.municipality_code == code]
            lines.append(MonitorLine(scope=Scope.municipality, key=code, name=names.get(code, code), target=target,
                                     months=_series(mine, events, year, target, last_month)))
    stock = set(session.exec(select(CorporationStock.corporation_id).where(
        CorporationStock.region_code == region_code)))
    corporations = sorted({d.corporation_id for d in dwellings} | stock
                          | {uuid.UUID(k) for k in (targets.corporations if targets else {})}, key=str)
    if not open_monitor:
        corporations = [c for c in corporations if c == org.id] or [org.id]
    corporation_names = {o.id: o.name
                         for o in session.exec(select(Organisation).where(col(Organisation.id).in_(corporations)))}
    for corporation in corporations:
        target = targets.corporations.get(str(corporation)) if targets else None
        mine = [d for d in dwellings if d.corporation_id == corporation]
        lines.append(MonitorLine(scope=Scope.corporation, key=str(corporation),
                                 name=corporation_names.get(corporation, str(corporation)), target=target,
                                 months=_series(mine, events, year, target, last_month)))
    return MonitorPublic(year=year, region=region_code, as_of=today, lines=lines)


def csv_rows(public: MonitorPublic) -> list[dict[str, object]]:
    """One row per line and month, in the order of the JSON."""
    return [{"scope": line.scope.value, "key": line.key, "name": line.name, "target": line.target,
             **month.model_dump(mode="json")} for line in public.lines for month in line.months]


def this_year() -> int:
    """The current calendar year (the monitor's default)."""
    return utcnow().year
