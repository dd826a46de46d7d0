"""Inzage: everything held about one client (AVG article 15) as a readable page a person can print, for the
client's care provider and the coordinators of its region (404 for everyone else, as in the API).

The page shows the export `GET /v1/registrations/{id}/access-export` gives (service.privacy.access), so making it
is audited the same way; the registration and its history are worded as the coordinator's dossier words them.
"""

import uuid
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response

from service.errors import NotFound
from service.organisations.models import OrganisationKind
from service.privacy import access
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationPublic
from service.web.coordinator.dossier import words
from service.web.i18n import N_
from service.web.pages import SignedInPage
from service.workflow import dossier

router = APIRouter()

MAY_EXPORT = {OrganisationKind.care_provider.value, OrganisationKind.coordinator.value}
READ_LABELS = {"read": N_("gegevens bekeken"), "read_timeline": N_("tijdlijn bekeken"),
               "access_export": N_("inzage opgesteld")}
BY_LABELS = {"person": N_("een medewerker"), "api_key": N_("een gekoppeld systeem (API-sleutel)"),
             "service": N_("Doorstroom zelf")}
PLACE_STATUS = {"proposed": N_("voorgedragen, nog niet gepubliceerd"),
                "published": N_("voorgedragen aan de corporatie"),
                "selected": N_("aanbod gedaan"), "accepted": N_("aanbod aanvaard"), "let": N_("huurcontract getekend"),
                "rejected": N_("afgewezen door de corporatie"), "declined": N_("aanbod afgeslagen"),
                "expired": N_("aanbod verlopen"), "replaced": N_("vervangen op de voordracht"),
                "released": N_("vrijgegeven"), "cancelled": N_("voordracht vervallen")}


@dataclass(frozen=True)
class Registered:
    """The registration as the dossier's template reads it."""

    registration: RegistrationPublic
    municipality_names: dict[str, str]


@router.get("/inzage/{registration_id}")
def access_page(page: SignedInPage, registration_id: uuid.UUID) -> Response:
    """Everything held about one client, printable; making it is audited (404 for a registration one may not see)."""
    if page.organisation.kind not in MAY_EXPORT:
        raise NotFound("deze pagina bestaat niet")
    held = access.export(session=page.session, org=page.organisation, registration_id=registration_id)
    reg = page.session.get(Registration, registration_id)
    assert reg is not None
    back = (f"/dossier/{reg.id}" if page.organisation.kind == OrganisationKind.coordinator.value
            else f"/clienten/{reg.id}")
    return page.render(
        "shared/access.html", held=held, back=back,
        dossier=Registered(registration=held.registration,
                           municipality_names=dossier.municipality_names_of(page.session, reg)),
        steps=dossier.steps_of(page.session, held.history), read_labels=READ_LABELS, by_labels=BY_LABELS,
        place_status=PLACE_STATUS, **words(page))
