"""Uploading the distribution key's data, setting yearly targets and splitting them (see `key` for the formula)."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from sqlmodel import Session, col, delete, select

from service.audit import service as audit
from service.csvinput import csv_records
from service.errors import FieldError, InvalidFields, NotFound
from service.municipalities import service as municipalities
from service.municipalities.models import Municipality
from service.organisations.models import Organisation, OrganisationKind
from service.regions import scope
from service.regions import service as regions_service
from service.sqltypes import utcnow
from service.targets import key
from service.targets.models import CorporationStock, MunicipalityFigures, YearTarget
from service.targets.schemas import TargetPart, TargetPut, TargetsPublic

FORMULA = ("municipality weight = households x (1 + care_pressure); corporation weight = dwellings in stock; "
           "whole dwellings by largest remainder, so the parts sum to the total; overrides are kept and the rest "
           "is split over the other parts by the same key")
Rejected = list[dict[str, str | int]]


def _rows(text: str, header: str, rejected: Rejected) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with their line numbers, skipping blank lines and a header; unreadable lines go to `rejected`."""
    for number, row in csv_records(text):
        if isinstance(row, str):
            rejected.append({"line": number, "reason": row})
        elif not (number == 1 and row[0].lower() == header):
            yield number, row


def _number(raw: str, kind: Callable[[str], float | int], low: float, high: float) -> float | int | None:
    try:
        value = kind(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def upload_figures(*, session: Session, org: Organisation, text: str) -> tuple[int, Rejected]:
    """Store `code,households,care_pressure` per municipality; bad lines are reported, good ones kept."""
    rejected: Rejected = []
    good: dict[str, tuple[int, float]] = {}
    lines: dict[str, int] = {}
    for number, row in _rows(text, "code", rejected):
        if len(row) != 3:
            rejected.append({"line": number, "reason": "expected three columns: code,households,care_pressure"})
            continue
        code = row[0].upper()
        households = _number(row[1], int, 0, 10_000_000)
        pressure = _number(row[2], float, -0.9, 2.0)
        if not municipalities.GM_CODE.match(code):
            rejected.append({"line": number, "reason": f"{code!r} is not a municipality code (GMnnnn)"})
        elif households is None:
            rejected.append({"line": number, "reason": f"households {row[1]!r} is not a whole number >= 0"})
        elif pressure is None:
            rejected.append({"line": number, "reason": f"care_pressure {row[2]!r} is not a number from -0.9 to 2"})
        else:
            good[code], lines[code] = (int(households), float(pressure)), number
    for code in municipalities.unknown_municipalities(session=session, codes=good):
        rejected.append({"line": lines.pop(code), "reason": f"municipality {code} does not exist"})
        del good[code]
    own = scope.scope_of(session=session, org=org)
    for code in [c for c in good if not own.has_municipality(c)]:
        rejected.append({"line": lines.pop(code), "reason": f"municipality {code} lies outside your regions"})
        del good[code]
    for code, (households, pressure) in good.items():
        stored = session.get(MunicipalityFigures, code) or MunicipalityFigures(code=code, households=0,
                                                                              care_pressure=0)
        stored.households, stored.care_pressure, stored.updated_at = households, pressure, utcnow()
        session.add(stored)
    session.flush()
    audit.record(session=session, organisation=org, action="upload", entity_type="municipality_figures",
                 entity_id=audit.name_id("municipality_figures", "all"),
                 detail={"stored": len(good), "rejected": len(rejected)})
    return len(good), sorted(rejected, key=lambda r: int(r["line"]))


def upload_stock(*, session: Session, org: Organisation, region_code: str, text: str) -> tuple[int, Rejected]:
    """Replace a region's `corporation_id,dwellings` list; bad lines are reported, good ones kept."""
    scope.require_region(session=session, org=org, code=region_code)
    corporations = {o.id for o in session.exec(select(Organisation).where(
        Organisation.kind == OrganisationKind.corporation.value))}
    rejected: Rejected = []
    good: dict[uuid.UUID, int] = {}
    for number, row in _rows(text, "corporation_id", rejected):
        if len(row) != 2:
            rejected.append({"line": number, "reason": "expected two columns: corporation_id,dwellings"})
            continue
        try:
            corporation = uuid.UUID(row[0])
        except ValueError:
            rejected.append({"line": number, "reason": f"{row[0]!r} is not an organisation id"})
            continue
        dwellings = _number(row[1], int, 0, 10_000_000)
        if corporation not in corporations:
            rejected.append({"line": number, "reason": f"{corporation} is not a corporation"})
        elif dwellings is None:
            rejected.append({"line": number, "reason": f"dwellings {row[1]!r} is not a whole number >= 0"})
        else:
            good[corporation] = int(dwellings)
    session.exec(delete(CorporationStock).where(col(CorporationStock.region_code) == region_code))
    session.flush()
    session.add_all(CorporationStock(region_code=region_code, corporation_id=c, dwellings=n) for c, n in good.items())
    session.flush()
    audit.record(session=session, organisation=org, action="upload", entity_type="corporation_stock",
                 entity_id=audit.name_id("corporation_stock", region_code),
                 detail={"region": region_code, "stored": len(good), "rejected": len(rejected)})
    return len(good), rejected


def put_target(*, session: Session, org: Organisation, year: int, data: TargetPut) -> TargetsPublic:
    """Set a region's yearly total and overrides; overrides must name its members and not exceed the total."""
    scope.require_region(session=session, org=org, code=data.region)
    region = regions_service.get_region(session=session, code=data.region)
    errors = [FieldError(field=f"municipality_overrides.{code}", type="not_in_region",
                         message=f"{code} is not a municipality of region {data.region}")
              for code in data.municipality_overrides if code not in region.municipality_codes]
    corporations = set(session.exec(select(Organisation.id).where(
        Organisation.kind == OrganisationKind.corporation.value)))
    errors += [FieldError(field=f"corporation_overrides.{c}", type="not_a_corporation",
                          message=f"{c} is not a corporation") for c in data.corporation_overrides
               if c not in corporations]
    for name, overrides in (("municipality_overrides", data.municipality_overrides),
                            ("corporation_overrides", data.corporation_overrides)):
        if sum(overrides.values()) > data.total:
            errors.append(FieldError(field=name, type="exceeds_total",
                                     message=f"the overrides sum to {sum(overrides.values())}, more than the "
                                             f"total {data.total}"))
    if errors:
        raise InvalidFields(errors)
    target = session.get(YearTarget, (year, data.region)) or YearTarget(
        year=year, region_code=data.region, total=0, municipality_overrides={}, corporation_overrides={}, set_by=org.id)
    target.total, target.set_by, target.updated_at = data.total, org.id, utcnow()
    target.municipality_overrides = dict(data.municipality_overrides)
    target.corporation_overrides = {str(c): n for c, n in data.corporation_overrides.items()}
    session.add(target)
    session.flush()
    audit.record(session=session, organisation=org, action="put", entity_type="year_target",
                 entity_id=audit.name_id("year_target", f"{data.region}:{year}"),
                 detail={"year": year, "region": data.region, "total": data.total,
                         "municipality_overrides": target.municipality_overrides,
                         "corporation_overrides": target.corporation_overrides})
    return split(session=session, year=year, region_code=data.region)


@dataclass(frozen=True)
class Effective:
    """The effective yearly targets of a region's parts (what the monitor measures pace against)."""

    total: int
    municipalities: dict[str, int]
    corporations: dict[str, int]


def effective_targets(*, session: Session, year: int, region_code: str) -> Effective | None:
    """The region's effective split for the year, or None when no target is set."""
    if session.get(YearTarget, (year, region_code)) is None:
        return None
    public = split(session=session, year=year, region_code=region_code)
    return Effective(total=public.total, municipalities={p.key: p.effective for p in public.municipalities},
                     corporations={p.key: p.effective for p in public.corporations})


def split(*, session: Session, year: int, region_code: str) -> TargetsPublic:
    """The yearly target split by the key: computed, override and effective per municipality and corporation."""
    region = regions_service.get_region(session=session, code=region_code)
    target = session.get(YearTarget, (year, region_code))
    if target is None:
        raise NotFound(f"no target for region {region_code} in {year}")
    warnings: list[str] = []
    figures = {f.code: f for f in session.exec(select(MunicipalityFigures).where(
        col(MunicipalityFigures.code).in_(region.municipality_codes)))}
    names = dict(session.exec(select(Municipality.code, Municipality.name).where(
        col(Municipality.code).in_(region.municipality_codes))).all())
    missing = [c for c in region.municipality_codes if c not in figures]
    if missing:
        warnings.append(f"no households figures for {', '.join(missing)}: their weight is 0; "
                        "upload them with PUT /v1/municipalities/figures")
    m_weights = {c: key.municipality_weight(households=figures[c].households, care_pressure=figures[c].care_pressure)
                 if c in figures else Fraction(0) for c in region.municipality_codes}
    m_basis = {c: {"households": figures[c].households, "care_pressure": figures[c].care_pressure}
               if c in figures else {} for c in region.municipality_codes}
    municipalities_ = _parts(target.total, m_weights, dict(target.municipality_overrides), names, m_basis)

    stock = {str(s.corporation_id): s.dwellings for s in session.exec(select(CorporationStock).where(
        CorporationStock.region_code == region_code))}
    c_overrides = dict(target.corporation_overrides)
    c_keys = sorted(set(stock) | set(c_overrides))
    if not stock:
        warnings.append("no corporation stock for this region: upload it with PUT /v1/corporations/stock")
    c_names = {str(o.id): o.name for o in session.exec(select(Organisation).where(
        col(Organisation.id).in_([uuid.UUID(k) for k in c_keys])))} if c_keys else {}
    c_weights = {k: Fraction(stock.get(k, 0)) for k in c_keys}
    corporations = _parts(target.total, c_weights, c_overrides, c_names,
                          {k: {"dwellings": stock.get(k, 0)} for k in c_keys})
    for label, parts in (("municipalities", municipalities_), ("corporations", corporations)):
        effective = sum(p.effective for p in parts)
        if parts and effective != target.total:
            warnings.append(f"the effective split over {label} sums to {effective}, not {target.total}")
    return TargetsPublic(year=year, region=region_code, total=target.total, formula=FORMULA,
                         municipalities=municipalities_, corporations=corporations, warnings=warnings,
                         updated_at=target.updated_at)


def _parts(total: int, weights: dict[str, Fraction], overrides: dict[str, int], names: dict[str, str],
           basis: dict[str, dict[str, float]]) -> list[TargetPart]:
    computed, effective = key.split_with_overrides(total, weights, overrides)
    weight_sum = sum(weights.values(), Fraction(0))
    return [TargetPart(key=k, name=names.get(k, k), basis=basis[k], weight=float(w),
                       share=round(float(w / weight_sum), 6) if weight_sum else 0.0, computed=computed[k],
                       override=overrides.get(k), effective=effective[k]) for k, w in weights.items()]


def split_for(*, session: Session, org: Organisation, year: int, region_code: str) -> TargetsPublic:
    """The split as `org` may see it: a corporation sees only its own line unless the region's monitor is open."""
    public = split(session=session, year=year, region_code=region_code)
    if org.kind == OrganisationKind.corporation and not regions_service.get_region(
            session=session, code=region_code).policy.monitor_open:
        public.corporations = [p for p in public.corporations if p.key == str(org.id)]
    return public
