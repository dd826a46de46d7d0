"""What-if: a region's policy changed on paper, evaluated on the current open dwellings and registrations.

Both policies are solved with `matching.solve` (in the matcher's process, service.shortlists.solver_process) on
the same inputs (the region's open dwellings, every matchable registration, exemptions included), with the same
seed and limit. Nothing is written except one audit record.
"""

import uuid
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

import matching
from service.audit import service as audit
from service.errors import InvalidFields, field_errors
from service.organisations.models import Organisation
from service.regions import scope
from service.regions import service as regions_service
from service.regions.schemas import Policy
from service.shortlists import service as shortlists_service
from service.shortlists import snapshot, solver_process
from service.shortlists.rows import RegistrationRow
from service.stuck import service as stuck_service
from service.whatif.schemas import Outcome, Unstuck, WhatIfPublic, WhatIfRequest


def _changed_policy(current: Policy, changes: dict[str, Any]) -> Policy:
    try:
        return Policy.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        for error in errors:
            error.field = f"policy.{error.field}"
        raise InvalidFields(errors) from None


def _outcome(problem: matching.Problem, rows: list[RegistrationRow], seconds: float) -> tuple[
        Outcome, list[matching.RegistrationDiagnosis], set[str]]:
    diagnoses = list(matching.diagnose_registrations(problem)) if rows else []
    eligible = sum(1 for d in diagnoses if d.eligible > 0)
    if not rows or not problem.dwellings.ids:
        return Outcome(eligible_registrations=eligible, filled_slots=0, mean_wait_days=None,
                       solver_status="NOT_RUN"), diagnoses, set()
    result = solver_process.solve(problem, shortlists_service.solve_params(seconds))
    waits = [rows[c.registration_index].waiting_days for s in result.shortlists for c in s.candidates]
    nominated = {c.registration_id for s in result.shortlists for c in s.candidates}
    mean = round(sum(waits) / len(waits), 2) if waits else None
    return Outcome(eligible_registrations=eligible, filled_slots=result.filled_slots, mean_wait_days=mean,
                   solver_status=result.status), diagnoses, nominated


def what_if(*, session: Session, org: Organisation, data: WhatIfRequest) -> WhatIfPublic:
    """Compare the region's current policy with a changed one, without changing anything."""
    scope.require_region(session=session, org=org, code=data.region)
    region = regions_service.get_region(session=session, code=data.region)
    changed = _changed_policy(region.policy, data.policy)
    registrations = [r for r in snapshot.matchable_registrations(session=session) if r.region_code == data.region]
    dwellings = stuck_service.open_dwellings(session=session, municipality_codes=region.municipality_codes)
    inputs = stuck_service.open_inputs(session=session, registrations=registrations, dwellings=dwellings)
    current, before, _ = _outcome(inputs.problem(), inputs.registrations, data.max_seconds)
    after_problem = inputs.problem(policies={data.region: changed.model_dump(mode="json")})
    new, after, nominated = _outcome(after_problem, inputs.registrations, data.max_seconds)
    unstuck = [Unstuck(registration_id=uuid.UUID(a.registration_id), eligible_after=a.eligible,
                       nominated_after=a.registration_id in nominated)
               for b, a in zip(before, after, strict=True) if b.eligible == 0 and a.eligible > 0]
    delta_wait = (round(new.mean_wait_days - current.mean_wait_days, 2)
                  if new.mean_wait_days is not None and current.mean_wait_days is not None else None)
    answer = WhatIfPublic(
        region=data.region, changes=data.policy, open_dwellings=len(inputs.dwellings),
        registrations=len(inputs.registrations), current=current, changed=new,
        newly_eligible=new.eligible_registrations - current.eligible_registrations,
        filled_slots_delta=new.filled_slots - current.filled_slots, mean_wait_days_delta=delta_wait,
        unstuck=unstuck)
    audit.record(session=session, organisation=org, action="what_if", entity_type="region",
                 entity_id=audit.name_id("region", data.region),
                 detail={"changes": data.policy, "newly_eligible": answer.newly_eligible,
                         "filled_slots_delta": answer.filled_slots_delta, "unstuck": len(unstuck)})
    return answer
