"""The coordinator's list of stuck cases (vastgelopen): the stuck cases of `service.stuck.service`, filtered by the
rule that blocks them alone, with counts per rule, the care provider's name and the reference the office works by.

One diagnosis of every active registration per request (as `GET /v1/stuck`), one query for the care providers'
names; the reads of the cases shown are audited, as the API audits the page it answers.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

import matching
from service.audit import service as audit
from service.organisations.models import Organisation
from service.stuck import service

# The filter value for the cases that no single rule blocks alone (several rules at once, or no open dwelling).
NO_SINGLE_RULE = "geen"


@dataclass(frozen=True)
class Blocker:
    """A rule that blocks a case alone, and how many open dwellings would fit her if it alone were lifted."""

    code: str
    eligible_without: int


@dataclass(frozen=True)
class StuckCase:
    """One stuck registration as the list shows it."""

    registration_id: uuid.UUID
    client_ref: str
    care_provider_name: str
    region_code: str | None
    waiting_since: datetime
    waiting_days: int
    open_dwellings: int
    eligible: int
    blockers: tuple[Blocker, ...]
    exempt_rules: tuple[str, ...]
    urgent: bool


@dataclass(frozen=True)
class StuckBoard:
    """One page of stuck cases (as filtered), the number filtered, and per rule how many cases it blocks alone."""

    items: list[StuckCase]
    total: int
    all_total: int
    counts: dict[str, int]
    no_single_rule: int
    rule: str | None


def _blockers(diagnosis: matching.RegistrationDiagnosis) -> tuple[Blocker, ...]:
    blocking, _summary = service.summary(diagnosis)
    return tuple(Blocker(code=code, eligible_without=diagnosis.eligible_without[code]) for code in blocking)


def stuck_board(*, session: Session, org: Organisation, rule: str | None, limit: int | None,
                offset: int = 0) -> StuckBoard:
    """The stuck cases of the coordinator's regions, longest wait first, limited to those `rule` blocks alone (or,
    for NO_SINGLE_RULE, to those no rule blocks alone); `limit` None: all of them (a download)."""
    found = service.stuck(session=session, org=org)
    blockers = {case.registration.id: _blockers(case.diagnosis) for case in found}
    counts = {code: sum(1 for b in blockers.values() if any(x.code == code for x in b))
              for code in matching.RULE_CODES}
    no_single = sum(1 for b in blockers.values() if not b)
    if rule == NO_SINGLE_RULE:
        chosen = [case for case in found if not blockers[case.registration.id]]
    elif rule:
        chosen = [case for case in found if any(b.code == rule for b in blockers[case.registration.id])]
    else:
        chosen = found
    page = chosen[offset:] if limit is None else chosen[offset:offset + limit]
    provider_ids = {case.registration.care_provider_id for case in page}
    names = dict(session.exec(select(Organisation.id, Organisation.name)
                              .where(col(Organisation.id).in_(provider_ids))).all()) if provider_ids else {}
    audit.record_reads(session=session, organisation=org, entity_type="registration",
                       entity_ids=[case.registration.id for case in page])
    items = [StuckCase(registration_id=case.registration.id, client_ref=case.registration.client_ref,
                       care_provider_name=names.get(case.registration.care_provider_id, ""),
                       region_code=case.registration.region_code, waiting_since=case.registration.waiting_since,
                       waiting_days=case.row.waiting_days, open_dwellings=case.diagnosis.dwellings,
                       eligible=case.diagnosis.eligible, blockers=blockers[case.registration.id],
                       exempt_rules=case.row.exempt_rules, urgent=case.row.urgent)
             for case in page]
    return StuckBoard(items=items, total=len(chosen), all_total=len(found), counts=counts,
                      no_single_rule=no_single, rule=rule or None)
