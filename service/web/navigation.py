"""The main navigation per kind of organisation: what a person of that kind works on, in the order of their day."""

from dataclasses import dataclass

from service.organisations.models import OrganisationKind
from service.web.i18n import N_
from service.web.templating import Gettext


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation; `current` marks the section the page belongs to."""

    label: str
    href: str
    current: bool


# (Dutch label, path, admins only) per kind; the labels pass through the catalogue.
_SECTIONS: dict[OrganisationKind, tuple[tuple[str, str, bool], ...]] = {
    OrganisationKind.coordinator: (
        (N_("Werkvoorraad"), "/werkvoorraad", False),
        (N_("Vastgelopen"), "/vastgelopen", False),
        (N_("Monitor"), "/monitor", False),
        (N_("Matchingsronde"), "/matchingsronde", False),
        (N_("Regio en beleid"), "/regio", False),
        (N_("Wachtlijst importeren"), "/importeren", False),
        (N_("Meldingen"), "/meldingen", False),
        (N_("Mensen en sleutels"), "/mensen", True),
    ),
    OrganisationKind.care_provider: (
        (N_("Mijn cliënten"), "/clienten", False),
        (N_("Aanmelden"), "/aanmelden", False),
        (N_("Meldingen"), "/meldingen", False),
        (N_("Mensen en sleutels"), "/mensen", True),
    ),
    OrganisationKind.corporation: (
        (N_("Mijn woningen"), "/woningen", False),
        (N_("Woning aanbieden"), "/woning-aanbieden", False),
        (N_("Monitor"), "/mijn-monitor", False),
        (N_("Meldingen"), "/meldingen", False),
        (N_("Mensen en sleutels"), "/mensen", True),
    ),
}

HOME = {OrganisationKind.coordinator: "/werkvoorraad", OrganisationKind.care_provider: "/clienten",
        OrganisationKind.corporation: "/woningen"}


def navigation_for(kind: OrganisationKind, *, is_admin: bool, path: str, _: Gettext) -> list[NavItem]:
    """The entries a person of `kind` sees, the one `path` falls under marked current."""
    return [NavItem(label=_(label), href=href, current=path == href or path.startswith(href + "/"))
            for label, href, admins_only in _SECTIONS[kind] if is_admin or not admins_only]
