"""The region policy as people read and edit it: every field of `Policy` with a plain Dutch label and help text,
in groups, read from a form into the values the schema checks, and shown as a reader expects (`ja`, `14 dagen`).

The schema (service/regions/schemas.py) stays the one judge of what is valid; this module only turns typed text
into numbers and choices, and values back into words. The policy form and the versions' differences use it, and
any screen that shows or edits policy values can too.
"""

import types
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Union, get_args, get_origin

from service.regions.schemas import Policy
from service.web.forms import MESSAGES, number_text, parse_decimal, parse_integer
from service.web.i18n import N_
from service.web.templating import Gettext


class Kind(StrEnum):
    """How a field is typed in: a whole number, a number with decimals, a whole number or nothing, a choice."""

    integer = "integer"
    decimal = "decimal"
    optional_integer = "optional_integer"
    choice = "choice"


@dataclass(frozen=True)
class PolicyField:
    """One policy field: its label, help text, unit and, for a choice, its options (form value, label)."""

    name: str
    label: str
    help: str
    unit: tuple[str, str] = ("", "")  # singular, plural
    options: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> Kind:
        annotation = Policy.model_fields[self.name].annotation
        if annotation is bool or get_origin(annotation) is Literal:
            return Kind.choice
        if get_origin(annotation) in (Union, types.UnionType) and set(get_args(annotation)) == {int, type(None)}:
            return Kind.optional_integer
        return Kind.decimal if annotation is float else Kind.integer

    @property
    def default(self) -> Any:
        return Policy.model_fields[self.name].default

    @property
    def anchor(self) -> str:
        """The id of the field's (first) control, which an error message links to."""
        return f"{self.name}-{self.options[0][0]}" if self.kind is Kind.choice else self.name


@dataclass(frozen=True)
class FieldGroup:
    """Policy fields that belong together on the form, under a heading."""

    title: str
    fields: tuple[PolicyField, ...]


# Units, singular and plural.
YEARS = (N_("jaar"), N_("jaar"))
DAYS = (N_("dag"), N_("dagen"))
HOUSEHOLDS = (N_("huishouden"), N_("huishoudens"))
METRES = (N_("meter"), N_("meter"))
POINTS = (N_("punt"), N_("punten"))
SQUARE_METRES = (N_("m²"), N_("m²"))
CANDIDATES = (N_("kandidaat"), N_("kandidaten"))
EXEMPTIONS = (N_("vrijstelling"), N_("vrijstellingen"))
_YES_NO = (("true", N_("Ja")), ("false", N_("Nee")))
_ON_TIME = N_("In de werkvoorraad zetten als verlopen")

GROUPS: tuple[FieldGroup, ...] = (
    FieldGroup(N_("Wie in aanmerking komt"), (
        PolicyField("min_tie_years", N_("Regiobinding: minimaal aantal jaren"), N_(
            "Zoveel jaren moet iemand in een van de gemeenten van de regio hebben gewoond, gewerkt of gestudeerd. "
            "0 betekent: geen eis. Een vrijstelling heft de eis op voor één cliënt."), YEARS),
        PolicyField("ready_date_slack_days", N_("Speling op de datum van woonrijp"), N_(
            "Een cliënt die zoveel dagen na de beschikbaarheidsdatum van de woning woonrijp is, kan toch "
            "kandidaat zijn."), DAYS),
        PolicyField("low_stimulus_max_entrance_households", N_("Prikkelarm: huishoudens per opgang"), N_(
            "Een woning telt als prikkelarm als zij haar voordeur met hoogstens zoveel huishoudens deelt (en geen "
            "galerij heeft, niet naast een bedrijf en niet aan een drukke weg ligt)."), HOUSEHOLDS),
        PolicyField("low_stimulus_nightlife_radius_m", N_("Prikkelarm: afstand tot een café of nachtclub"), N_(
            "Een woning telt als prikkelarm als er binnen deze afstand geen café, bar of nachtclub is."),
            METRES),
    )),
    FieldGroup(N_("Punten voor de volgorde van de kandidaten"), (
        PolicyField("weight_waiting_per_day", N_("Punten per dag wachttijd"), N_(
            "De wachttijd is het belangrijkste deel van de score: zoveel punten krijgt een kandidaat voor elke "
            "dag sinds de aanmelding."), POINTS),
        PolicyField("weight_urgency", N_("Punten voor urgentie"), N_(
            "Extra punten voor een cliënt met een urgentievrijstelling. Bij 1 punt per dag wachttijd weegt 365 "
            "punten even zwaar als een jaar wachten."), POINTS),
        PolicyField("weight_preferred_municipality", N_("Punten voor een voorkeursgemeente"), N_(
            "Extra punten als de woning ligt in een gemeente die de cliënt als voorkeur opgaf."), POINTS),
        PolicyField("weight_low_stimulus_preferred", N_("Punten voor een gewenste prikkelarme woning"), N_(
            "Extra punten als de cliënt liever prikkelarm woont (zonder dat het nodig is) en de woning prikkelarm "
            "is."), POINTS),
        PolicyField("oversize_threshold_m2", N_("Grens voor een te grote woning"), N_(
            "Een woning groter dan dit kost een huishouden van één of twee personen punten: veel mensen redden "
            "het beter in 25 tot 50 m²."), SQUARE_METRES),
        PolicyField("weight_oversize_per_m2", N_("Aftrek per m² boven die grens"), N_(
            "Zoveel punten gaan eraf voor elke vierkante meter boven de grens, bij een huishouden van één of "
            "twee personen."), POINTS),
        PolicyField("weight_support_vulnerability", N_("Aftrek voor begeleiding in een kwetsbare buurt"), N_(
            "Aftrek per niveau van begeleiding (0 geen tot 3 intensief) maal de kwetsbaarheid van de buurt (0 tot "
            "100), zodat mensen met veel begeleiding niet in de kwetsbaarste buurten samenkomen."), POINTS),
        PolicyField("weight_recent_placement", N_("Aftrek per recente plaatsing in de buurt"), N_(
            "Zoveel punten gaan eraf voor elke cliënt die kort geleden in dezelfde buurt een woning kreeg, zodat "
            "plaatsingen zich over de buurten spreiden."), POINTS),
        PolicyField("max_high_support_per_neighbourhood", N_("Begeleiding: hoogstens zoveel per buurt per ronde"),
                    N_("Per matchingsronde worden in één buurt hoogstens zoveel mensen met middelzware of "
                       "intensieve begeleiding voorgedragen. Laat het leeg voor geen maximum."), CANDIDATES),
    )),
    FieldGroup(N_("Termijnen"), (
        PolicyField("shortlist_deadline_days", N_("Termijn voor de corporatie"), N_(
            "Zoveel dagen heeft een corporatie om uit een gepubliceerde voordracht een kandidaat te kiezen."),
            DAYS),
        PolicyField("on_shortlist_expiry", N_("Als de corporatie niet op tijd kiest"), N_(
            "Wat er gebeurt met een voordracht waarvan de termijn verstreken is."), options=(
            ("surface", _ON_TIME), ("rematch", N_("De kandidaten vrijgeven en opnieuw matchen")))),
        PolicyField("offer_deadline_days", N_("Termijn voor de cliënt"), N_(
            "Zoveel dagen heeft een cliënt om op een aanbod te antwoorden."), DAYS),
        PolicyField("on_offer_expiry", N_("Als de cliënt niet op tijd antwoordt"), N_(
            "Wat er gebeurt met een aanbod waarvan de termijn verstreken is."), options=(
            ("surface", _ON_TIME), ("fall_through", N_("Het aanbod vervalt, zoals bij een weigering")))),
    )),
    FieldGroup(N_("Vrijstellingen en monitor"), (
        PolicyField("exemption_contingent", N_("Vrijstellingen per kalenderjaar"), N_(
            "Zoveel vrijstellingen (maatwerk, Housing First en urgentie samen) mogen de coördinatoren van de regio "
            "per kalenderjaar verlenen."), EXEMPTIONS),
        PolicyField("monitor_open", N_("Corporaties zien elkaars cijfers in de monitor"), N_(
            "Bij nee ziet een corporatie alleen haar eigen regel en het totaal van de regio."), options=_YES_NO),
    )),
)
FIELDS: dict[str, PolicyField] = {f.name: f for group in GROUPS for f in group.fields}


def form_text(field: PolicyField, value: Any, language: str) -> str:
    """A stored value as the form shows it for editing."""
    if field.kind is Kind.choice:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    if value is None:
        return ""
    return number_text(value, language)


def form_values(policy: Policy, language: str) -> dict[str, str | None]:
    """Every field of a policy as the form shows it."""
    return {name: form_text(field, getattr(policy, name), language) for name, field in FIELDS.items()}


def read_form(form: dict[str, str | None], _: Gettext) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The policy document typed into the form (for the schema to check), and the fields that are not even a
    number or one of the choices. A field missing from the form altogether is an error, never a default."""
    document: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, field in FIELDS.items():
        raw = form.get(name)
        if field.kind is Kind.choice:
            if raw not in dict(field.options):
                errors.append((field.anchor, _(MESSAGES["literal_error"])))
            else:
                document[name] = raw == "true" if Policy.model_fields[name].annotation is bool else raw
            continue
        text = (raw or "").strip()
        if raw is None or (not text and field.kind is not Kind.optional_integer):
            errors.append((field.anchor, _(MESSAGES["missing"])))
            continue
        if not text:
            document[name] = None  # left empty: no maximum
            continue
        value = parse_decimal(text) if field.kind is Kind.decimal else parse_integer(text)
        if value is None:
            errors.append((field.anchor, _(MESSAGES["float_parsing" if field.kind is Kind.decimal
                                                   else "int_parsing"])))
        else:
            document[name] = value
    return document, errors


def display(name: str, value: Any, _: Gettext, language: str) -> str:
    """A value as a reader expects it: `ja`, `Het aanbod vervalt ...`, `14 dagen`, `geen maximum`."""
    field = FIELDS[name]
    if field.kind is Kind.choice:
        wanted = form_text(field, value, language)
        return next((_(label) for v, label in field.options if v == wanted), str(value))
    if value is None:
        return _("geen maximum")
    unit = field.unit[0] if value == 1 else field.unit[1]
    return f"{number_text(value, language)} {_(unit) if unit else ''}".strip()
