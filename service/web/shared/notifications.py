"""Meldingen: the organisation's events, newest first, each in plain Dutch with a link to the page it concerns.

The events are those of `GET /v1/events` (service/events/), read by the same service module: reading a page of
them is an audited read of every registration they name, as the API's read is.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.events import service as events_service
from service.events.models import Event
from service.organisations.models import OrganisationKind
from service.web import formatting
from service.web.i18n import N_
from service.web.listing import Paging
from service.web.pages import SignedInPage
from service.web.templating import Gettext
from service.workflow import reasons

router = APIRouter()

# What each event says, by its type and what it is about: a corporation hears about its dwellings (`dwelling`),
# a care provider about its clients (`registration`).
MESSAGES: dict[tuple[str, str], str] = {
    ("shortlist_published", "dwelling"): N_("De voordracht voor woning %(ref)s staat klaar: kies een kandidaat vóór "
                                            "%(date)s."),
    ("shortlist_expired", "dwelling"): N_("De termijn om een kandidaat te kiezen voor woning %(ref)s is verstreken."),
    ("candidate_selected", "dwelling"): N_("U koos een kandidaat voor woning %(ref)s. Het aanbod ligt nu bij de "
                                           "cliënt."),
    ("offer_accepted", "dwelling"): N_("De kandidaat nam het aanbod van woning %(ref)s aan. Leg de verhuur vast "
                                       "zodra het huurcontract getekend is."),
    ("offer_declined", "dwelling"): N_("De kandidaat sloeg het aanbod van woning %(ref)s af. Reden: %(reason)s."),
    ("offer_expired", "dwelling"): N_("De kandidaat antwoordde niet op tijd op het aanbod van woning %(ref)s."),
    ("dwelling_let", "dwelling"): N_("Woning %(ref)s is verhuurd; de huur gaat in op %(date)s."),
    ("nomination_cancelled", "dwelling"): N_("Een kandidaat voor woning %(ref)s staat niet meer op de voordracht: "
                                             "elders gehuisvest, gepauzeerd of afgemeld."),
    ("offer_made", "registration"): N_("Aanbod voor cliënt %(client)s: %(address)s. Bespreek het met de cliënt en "
                                       "antwoord vóór %(date)s."),
    ("candidate_rejected", "registration"): N_("De corporatie wees cliënt %(client)s af voor een woning. Reden: "
                                               "%(reason)s."),
    ("offer_accepted", "registration"): N_("Het aanbod voor cliënt %(client)s is aangenomen."),
    ("offer_declined", "registration"): N_("Het aanbod voor cliënt %(client)s is afgeslagen."),
    ("offer_expired", "registration"): N_("Het aanbod voor cliënt %(client)s is verlopen zonder antwoord."),
    ("registration_housed", "registration"): N_("Cliënt %(client)s heeft een woning: %(address)s, vanaf %(date)s."),
    ("candidate_released", "registration"): N_("Cliënt %(client)s staat niet meer op een voordracht en doet weer mee "
                                               "voor andere woningen."),
    ("registration_paused", "registration"): N_("Cliënt %(client)s doet niet mee tot %(date)s."),
    ("registration_resumed", "registration"): N_("Cliënt %(client)s doet weer mee."),
    ("webhook_disabled", "webhook_endpoint"): N_("Uw webhook naar %(url)s is uitgezet, omdat het afleveren steeds "
                                                 "mislukte. De meldingen blijven hier staan."),
}
OTHER = N_("Melding over %(what)s.")
# The payload field holding the date each message names.
DATE_FIELDS = {"shortlist_published": "select_by", "dwelling_let": "start_date", "offer_made": "answer_by",
               "registration_housed": "start_date", "registration_paused": "until"}
# Where a person of each kind reads more about what an event concerns (other screens link in the same way).
LINKS: dict[tuple[OrganisationKind, str], tuple[str, str]] = {
    (OrganisationKind.corporation, "dwelling"): ("/woningen/{id}", N_("Naar de woning")),
    (OrganisationKind.coordinator, "dwelling"): ("/voordracht/{id}", N_("Naar de voordracht")),
    (OrganisationKind.coordinator, "registration"): ("/dossier/{id}", N_("Naar het dossier")),
    (OrganisationKind.care_provider, "registration"): ("/clienten/{id}", N_("Naar de cliënt")),
}


@dataclass(frozen=True)
class Notification:
    """One event as a person reads it."""

    at: datetime
    text: str
    href: str | None
    link_label: str | None
    subject: str  # what the link leads to, for a screen reader: the dwelling's or the client's reference


def _date(value: Any, language: str) -> str:
    try:
        moment: date | datetime = (datetime.fromisoformat(value) if "T" in str(value)
                                   else date.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return "–"
    return formatting.local_date(moment, language)


def _address(dwelling: Any) -> str:
    if not isinstance(dwelling, dict):
        return "–"
    number = f"{dwelling.get('house_number', '')}{dwelling.get('house_number_suffix') or ''}"
    return f"{dwelling.get('street', '')} {number}, {dwelling.get('city', '')}".strip(" ,")


def _reason(code: Any, language: str) -> str:
    for reason in (*reasons.CORPORATION_REASONS, *reasons.CLIENT_REASONS):
        if reason.code == code:
            return reason.nl if language == "nl" else reason.en
    return str(code or "–")


def describe(event: Event, kind: OrganisationKind, _: Gettext, language: str) -> Notification:
    """An event in plain words, with the link to the page it concerns where the person has one."""
    payload = event.payload
    message = MESSAGES.get((event.type, event.entity_type))
    values = {"ref": payload.get("external_ref") or "–", "client": payload.get("client_ref") or "–",
              "address": _address(payload.get("dwelling")), "url": payload.get("url") or "–",
              "reason": _reason(payload.get("reason_code"), language),
              "date": _date(payload.get(DATE_FIELDS.get(event.type, "")), language)}
    text = _(message, **values) if message else _(OTHER, what=event.type.replace("_", " "))
    link = LINKS.get((kind, event.entity_type))
    href = link[0].format(id=uuid.UUID(str(event.entity_id))) if link else None
    subject = values["ref"] if event.entity_type == "dwelling" else values["client"]
    return Notification(at=event.created_at, text=text, href=href, link_label=_(link[1]) if link else None,
                        subject=subject)


@router.get("/meldingen")
def notifications_page(page: SignedInPage, pagina: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """The organisation's events, newest first, a page at a time."""
    paging = Paging.of(pagina)
    events, total = events_service.recent_events(session=page.session, org=page.organisation, limit=paging.limit,
                                                 offset=paging.offset)
    kind = OrganisationKind(page.organisation.kind)
    items = [describe(event, kind, page._, page.language) for event in events]
    return page.render("shared/notifications.html", items=items, total=total, paging=paging)
