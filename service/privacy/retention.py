"""Retention: what the periodic tick removes once its time is up (docs/privacy.md).

Three periods, in days, each a `DOORSTROOM_RETENTION_*` setting that a region may set its own value for:
- personal fields of a registration that ended (housed or withdrawn), counted from `ended_at`: erased by the one
  erasure there is (`erasure.scrub`), so what stays is what the monitor and the audit need;
- a matching run's stored inputs, counted from the run: deleted, and a replay then answers 410 (a run over several
  regions keeps them as long as the longest of its regions' periods);
- drafts of registrations never submitted follow the setting for personal fields, counted from their last change
  (a draft is on no region's list): deleted whole;
- audit records, counted from when they were written: deleted, except the state transitions of dwellings and
  shortlist candidates the monitor counts (ids and states, no personal data). Records about a registration follow
  its region's period, all others the setting.

Sign-in sessions and set-up links have no period: each is deleted once it can no longer be used (a session
revoked, idle or past its end; a link used, replaced or expired), since it keeps an address, a browser's name or
a way in, and the audit already says what was done with it.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, not_, true, update
from sqlmodel import Session, col, select

from service.audit import service as audit
from service.audit.models import AuditRecord
from service.config import get_settings
from service.errors import NotFound
from service.organisations.models import Organisation
from service.people import service as people_service
from service.people import sessions
from service.privacy import erasure
from service.privacy.schemas import RetentionPublic, RetentionPut
from service.regions import scope
from service.regions.models import Region
from service.registrations.models import Registration, RegistrationDraft, RegistrationStatus
from service.shortlists.models import MatchingRun
from service.sqltypes import utcnow

ENDED = (RegistrationStatus.housed.value, RegistrationStatus.withdrawn.value)
# The audit records the monitor is derived from (service.monitor): kept, whatever the audit retention.
MONITOR_ENTITIES = ("dwelling", "shortlist_candidate")
# Registrations erased per tick: a backlog (the first tick after a long period, say) is worked off over ticks.
ERASE_PER_TICK = 200


@dataclass(frozen=True)
class Periods:
    """Days kept: personal fields after a registration ended, run inputs after the run, audit records."""

    personal_days: int
    run_inputs_days: int
    audit_days: int


def default_periods() -> Periods:
    """The periods the settings give, for regions without their own."""
    settings = get_settings()
    return Periods(personal_days=settings.retention_personal_days,
                   run_inputs_days=settings.retention_run_inputs_days, audit_days=settings.retention_audit_days)


def _own(region: Region, default: Periods) -> Periods:
    return Periods(
        personal_days=region.retention_personal_days or default.personal_days,
        run_inputs_days=region.retention_run_inputs_days or default.run_inputs_days,
        audit_days=region.retention_audit_days or default.audit_days)


def _public(region: Region, default: Periods) -> RetentionPublic:
    own = _own(region, default)
    return RetentionPublic(
        region_code=region.code, personal_days=region.retention_personal_days,
        run_inputs_days=region.retention_run_inputs_days, audit_days=region.retention_audit_days,
        effective_personal_days=own.personal_days, effective_run_inputs_days=own.run_inputs_days,
        effective_audit_days=own.audit_days)


def _region(*, session: Session, org: Organisation, code: str) -> Region:
    scope.require_region(session=session, org=org, code=code)
    region = session.get(Region, code)
    if region is None:
        raise NotFound(f"no region {code}")
    return region


def read_retention(*, session: Session, org: Organisation, code: str) -> RetentionPublic:
    """A region's own retention periods and those in force (a coordinator of the region)."""
    return _public(_region(session=session, org=org, code=code), default_periods())


def put_retention(*, session: Session, org: Organisation, code: str, data: RetentionPut) -> RetentionPublic:
    """Set a region's own retention periods; a period left empty follows the setting. Audited."""
    region = _region(session=session, org=org, code=code)
    region.retention_personal_days = data.personal_days
    region.retention_run_inputs_days = data.run_inputs_days
    region.retention_audit_days = data.audit_days
    region.updated_at = utcnow()
    session.add(region)
    audit.record(session=session, organisation=org, action="retention", entity_type="region",
                 entity_id=audit.name_id("region", code), detail=data.model_dump())
    session.flush()
    return _public(region, default_periods())


def apply_retention(*, session: Session, at: datetime | None = None) -> dict[str, int]:
    """Erase, delete and expire what is past its period (the tick); the counts of each."""
    at = at or utcnow()
    default = default_periods()
    regions = {r.code: (r, _own(r, default)) for r in session.exec(select(Region))}
    return {
        "registrations_erased": _erase_ended(session=session, at=at, default=default,
                                             own={c: p.personal_days for c, (r, p) in regions.items()
                                                  if r.retention_personal_days}),
        "drafts_deleted": _delete_drafts(session=session, at=at, default=default),
        "run_inputs_expired": _expire_run_inputs(session=session, at=at, default=default,
                                                 periods={c: p for c, (_, p) in regions.items()}),
        "audit_records_deleted": _delete_audit(session=session, at=at, default=default,
                                               own={c: p.audit_days for c, (r, p) in regions.items()
                                                    if r.retention_audit_days}),
        "sessions_deleted": sessions.delete_ended(session=session, at=at),
        "setup_links_deleted": people_service.delete_spent_setup_links(session=session, at=at),
    }


def _by_region(in_regions: Callable[[list[str]], ColumnElement[bool]], default_days: int,
               own: dict[str, int]) -> list[tuple[int, ColumnElement[bool]]]:
    """(days, which rows) for the rows of each region with its own period, then for all others."""
    others = not_(in_regions(sorted(own))) if own else true()
    return [*((days, in_regions([code])) for code, days in sorted(own.items())), (default_days, others)]


def _erase_ended(*, session: Session, at: datetime, default: Periods, own: dict[str, int]) -> int:
    def in_regions(codes: list[str]) -> ColumnElement[bool]:
        # A registration on no list is in no region (NULL would make NOT IN unknown, and it would never be erased).
        return func.coalesce(col(Registration.region_code), "").in_(codes)

    erased = 0
    for days, which in _by_region(in_regions, default.personal_days, own):
        due = session.exec(select(Registration).where(
            col(Registration.status).in_(ENDED), col(Registration.ended_at) < at - timedelta(days=days),
            not_(col(Registration.client_ref).startswith(erasure.ERASED_PREFIX)), which)
            .order_by(col(Registration.ended_at)).limit(ERASE_PER_TICK - erased).with_for_update()).all()
        for reg in due:
            erasure.scrub(session=session, reg=reg)
            # Who and why: no one asked, the period passed.
            audit.record(session=session, organisation=None, action="erase", entity_type="registration",
                         entity_id=reg.id, detail={"retention_days": days})
        erased += len(due)
        if erased >= ERASE_PER_TICK:
            break
    return erased


def _delete_drafts(*, session: Session, at: datetime, default: Periods) -> int:
    result = session.execute(delete(RegistrationDraft).where(
        col(RegistrationDraft.updated_at) < at - timedelta(days=default.personal_days)))
    return int(result.rowcount)  # type: ignore[attr-defined]  # a DML result counts its rows


def _expire_run_inputs(*, session: Session, at: datetime, default: Periods, periods: dict[str, Periods]) -> int:
    shortest = min([default.run_inputs_days, *(p.run_inputs_days for p in periods.values())])
    candidates = session.exec(select(MatchingRun.id, MatchingRun.regions, MatchingRun.created_at).where(
        col(MatchingRun.inputs).is_not(None), col(MatchingRun.created_at) < at - timedelta(days=shortest))).all()
    expired: list[uuid.UUID] = []
    for run_id, run_regions, created_at in candidates:
        days = max((periods[c].run_inputs_days for c in run_regions if c in periods),
                   default=default.run_inputs_days)
        if created_at < at - timedelta(days=days):
            expired.append(run_id)
    if expired:
        session.execute(update(MatchingRun).where(col(MatchingRun.id).in_(expired)).values(inputs=None))
    return len(expired)


def _delete_audit(*, session: Session, at: datetime, default: Periods, own: dict[str, int]) -> int:
    kept_for_monitor = and_(col(AuditRecord.action) == "transition", col(AuditRecord.entity_type).in_(MONITOR_ENTITIES))

    def in_regions(codes: list[str]) -> ColumnElement[bool]:
        # Records about a registration on one of these regions' lists.
        return col(AuditRecord.entity_id).in_(select(Registration.id).where(col(Registration.region_code).in_(codes)))

    deleted = 0
    for days, which in _by_region(in_regions, default.audit_days, own):
        result = session.execute(delete(AuditRecord).where(
            col(AuditRecord.at) < at - timedelta(days=days), not_(kept_for_monitor), which))
        deleted += result.rowcount  # type: ignore[attr-defined]  # a DML result counts its rows
    return deleted
