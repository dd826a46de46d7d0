"""Stuck cases: diagnosing registrations against the open dwellings, one registration or all active ones at once.

The input is built from the same snapshot helpers as a matching run (exemptions included), over the open dwellings:
offered, shortlisted and published. A registration counts as available the way a matching round sees it: active or
nominated, and on no published shortlist.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, select

import matching
from service.audit import service as audit
from service.dwellings.models import UNCHOSEN_STATUSES, Dwelling
from service.housing_figures import housing_figures
from service.organisations.models import Organisation
from service.regions import scope
from service.regions import service as regions_service
from service.registrations import service as registrations_service
from service.registrations.models import Registration, RegistrationStatus
from service.shortlists import snapshot
from service.shortlists.models import ShortlistStatus
from service.shortlists.problem import build_problem
from service.shortlists.rows import Context, DwellingRow, RegistrationRow
from service.sqltypes import utcnow
from service.stuck.schemas import EligibilityPublic, RuleDiagnosis, StuckPublic


@dataclass(frozen=True)
class OpenInputs:
    """Snapshot rows of the open dwellings and some registrations, the context they are judged in, and the
    (dwelling, registration) pairs never to propose again."""

    dwellings: list[DwellingRow]
    registrations: list[RegistrationRow]
    context: Context
    rejected_pairs: list[tuple[str, str]]

    def problem(self, *, policies: Mapping[str, Mapping[str, Any]] | None = None) -> matching.Problem:
        """The matcher's problem; `policies` replaces regions' policy documents (region code -> policy)."""
        context = self.context
        if policies:
            context = replace(context, regions=tuple(replace(r, policy=policies.get(r.code, r.policy))
                                                     for r in context.regions))
        return build_problem(dwellings=self.dwellings, registrations=self.registrations, context=context,
                             rejected_pairs=self.rejected_pairs)


def open_dwellings(*, session: Session, municipality_codes: list[str] | None = None) -> list[Dwelling]:
    """Open dwellings (in these municipalities, when given) in a year the matcher has figures for."""
    query = select(Dwelling).where(col(Dwelling.status).in_([s.value for s in UNCHOSEN_STATUSES]))
    if municipality_codes is not None:
        query = query.where(col(Dwelling.municipality_code).in_(municipality_codes))
    years = set(housing_figures().years)
    rows = session.exec(query.order_by(col(Dwelling.created_at), col(Dwelling.id))).all()
    return [d for d in rows if d.available_from.year in years]


def open_inputs(*, session: Session, registrations: list[Registration],
                dwellings: list[Dwelling] | None = None) -> OpenInputs:
    """Snapshot rows for judging these registrations against the open dwellings (or the given ones)."""
    reference = utcnow().date()
    dwellings = open_dwellings(session=session) if dwellings is None else dwellings
    published = snapshot.registrations_on_open_shortlists(session=session, statuses={ShortlistStatus.published.value})
    matchable = {RegistrationStatus.active.value, RegistrationStatus.nominated.value}
    available = {r.id for r in registrations if r.status in matchable and r.id not in published}
    return OpenInputs(
        dwellings=snapshot.dwelling_rows(session=session, dwellings=dwellings),
        registrations=snapshot.registration_rows(session=session, registrations=registrations, available=available,
                                                 reference=reference),
        context=snapshot.context(session=session, reference=reference),
        rejected_pairs=snapshot.rejected_pairs(session=session, dwelling_ids=[d.id for d in dwellings]))


def summary(diagnosis: matching.RegistrationDiagnosis) -> tuple[list[str], str]:
    """The rules that block alone, most freeing first, and the one-line summary the office reads."""
    blocking = sorted(diagnosis.sole_blockers, key=lambda code: (-diagnosis.eligible_without[code],
                                                                 matching.RULE_CODES.index(code)))
    parts = [f"{diagnosis.eligible} eligible"]
    parts += [f"{diagnosis.eligible_without[code]} without {code}" for code in blocking]
    if diagnosis.dwellings == 0:
        parts.append("no open dwellings")
    elif diagnosis.eligible == 0 and not blocking:
        parts.append("no single rule blocks alone")
    return blocking, "; ".join(parts)


def _public(row: RegistrationRow, reg: Registration, diagnosis: matching.RegistrationDiagnosis) -> dict[str, Any]:
    blocking, text = summary(diagnosis)
    return {"registration_id": reg.id, "status": reg.status, "waiting_days": row.waiting_days,
            "open_dwellings": diagnosis.dwellings, "eligible": diagnosis.eligible,
            "rules": [RuleDiagnosis(code=code, passing=diagnosis.passing[code],
                                    eligible_without=diagnosis.eligible_without[code])
                      for code in matching.RULE_CODES],
            "blocking_rules": blocking, "summary": text, "exempt_rules": list(row.exempt_rules), "urgent": row.urgent,
            "care_provider_id": reg.care_provider_id}


def eligibility(*, session: Session, org: Organisation, registration_id: uuid.UUID) -> EligibilityPublic:
    """Diagnose one registration (its care provider or a coordinator); the read of the registration is audited."""
    reg = registrations_service.read_registration(session=session, org=org, registration_id=registration_id)
    return diagnose(session=session, reg=reg)


def diagnose(*, session: Session, reg: Registration) -> EligibilityPublic:
    """Diagnose a registration the caller has already read (and so audited) against its region's open dwellings."""
    # Only the dwellings of its own region's list count (the matcher leaves out the others too).
    municipalities = regions_service.get_region(session=session, code=reg.region_code).municipality_codes \
        if reg.region_code else []
    inputs = open_inputs(session=session, registrations=[reg],
                         dwellings=open_dwellings(session=session, municipality_codes=municipalities))
    diagnosis = matching.diagnose_registration(inputs.problem(), 0)
    return EligibilityPublic.model_validate(_public(inputs.registrations[0], reg, diagnosis))


@dataclass(frozen=True)
class Diagnosed:
    """One active registration of a coordinator's regions with its snapshot row and its diagnosis."""

    row: RegistrationRow
    registration: Registration
    diagnosis: matching.RegistrationDiagnosis

    def public(self) -> StuckPublic:
        return StuckPublic.model_validate(_public(self.row, self.registration, self.diagnosis))


def stuck(*, session: Session, org: Organisation, min_days: int | None = None) -> list[Diagnosed]:
    """Every stuck case of the coordinator's regions, longest wait first (not audited: the caller records the reads
    of what it shows)."""
    own = scope.scope_of(session=session, org=org)
    registrations = list(session.exec(select(Registration)
                                      .where(Registration.status == RegistrationStatus.active.value,
                                             col(Registration.region_code).in_(own.regions))
                                      .order_by(col(Registration.waiting_since), col(Registration.id))))
    if not registrations:
        return []
    inputs = open_inputs(session=session, registrations=registrations,
                         dwellings=open_dwellings(session=session, municipality_codes=sorted(own.municipalities)))
    diagnoses = matching.diagnose_registrations(inputs.problem())
    return [Diagnosed(row=row, registration=reg, diagnosis=d)
            for row, reg, d in zip(inputs.registrations, registrations, diagnoses, strict=True)
            if d.eligible == 0 or (min_days is not None and row.waiting_days > min_days)]


def stuck_cases(*, session: Session, org: Organisation, min_days: int | None, limit: int,
                offset: int) -> tuple[list[StuckPublic], int]:
    """Active registrations with no eligible open dwelling, or waiting more than `min_days`; longest wait first."""
    found = stuck(session=session, org=org, min_days=min_days)
    page = found[offset:offset + limit]
    audit.record_reads(session=session, organisation=org, entity_type="registration",
                       entity_ids=[case.registration.id for case in page])
    return [case.public() for case in page], len(found)
