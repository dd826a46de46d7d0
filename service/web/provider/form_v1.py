"""Registration form v1 as a web form: the texts a person types (flat field names, the schema's dotted paths) and
the API's document, both ways, plus the choices and help texts of each field.

Field names are the schema's own paths (`household.adults`, `avoid_nearby.0.radius_m`), so a validation error of
`RegistrationCreate` lands on the input it is about. Lists are rows of inputs that work without JavaScript: a
"Rij toevoegen" button posts the form and comes back with one more empty row.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from service.registrations.schemas import (
    ContractNeed,
    CurrentSetting,
    DebtCounselling,
    LowStimulusNeed,
    PlaceCategory,
    RegistrationPublic,
    SupportIntensity,
)
from service.web.forms import calendar_date, checked, decimal_number, euros, integer
from service.web.i18n import N_

FORM_VERSION = "1"
# The lists of rows, with the inputs of one row.
ROW_LISTS = {
    "avoid_nearby": ("category", "radius_m"),
    "avoid_points": ("lat", "lon", "radius_m"),
    "regional_ties": ("municipality_code", "years_resident", "years_work_or_study"),
}
# Lists of single values typed in one field (separated by commas, spaces or new lines) or ticked.
VALUE_LISTS = ("household.children", "avoid_areas", "preferred_municipalities")
# The inputs the edit of a submitted registration leaves out: they are fixed once submitted.
FIXED_AFTER_SUBMIT = ("client_ref", "consent_to_share", "region")

CURRENT_SETTINGS = {
    CurrentSetting.shelter: N_("Maatschappelijke opvang"),
    CurrentSetting.supported_housing: N_("Beschermd wonen"),
    CurrentSetting.womens_shelter: N_("Vrouwenopvang"),
    CurrentSetting.mother_child_home: N_("Moeder-kindhuis"),
    CurrentSetting.youth_care: N_("Jeugdzorg"),
    CurrentSetting.other: N_("Anders"),
}
SUPPORT = {
    SupportIntensity.none: N_("Geen begeleiding"),
    SupportIntensity.light: N_("Lichte begeleiding"),
    SupportIntensity.medium: N_("Gemiddelde begeleiding"),
    SupportIntensity.intensive: N_("Intensieve begeleiding"),
}
DEBTS = {
    DebtCounselling.not_needed: N_("Niet nodig"),
    DebtCounselling.in_progress: N_("Loopt"),
    DebtCounselling.stable: N_("Stabiel (afgerond of onder bewind)"),
    DebtCounselling.needed_not_started: N_("Nodig, nog niet begonnen"),
}
PLACES = {
    PlaceCategory.liquor_store: N_("Slijterij"),
    PlaceCategory.cannabis_shop: N_("Coffeeshop"),
    PlaceCategory.bar_nightlife: N_("Café of uitgaansgelegenheid"),
    PlaceCategory.gambling: N_("Gokhal of casino"),
}
LOW_STIMULUS = {
    LowStimulusNeed.required: N_("Nodig: alleen een prikkelarme woning"),
    LowStimulusNeed.preferred: N_("Liever wel: een prikkelarme woning telt zwaarder"),
    LowStimulusNeed.not_needed: N_("Niet nodig"),
}
CONTRACTS = {
    ContractNeed.any: N_("Elk contract"),
    ContractNeed.flip_required: N_("Alleen een omklapcontract (eerst op naam van de zorgaanbieder)"),
    ContractNeed.regular_only: N_("Alleen een gewoon huurcontract op eigen naam"),
}


@dataclass(frozen=True)
class Rows:
    """How many rows each list shows (what was typed, or one empty row)."""

    counts: dict[str, int]

    @classmethod
    def of(cls, values: Mapping[str, str], *, add: str | None = None) -> "Rows":
        counts = {}
        for name in ROW_LISTS:
            typed = {int(key.split(".")[1]) for key in values if key.startswith(name + ".")
                     and key.split(".")[1].isdigit()}
            shown = max([int(values.get(f"rows.{name}", "0") or 0) if (values.get(f"rows.{name}", "0") or "0")
                         .isdigit() else 0, *(i + 1 for i in typed), 1])
            counts[name] = min(shown + (1 if name == add else 0), 50)
        return cls(counts=counts)


def _split(text: str | None) -> list[str]:
    return [part for part in (text or "").replace(",", " ").split() if part]


def _yes_no(text: str | None) -> bool | None:
    return {"ja": True, "nee": False}.get((text or "").strip())


def _pruned(doc: dict[str, Any]) -> dict[str, Any]:
    """Leave out what was not filled in, so the schema says "missing" for it (and nothing for optional fields)."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            value = _pruned(value)
        if value is None:
            continue
        out[key] = value
    return out


def _rows(values: Mapping[str, str], name: str, convert: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for i in range(Rows.of(values).counts[name]):
        row = {field: (values.get(f"{name}.{i}.{field}") or "").strip() for field in ROW_LISTS[name]}
        if not any(row.values()):
            continue  # an empty row is not an entry
        rows.append(_pruned({field: convert.get(field, lambda v: v or None)(text) for field, text in row.items()}))
    return rows


def document(values: Mapping[str, str], *, submitted: bool = False) -> dict[str, Any]:
    """The API document of what was typed (for `RegistrationCreate`, or `RegistrationUpdate` when `submitted`)."""
    doc: dict[str, Any] = {
        "birth_year": integer(values.get("birth_year")),
        "household": {"adults": integer(values.get("household.adults")),
                      "children": [integer(y) for y in _split(values.get("household.children"))]},
        "annual_income": euros(values.get("annual_income")),
        "current_setting": values.get("current_setting") or None,
        "support": {"intensity": values.get("support.intensity") or None,
                    "guaranteed_after_move": _yes_no(values.get("support.guaranteed_after_move"))},
        "debt_counselling": values.get("debt_counselling") or None,
        "avoid_nearby": _rows(values, "avoid_nearby", {"radius_m": integer}),
        "avoid_areas": [code.upper() for code in _split(values.get("avoid_areas"))],
        "avoid_points": _rows(values, "avoid_points", {"lat": decimal_number, "lon": decimal_number,
                                                       "radius_m": integer}),
        "low_stimulus": values.get("low_stimulus") or None,
        "accessibility": {"wheelchair": checked(values, "accessibility.wheelchair"),
                          "no_stairs": checked(values, "accessibility.no_stairs")},
        "regional_ties": _rows(values, "regional_ties", {"years_resident": integer, "years_work_or_study": integer}),
        "preferred_municipalities": _split(values.get("preferred_municipalities")),
        "contract": values.get("contract") or None,
        "ready_from": calendar_date(values.get("ready_from")),
        "notes": (values.get("notes") or "").strip() or None,
    }
    if not submitted:
        doc |= {"form_version": FORM_VERSION, "client_ref": (values.get("client_ref") or "").strip() or None,
                "consent_to_share": checked(values, "consent_to_share"),
                "region": values.get("region") or None}
    pruned = _pruned(doc)
    if submitted and "notes" not in pruned:
        pruned["notes"] = None  # an emptied note is removed, not kept
    return pruned


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return "" if value is None else str(value)


def values_of(reg: RegistrationPublic) -> dict[str, str]:
    """The form's texts for a submitted registration (its edit starts from them)."""
    values = {
        "client_ref": reg.client_ref, "birth_year": _text(reg.birth_year),
        "household.adults": _text(reg.household.adults),
        "household.children": ", ".join(str(y) for y in reg.household.children),
        "annual_income": _text(reg.annual_income), "current_setting": reg.current_setting.value,
        "support.intensity": reg.support.intensity.value,
        "support.guaranteed_after_move": _text(reg.support.guaranteed_after_move),
        "debt_counselling": reg.debt_counselling.value, "avoid_areas": " ".join(reg.avoid_areas),
        "low_stimulus": reg.low_stimulus.value, "preferred_municipalities": ",".join(reg.preferred_municipalities),
        "contract": reg.contract.value, "ready_from": reg.ready_from.isoformat(), "notes": reg.notes or "",
    }
    if reg.accessibility.wheelchair:
        values["accessibility.wheelchair"] = "ja"
    if reg.accessibility.no_stairs:
        values["accessibility.no_stairs"] = "ja"
    for name, items in (("avoid_nearby", reg.avoid_nearby), ("avoid_points", reg.avoid_points),
                        ("regional_ties", reg.regional_ties)):
        for i, item in enumerate(items):
            for field, value in item.model_dump(mode="json").items():
                values[f"{name}.{i}.{field}"] = _text(value).replace(".", ",") if field in ("lat", "lon") else \
                    _text(value)
        values[f"rows.{name}"] = str(max(len(items), 1))
    return values


LABELS = {
    "client_ref": N_("Uw kenmerk"), "region": N_("Regio"), "birth_year": N_("Geboortejaar"),
    "household.adults": N_("Aantal volwassenen"), "household.children": N_("Geboortejaren van de kinderen"),
    "current_setting": N_("Huidige woonsituatie"), "annual_income": N_("Jaarinkomen"),
    "debt_counselling": N_("Schuldhulpverlening"), "support.intensity": N_("Begeleiding"),
    "support.guaranteed_after_move": N_("Begeleiding geregeld"), "avoid_nearby": N_("Soorten plekken"),
    "avoid_areas": N_("Gebieden om te vermijden"), "avoid_points": N_("Plekken om te vermijden"),
    "low_stimulus": N_("Prikkelarm"), "regional_ties": N_("Regiobinding"),
    "preferred_municipalities": N_("Voorkeur voor gemeenten"), "contract": N_("Huurcontract"),
    "ready_from": N_("Woonrijp vanaf"), "notes": N_("Notities"), "consent_to_share": N_("Toestemming"),
    "avoid_nearby.category": N_("Soort plek"), "avoid_nearby.radius_m": N_("Afstand"),
    "avoid_points.lat": N_("Breedtegraad"), "avoid_points.lon": N_("Lengtegraad"),
    "avoid_points.radius_m": N_("Straal"), "regional_ties.municipality_code": N_("Gemeente"),
    "regional_ties.years_resident": N_("Jaren gewoond"), "regional_ties.years_work_or_study": N_("Jaren gewerkt"),
}


def label(name: str, _: Any) -> str:
    """The label an error in the summary names (`avoid_nearby.1.radius_m` -> "Afstand (2)")."""
    parts = name.split(".")
    if len(parts) == 3 and parts[0] in ROW_LISTS and parts[1].isdigit():
        key = f"{parts[0]}.{parts[2]}"
        return f"{_(LABELS[key])} ({int(parts[1]) + 1})" if key in LABELS else name
    return _(LABELS[name]) if name in LABELS else name


def field_name(path: str) -> str:
    """The input an error of the schema at `path` is shown beside (a list's item errors on the list's input)."""
    for name in VALUE_LISTS:
        if path.startswith(name + "."):
            return name
    if path in ROW_LISTS:
        return path
    return path
