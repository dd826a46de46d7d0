"""The waiting-list import: a coordinator brings an office's existing list in from CSV or .xlsx, one row per client.

Every row goes through the API's own form (RegistrationCreate) and reference checks; the import itself is all or
nothing and uses the registrations service's idempotent submit and its waiting-since change.
"""

import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from service import clock
from service.errors import FieldError, InvalidFields, field_errors
from service.imports import collector
from service.imports.tables import Table, template_bytes
from service.municipalities import service as municipalities
from service.organisations import service as organisations
from service.organisations.models import Organisation, OrganisationKind
from service.regions import scope
from service.registrations import service as registrations
from service.registrations.schemas import RegistrationCreate, WaitingSince

# column -> what it holds and how to write it (the explanation sheet of the template).
COLUMNS: dict[str, str] = {
    "care_provider": "the care provider's organisation id, or its exact name; it must work in the region",
    "client_ref": "the provider's pseudonymous reference (no names, no BSN); unique per provider",
    "region": "the region code whose list the client is on, e.g. U16",
    "form_version": "1 (may be left empty)",
    "consent_to_share": "ja / nee (must be ja)",
    "birth_year": "of the main applicant, e.g. 1999",
    "household_adults": "number of adults, 1 to 10",
    "household_children": "children's birth years separated by ;, e.g. 2019; 2024 (empty: none)",
    "annual_income": "gross household income in euros a year, e.g. 21400.00",
    "current_setting": "shelter, supported_housing, womens_shelter, mother_child_home, youth_care or other",
    "support_intensity": "none, light, medium or intensive",
    "support_guaranteed_after_move": "ja / nee",
    "debt_counselling": "not_needed, in_progress, stable or needed_not_started",
    "avoid_nearby": "category:radius in metres, separated by ;, e.g. liquor_store:300; cannabis_shop:200",
    "avoid_areas": "CBS codes (GM, WK or BU) separated by ;, e.g. WK034405; BU03440302",
    "avoid_points": "lat:lon:radius in metres, separated by ;, e.g. 52.0801:5.1102:1000",
    "low_stimulus": "required, preferred or not_needed",
    "accessibility_wheelchair": "ja / nee",
    "accessibility_no_stairs": "ja / nee",
    "regional_ties": "municipality:years resident:years work or study, separated by ;, e.g. GM0344:4:0",
    "preferred_municipalities": "GM codes separated by ;, e.g. GM0344; GM0356",
    "contract": "flip_required, regular_only or any",
    "ready_from": "the date the client is ready to live independently, e.g. 2026-12-15",
    "notes": "for the coordinator only (may be empty)",
    "waiting_since": "when the waiting time started, a date (e.g. 2024-03-01) or a time with its zone",
    "waiting_source": "where that start comes from, e.g. the old system's registration date",
}
REQUIRED = [c for c in COLUMNS if c not in {"form_version", "notes", "waiting_source"}]
TRUE, FALSE = {"ja", "j", "yes", "y", "true", "waar", "1"}, {"nee", "n", "no", "false", "onwaar", "0"}
INTEGER = re.compile(r"^-?\d+$")
EXAMPLES: list[dict[str, str]] = [
    {"care_provider": "Leger des Heils Utrecht", "client_ref": "LR-2024-0143", "region": "U16", "form_version": "1",
     "consent_to_share": "ja", "birth_year": "1999", "household_adults": "1", "household_children": "2024",
     "annual_income": "21400.00", "current_setting": "mother_child_home", "support_intensity": "medium",
     "support_guaranteed_after_move": "ja", "debt_counselling": "in_progress", "avoid_nearby": "liquor_store:300",
     "avoid_areas": "WK034405", "avoid_points": "52.0801:5.1102:1000", "low_stimulus": "preferred",
     "accessibility_wheelchair": "nee", "accessibility_no_stairs": "nee", "regional_ties": "GM0344:4:0",
     "preferred_municipalities": "GM0344; GM0356", "contract": "any", "ready_from": "",
     "notes": "Prefers a ground floor.",
     "waiting_since": "2024-03-01", "waiting_source": "registration date in the old list"},
    {"care_provider": "Leger des Heils Utrecht", "client_ref": "LR-2023-0988", "region": "U16", "form_version": "1",
     "consent_to_share": "ja", "birth_year": "1985", "household_adults": "2", "household_children": "",
     "annual_income": "30500", "current_setting": "shelter", "support_intensity": "light",
     "support_guaranteed_after_move": "nee", "debt_counselling": "stable",
     "avoid_nearby": "liquor_store:300; cannabis_shop:200", "avoid_areas": "", "avoid_points": "",
     "low_stimulus": "not_needed", "accessibility_wheelchair": "nee", "accessibility_no_stairs": "ja",
     "regional_ties": "GM0344:10:6; GM0356:2:0", "preferred_municipalities": "", "contract": "regular_only",
     "ready_from": "", "notes": "", "waiting_since": "2023-09-15", "waiting_source": "intake date"},
]


@dataclass(frozen=True)
class Problem:
    """One problem of one row, named by its column, in plain words; `type` and `context` say the same as data (a
    form's error type and its bounds, or one of the import's own kinds below), so a page can word it its own way."""

    row: int
    column: str
    message: str
    type: str = "import"
    context: dict[str, Any] = field(default_factory=dict)


# The import's own kinds of problem (beside the form's error types), each with the context it names.
COLUMN_MISSING, COLUMN_UNKNOWN, UNREADABLE = "column_missing", "column_unknown", "row_unreadable"
REGION_MISSING, REGION_NOT_OURS, REGION_NOT_CHOSEN = "region_missing", "region_not_ours", "region_not_chosen"
PROVIDER_MISSING, PROVIDER_UNKNOWN, PROVIDER_ELSEWHERE = "provider_missing", "provider_unknown", "provider_elsewhere"
DUPLICATE, ALREADY_DIFFERENT = "duplicate_in_file", "stored_with_other_answers"


def schema_problems(row: int, exc: ValidationError, column: Callable[[str], str]) -> list[Problem]:
    """A form's validation errors as problems of `row`, each in the column `column` finds for its field."""
    raw = exc.errors()
    return [Problem(row=row, column=column(e.field), message=e.message, type=e.type,
                    context={k: v if isinstance(v, int | float | str) else str(v)
                             for k, v in (r.get("ctx") or {}).items()})
            for r, e in zip(raw, field_errors(raw), strict=True)]


def header_problems(table: Table, *, columns: Iterable[str], required: Iterable[str]) -> list[Problem]:
    """The rows that could not be read, and the header's missing and unknown columns."""
    known = set(columns)
    problems = [Problem(row=n, column="", message=reason, type=UNREADABLE) for n, reason in table.unreadable]
    problems += [Problem(row=1, column=c, message="this column is missing", type=COLUMN_MISSING)
                 for c in required if c not in table.header]
    problems += [Problem(row=1, column=c, message="this column is not one of the template's", type=COLUMN_UNKNOWN)
                 for c in table.header if c and c not in known]
    return problems


@dataclass
class Checked:
    """A row that passed every check: the form, its provider and its waiting start."""

    row: int
    provider: Organisation
    form: RegistrationCreate
    waiting: WaitingSince | None


@dataclass
class Report:
    """The outcome of a dry run (or of an import: then `created` and `unchanged` count what it did)."""

    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)
    created: int = 0
    unchanged: int = 0


def as_list(cell: str) -> list[str]:
    """The parts of a list cell (`a; b`)."""
    return [part.strip() for part in cell.split(";") if part.strip()]


def as_number(text: str) -> Any:
    """An integer or a decimal where the text is one, else the text itself (so the form reports the wrong type)."""
    if INTEGER.match(text):
        return int(text)
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def as_bool(text: str) -> Any:
    """True or False for ja/nee (and yes/no, true/false, 1/0), else the text itself."""
    low = text.lower()
    return True if low in TRUE else False if low in FALSE else text


def _parts(cell: str, names: tuple[str, ...], kinds: tuple[str, ...]) -> list[Any]:
    items: list[Any] = []
    for part in as_list(cell):
        pieces = [p.strip() for p in part.split(":")]
        if len(pieces) != len(names):
            items.append(part)  # a string where an object belongs: reported by the form as the wrong shape
            continue
        items.append({n: (p if k == "str" else as_number(p)) for n, p, k in zip(names, pieces, kinds, strict=True)})
    return items


def _document(cells: dict[str, str]) -> dict[str, Any]:
    """A form v1 document (as the API receives it) from a row's cells; empty cells are left out."""
    c = {k: v.strip() for k, v in cells.items()}
    doc: dict[str, Any] = {
        "form_version": c.get("form_version") or "1",
        "client_ref": c.get("client_ref"),
        "region": c.get("region") or None,
        "consent_to_share": as_bool(c.get("consent_to_share", "")),
        "birth_year": as_number(c.get("birth_year", "")),
        "household": {"adults": as_number(c.get("household_adults", "")),
                      "children": [as_number(y) for y in as_list(c.get("household_children", ""))]},
        "annual_income": c.get("annual_income", "").replace(",", "."),
        "current_setting": c.get("current_setting"),
        "support": {"intensity": c.get("support_intensity"),
                    "guaranteed_after_move": as_bool(c.get("support_guaranteed_after_move", ""))},
        "debt_counselling": c.get("debt_counselling"),
        "avoid_nearby": _parts(c.get("avoid_nearby", ""), ("category", "radius_m"), ("str", "int")),
        "avoid_areas": as_list(c.get("avoid_areas", "")),
        "avoid_points": _parts(c.get("avoid_points", ""), ("lat", "lon", "radius_m"), ("num", "num", "int")),
        "low_stimulus": c.get("low_stimulus"),
        "accessibility": {"wheelchair": as_bool(c.get("accessibility_wheelchair", "")),
                          "no_stairs": as_bool(c.get("accessibility_no_stairs", ""))},
        "regional_ties": _parts(c.get("regional_ties", ""),
                                ("municipality_code", "years_resident", "years_work_or_study"), ("str", "int", "int")),
        "preferred_municipalities": as_list(c.get("preferred_municipalities", "")),
        "contract": c.get("contract"),
        "ready_from": c.get("ready_from"),
        "notes": c.get("notes") or None,
    }
    return {k: v for k, v in doc.items() if v not in ("", None) or k in {"region", "notes"}}


def refuse(problems: list[Problem]) -> None:
    """Refuse an import with problems: a 422 naming each by row and column, so nothing is written."""
    if problems:
        raise InvalidFields([FieldError(field=f"row {p.row}" + (f", column {p.column}" if p.column else ""),
                                        message=p.message, type="import") for p in problems])


def column_of(field_path: str) -> str:
    """The column a form field's error belongs to (`household.adults` -> household_adults)."""
    parts = field_path.split(".")
    if parts[0] in {"household", "support", "accessibility"} and len(parts) > 1:
        return f"{parts[0]}_{parts[1]}"
    return parts[0]


def _waiting(row: int, cells: dict[str, str], filename: str) -> WaitingSince | list[Problem]:
    text = cells.get("waiting_since", "").strip()
    source = cells.get("waiting_source", "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    reason = f"{filename}: {source}" if source else filename
    try:
        return WaitingSince.model_validate_json(json.dumps({"waiting_since": text, "reason": reason[:500]}))
    except ValidationError as exc:
        return schema_problems(row, exc, lambda _field: "waiting_since")[:1]


def _providers(*, session: Session) -> dict[str, tuple[Organisation, set[str]]]:
    """Care providers by id and by exact name, each with the regions it works in."""
    found: dict[str, tuple[Organisation, set[str]]] = {}
    for org in organisations.list_organisations(session=session):
        if org.kind != OrganisationKind.care_provider:
            continue
        entry = (org, set(scope.scope_of(session=session, org=org).regions))
        found[str(org.id)] = entry
        found.setdefault(org.name, entry)
    return found


def _region_problems(row: int, cell: str, *, own: set[str], chosen: str | None) -> tuple[str, list[Problem]]:
    """The row's region (the chosen one where the cell is empty) and what is wrong with it."""
    region = cell or chosen or ""
    if not region:
        return region, [Problem(row=row, column="region", message="give the region whose list the client is on",
                                type=REGION_MISSING)]
    if chosen and region != chosen:
        return region, [Problem(row=row, column="region", type=REGION_NOT_CHOSEN,
                                message=f"this file is for region {chosen}, not {region}",
                                context={"region": region, "chosen": chosen})]
    if region not in own:
        return region, [Problem(row=row, column="region", type=REGION_NOT_OURS, context={"region": region},
                                message=f"region {region} is not one of your office's regions")]
    return region, []


def _provider_problems(row: int, name: str, entry: tuple[Organisation, set[str]] | None,
                       region: str) -> list[Problem]:
    if not name:
        return [Problem(row=row, column="care_provider", message="name the care provider", type=PROVIDER_MISSING)]
    if entry is None:
        return [Problem(row=row, column="care_provider", type=PROVIDER_UNKNOWN, context={"name": name},
                        message=f"no care provider has the id or the exact name {name!r}")]
    if region and region not in entry[1]:
        return [Problem(row=row, column="care_provider", type=PROVIDER_ELSEWHERE,
                        context={"provider": entry[0].name, "region": region},
                        message=f"{entry[0].name} does not work in region {region}; link it to the region first")]
    return []


@collector.paused()
def check(*, session: Session, coordinator: Organisation, table: Table, filename: str,
          region: str | None = None) -> Report:
    """The dry run: every problem of every row, named by row and column; nothing is written. With `region`, the
    file is that region's list: an empty region cell means it, and a row naming another region is a problem."""
    report = Report(rows=len(table.rows))
    required = [c for c in REQUIRED if not (region and c == "region")]
    report.problems += header_problems(table, columns=COLUMNS, required=required)
    if any(p.row == 1 for p in report.problems):
        return report
    own = set(scope.scope_of(session=session, org=coordinator).regions)
    providers = _providers(session=session)
    seen: dict[tuple[uuid.UUID, str], int] = {}
    forms: list[tuple[int, Organisation, RegistrationCreate, WaitingSince | None]] = []
    for number, cells in table.rows:
        problems: list[Problem] = []
        row_region, wrong = _region_problems(number, cells.get("region", "").strip(), own=own, chosen=region)
        document = _document({**cells, "region": row_region})
        try:
            form = RegistrationCreate.model_validate_json(json.dumps(document))
        except ValidationError as exc:
            form = None
            problems += schema_problems(number, exc, column_of)
        problems += wrong
        name = cells.get("care_provider", "").strip()
        provider_entry = providers.get(name)
        problems += _provider_problems(number, name, provider_entry, row_region)
        waiting = _waiting(number, cells, filename)
        if isinstance(waiting, list):
            problems += waiting
        client_ref = cells.get("client_ref", "").strip()
        if provider_entry is not None and client_ref:
            # Judged on the cell, so a duplicate of a row that has problems of its own is still named.
            key = (provider_entry[0].id, client_ref)
            if key in seen:
                problems.append(Problem(row=number, column="client_ref", type=DUPLICATE, context={"row": seen[key]},
                                        message=f"the same client reference as row {seen[key]} of this file"))
            seen.setdefault(key, number)
        report.problems += problems
        if not problems and form is not None and provider_entry is not None and not isinstance(waiting, list):
            forms.append((number, provider_entry[0], form, waiting))
    _check_stored(session=session, forms=forms, report=report)
    return report


def _check_stored(*, session: Session, forms: list[tuple[int, Organisation, RegistrationCreate, WaitingSince | None]],
                  report: Report) -> None:
    """The checks that need the database, for all rows at once: municipalities, and earlier registrations."""
    wanted: set[str] = set()
    for _, _, form, _ in forms:
        wanted |= registrations.referenced_municipalities(form)
    unknown = municipalities.unknown_municipalities(session=session, codes=wanted)
    by_provider: dict[uuid.UUID, tuple[Organisation, list[str]]] = {}
    for _, provider, form, _ in forms:
        by_provider.setdefault(provider.id, (provider, []))[1].append(form.client_ref)
    stored: dict[uuid.UUID, dict[str, str]] = {}
    for provider, refs in by_provider.values():
        stored[provider.id] = {}
        for start in range(0, len(refs), 1000):
            stored[provider.id] |= registrations.stored_digests(session=session, org=provider,
                                                                client_refs=refs[start:start + 1000])
    for number, provider, form, waiting in forms:
        errors = registrations.reference_errors(form, unknown=unknown) if unknown else []
        problems = [Problem(row=number, column=column_of(e.field), message=e.message, type=e.type,
                            context={"municipality": e.message.split()[1]}) for e in errors]
        digest = stored[provider.id].get(form.client_ref)
        if digest is not None and digest != registrations.create_digest(form):
            problems.append(Problem(row=number, column="client_ref", type=ALREADY_DIFFERENT, message=(
                f"{form.client_ref} is already registered by {provider.name} with other answers; change that "
                "registration instead"), context={"client_ref": form.client_ref, "provider": provider.name}))
        report.problems += problems
        if not problems:
            report.checked.append(Checked(row=number, provider=provider, form=form, waiting=waiting))
    report.problems.sort(key=lambda p: (p.row, p.column))


def import_rows(*, session: Session, coordinator: Organisation, table: Table, filename: str,
                region: str | None = None) -> Report:
    """The import: all rows or none (a 422 naming each problem), idempotent on (care provider, client reference)."""
    report = check(session=session, coordinator=coordinator, table=table, filename=filename, region=region)
    refuse(report.problems)
    return write(session=session, coordinator=coordinator, report=report)


@collector.paused()
def write(*, session: Session, coordinator: Organisation, report: Report) -> Report:
    """Store the rows of a dry run that found no problem: each registration once, with its waiting start."""
    assert not report.problems, "only a report without problems is written"
    for item in report.checked:
        registered = registrations.submit_registration(session=session, org=item.provider, data=item.form)
        reg = registered.record
        if registered.created:
            report.created += 1
        else:
            report.unchanged += 1
        if item.waiting is not None and (reg.waiting_since != item.waiting.waiting_since
                                         or reg.waiting_since_reason != item.waiting.reason):
            if registered.created:  # inserted by this transaction, so no one else holds it: no second read
                registrations.start_waiting_at(session=session, org=coordinator, reg=reg,
                                               waiting_since=item.waiting.waiting_since, reason=item.waiting.reason)
            else:
                registrations.set_waiting_since(session=session, org=coordinator, registration_id=reg.id,
                                                waiting_since=item.waiting.waiting_since, reason=item.waiting.reason)
    return report


def template() -> bytes:
    """The template workbook: the header row with two example rows, and a sheet explaining each column."""
    # Ready from today: a fixed date would fall out of the form's window as the years pass.
    today = clock.now().date().isoformat()
    return template_bytes(title="registrations", columns=COLUMNS, required=REQUIRED,
                          examples=[{**row, "ready_from": today} for row in EXAMPLES])
