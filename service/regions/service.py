"""Regions, their versioned policies and neighbourhood vulnerability scores."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, delete, select

from service.audit import service as audit
from service.csvinput import csv_records
from service.errors import Conflict, FieldError, InvalidFields, NotFound, PreconditionFailed, field_errors
from service.municipalities import service as municipalities
from service.organisations.models import Organisation
from service.regions import scope
from service.regions.models import NeighbourhoodScore, Region, RegionMunicipality, RegionPolicyVersion
from service.regions.schemas import Policy, RegionPatch, RegionPut
from service.sqltypes import utcnow

ENTITY = "region"
_BU = re.compile(r"^BU\d{8}$")


@dataclass(frozen=True)
class RegionView:
    """A region with its members and current policy."""

    region: Region
    municipality_codes: list[str]
    policy: Policy


def put_region(*, session: Session, org: Organisation, code: str, data: RegionPut,
               read_at: datetime | None = None) -> RegionView:
    """Create or change a region; a changed policy becomes a new version, an unchanged one keeps its version.

    With `read_at` (the region's `updated_at` when the caller read it: the policy form) a region changed since is
    refused with 412, so a form opened before someone else's change cannot silently undo it.
    """
    unknown = municipalities.unknown_municipalities(session=session, codes=data.municipality_codes)
    if unknown:
        raise InvalidFields([FieldError(field=f"municipality_codes.{i}", message=f"municipality {c} does not exist",
                                        type="unknown_code")
                             for i, c in enumerate(data.municipality_codes) if c in unknown])
    taken = session.exec(select(RegionMunicipality).where(
        col(RegionMunicipality.municipality_code).in_(data.municipality_codes),
        RegionMunicipality.region_code != code)).all()
    if taken:
        listed = ", ".join(f"{t.municipality_code} ({t.region_code})" for t in taken)
        raise Conflict(f"municipalities already belong to another region: {listed}")
    # populate_existing: a region the caller read earlier in this transaction is read again under the lock.
    region = session.exec(select(Region).where(Region.code == code).with_for_update()
                          .execution_options(populate_existing=True)).first()
    policy_doc = data.policy.model_dump(mode="json")
    if region is None:
        region = Region(code=code, name=data.name, policy_version=0)
        session.add(region)
        session.flush()
        # The coordinator who sets up a region runs its office; other offices are linked by the operator.
        scope.link(session=session, by=org, organisation=org, region_code=code)
        current = None
    else:
        scope.require_region(session=session, org=org, code=code)
        if read_at is not None and region.updated_at != read_at:
            raise PreconditionFailed(f"region {code} changed since you read it; read it again and re-apply your "
                                     "change")
        current = _policy_version(session=session, code=code, version=region.policy_version)
    if current is None or current.policy != policy_doc:
        region.policy_version += 1
        session.add(RegionPolicyVersion(region_code=code, version=region.policy_version, policy=policy_doc,
                                        created_by=org.id))
    region.name = data.name
    region.updated_at = utcnow()
    session.add(region)
    session.exec(delete(RegionMunicipality).where(col(RegionMunicipality.region_code) == code))
    session.flush()
    session.add_all(RegionMunicipality(municipality_code=m, region_code=code) for m in data.municipality_codes)
    session.flush()
    scope.forget(session)
    audit.record(session=session, organisation=org, action="put", entity_type=ENTITY,
                 entity_id=audit.name_id(ENTITY, code),
                 detail={"code": code, "policy_version": region.policy_version,
                         "municipalities": len(data.municipality_codes)})
    return RegionView(region=region, municipality_codes=sorted(data.municipality_codes), policy=data.policy)


def patch_region(*, session: Session, org: Organisation, code: str, data: RegionPatch) -> RegionView:
    """Change what `data` names and keep the rest: the merged region goes through `put_region` (a changed policy
    becomes a new version)."""
    scope.require_region(session=session, org=org, code=code)
    region = session.exec(select(Region).where(Region.code == code).with_for_update()).first()
    if region is None:
        raise NotFound(f"no region {code}")
    current = _view(session=session, region=region)
    members = list(current.municipality_codes)
    errors = [FieldError(field=f"remove_municipalities.{i}", message=f"{c} is not in region {code}",
                         type="not_a_member") for i, c in enumerate(data.remove_municipalities) if c not in members]
    errors += [FieldError(field=f"add_municipalities.{i}", message=f"{c} is already in region {code}",
                          type="already_a_member") for i, c in enumerate(data.add_municipalities) if c in members]
    if errors:
        raise InvalidFields(errors)
    members = [m for m in members if m not in data.remove_municipalities] + list(data.add_municipalities)
    if not members:
        raise InvalidFields([FieldError(field="remove_municipalities", type="too_short",
                                        message="a region keeps at least one municipality")])
    # Only the fields sent: a field sent as null (no cap) is a change, a field left out is not.
    changes: dict[str, Any] = (data.policy.model_dump(include=data.policy.model_fields_set)
                               if data.policy is not None else {})
    try:
        policy = Policy.model_validate({**current.policy.model_dump(), **changes})
    except ValidationError as exc:
        raise InvalidFields([e.model_copy(update={"field": f"policy.{e.field}"})
                             for e in field_errors(exc.errors())]) from None
    merged = RegionPut(name=data.name or current.region.name, municipality_codes=members, policy=policy)
    return put_region(session=session, org=org, code=code, data=merged)


def _policy_version(*, session: Session, code: str, version: int) -> RegionPolicyVersion | None:
    return session.exec(select(RegionPolicyVersion).where(
        RegionPolicyVersion.region_code == code, RegionPolicyVersion.version == version)).first()


def get_region(*, session: Session, code: str) -> RegionView:
    """One region with its current policy."""
    region = session.get(Region, code)
    if region is None:
        raise NotFound(f"no region {code}")
    return _view(session=session, region=region)


def _view(*, session: Session, region: Region) -> RegionView:
    members = session.exec(select(RegionMunicipality.municipality_code)
                           .where(RegionMunicipality.region_code == region.code)
                           .order_by(col(RegionMunicipality.municipality_code))).all()
    version = _policy_version(session=session, code=region.code, version=region.policy_version)
    assert version is not None  # every region is created with version 1
    return RegionView(region=region, municipality_codes=list(members), policy=Policy.model_validate(version.policy))


def list_regions(*, session: Session, codes: Iterable[str] | None = None) -> list[RegionView]:
    """All regions (or those of `codes`) by code, in two queries whatever their number (every offer reads them)."""
    # Each region with its current policy version's document, in one query.
    query = (select(Region, RegionPolicyVersion.policy)
             .outerjoin(RegionPolicyVersion, (col(RegionPolicyVersion.region_code) == col(Region.code))
                        & (col(RegionPolicyVersion.version) == col(Region.policy_version)))
             .order_by(col(Region.code)))
    if codes is not None:
        query = query.where(col(Region.code).in_(sorted(codes)))
    regions = list(session.exec(query))
    if not regions:
        return []
    members: dict[str, list[str]] = {}
    for link in session.exec(select(RegionMunicipality).order_by(col(RegionMunicipality.municipality_code))):
        members.setdefault(link.region_code, []).append(link.municipality_code)
    views = []
    for region, policy in regions:
        if policy is None:
            raise LookupError(f"region {region.code} has no policy version {region.policy_version}")
        views.append(RegionView(region=region, municipality_codes=members.get(region.code, []),
                                policy=Policy.model_validate(policy)))
    return views


def policy_history(*, session: Session, code: str) -> list[RegionPolicyVersion]:
    """Every policy version of a region, newest first."""
    get_region(session=session, code=code)
    return list(session.exec(select(RegionPolicyVersion).where(RegionPolicyVersion.region_code == code)
                             .order_by(col(RegionPolicyVersion.version).desc())))


def region_of_municipalities(*, session: Session) -> dict[str, str]:
    """Municipality code -> region code, for every municipality in a region."""
    return {m.municipality_code: m.region_code for m in session.exec(select(RegionMunicipality))}


def region_code_of(*, session: Session, municipality_code: str) -> str | None:
    """The region a municipality lies in, if any."""
    member = session.get(RegionMunicipality, municipality_code)
    return member.region_code if member else None


def upload_vulnerability(*, session: Session, org: Organisation, text: str) -> tuple[int, list[dict[str, str | int]]]:
    """Store `code,score` lines (header optional); bad lines are reported by line number, good ones kept."""
    rejected: list[dict[str, str | int]] = []
    scores: dict[str, int] = {}
    lines: dict[str, int] = {}
    for line_number, row in csv_records(text):
        if isinstance(row, str):
            rejected.append({"line": line_number, "reason": row})
            continue
        if line_number == 1 and row[0].lower() == "code":
            continue
        if len(row) != 2:
            rejected.append({"line": line_number, "reason": "expected two columns: code,score"})
            continue
        code, raw = row[0].strip().upper(), row[1].strip()
        if not _BU.match(code):
            rejected.append({"line": line_number, "reason": f"{code!r} is not a CBS neighbourhood code (BUnnnnnnnn)"})
        elif not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 0 <= int(raw) <= 100:
            rejected.append({"line": line_number, "reason": f"score {raw!r} is not a whole number from 0 to 100"})
        else:
            scores[code] = int(raw)
            lines[code] = line_number
    unknown = municipalities.unknown_municipalities(session=session,
                                                    codes={municipalities.municipality_of(c) for c in scores})
    for code in [c for c in scores if municipalities.municipality_of(c) in unknown]:
        rejected.append({"line": lines[code],
                         "reason": f"municipality {municipalities.municipality_of(code)} of {code} does not exist"})
        del scores[code]
    own = scope.scope_of(session=session, org=org)
    for code in [c for c in scores if not own.has_municipality(municipalities.municipality_of(c))]:
        rejected.append({"line": lines[code], "reason": f"{code} lies outside your regions"})
        del scores[code]
    rejected.sort(key=lambda r: int(r["line"]))
    for code, score in scores.items():
        stored = session.get(NeighbourhoodScore, code) or NeighbourhoodScore(code=code, vulnerability=score)
        stored.vulnerability, stored.updated_at = score, utcnow()
        session.add(stored)
    session.flush()
    audit.record(session=session, organisation=org, action="upload", entity_type="vulnerability_scores",
                 entity_id=audit.name_id("vulnerability_scores", "all"),
                 detail={"stored": len(scores), "rejected": len(rejected)})
    return len(scores), rejected


def vulnerability_scores(*, session: Session, codes: Iterable[str] | None = None) -> dict[str, int]:
    """Neighbourhood code -> vulnerability score (of the given neighbourhoods only, when named)."""
    query = select(NeighbourhoodScore)
    if codes is not None:
        query = query.where(col(NeighbourhoodScore.code).in_(sorted(set(codes))))
    return {s.code: s.vulnerability for s in session.exec(query)}


def policy_for_municipality(*, session: Session, code: str) -> Policy:
    """The current policy of the region a municipality lies in; the defaults outside any region."""
    member = session.get(RegionMunicipality, code)
    if member is None:
        return Policy()
    return get_region(session=session, code=member.region_code).policy
