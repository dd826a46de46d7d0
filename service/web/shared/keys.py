"""Mensen en sleutels, the API keys: an organisation's admins list its keys, create one (shown once), rotate one
(the new key shown once, the old one working through a grace period) and revoke one, as `/v1/keys` does
(service/people/keys.py)."""

import re
import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError

from service.errors import Conflict, InvalidFields
from service.organisations import service as organisations_service
from service.organisations.models import ApiKey
from service.people import keys as keys_service
from service.people.schemas import KeyCreate, KeyRotate
from service.web.formatting import LOCAL_ZONE
from service.web.forms import field_errors, parse_integer
from service.web.i18n import N_
from service.web.listing import Paging
from service.web.pages import AdminPage, Page

router = APIRouter()

STATE_LABELS = {"active": (N_("werkt"), "ok"), "rotating": (N_("vervangen, werkt nog even"), "warning"),
                "revoked": (N_("ingetrokken"), "neutral"), "expired": (N_("verlopen"), "neutral")}
DONE = {"ingetrokken": N_("De sleutel is ingetrokken: hij werkt niet meer.")}
_DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
DEFAULT_GRACE_HOURS = KeyRotate.model_fields["grace_hours"].default
SPECIAL = {("naam", "string_too_short"): N_("Geef de sleutel een naam."),
           ("vervalt", "value_error"): N_("Kies een datum binnen honderd jaar.")}


def _date(text: str) -> date | None:
    """`2027-12-31` (a date field) or `31-12-2027` (typed by hand); None when it is neither (or the last day of
    the calendar, which has no midnight after it)."""
    text = text.strip()
    try:
        dutch = _DUTCH_DATE.match(text)
        day = date(int(dutch[3]), int(dutch[2]), int(dutch[1])) if dutch else date.fromisoformat(text)
    except ValueError:
        return None
    return day if day < date.max else None


def _end_of(day: date | None) -> datetime | None:
    """A key that works 'up to and including' a day stops at midnight after it, Dutch time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_ZONE) if day else None


def _keys_page(page: Page, *, pagina: int | None = None, name: str = "", expires: str = "",
               errors: list[tuple[str, str]] | None = None, status_code: int = 200,
               done: str | None = None) -> Response:
    paging = Paging.of(pagina)
    rows = organisations_service.list_keys(session=page.session, organisation=page.organisation)
    return page.render("shared/keys.html", status_code=status_code,
                       keys=rows[paging.offset:paging.offset + paging.limit], total=len(rows), paging=paging,
                       state_of=organisations_service.key_state, state_labels=STATE_LABELS, name=name,
                       expires=expires, errors=errors or [], done=DONE.get(done or ""))


@router.get("/mensen/sleutels")
def keys_page(page: AdminPage, pagina: Annotated[int | None, Query(ge=1)] = None,
              gedaan: str | None = None) -> Response:
    """The organisation's API keys, newest first, revoked ones included; never the keys themselves."""
    return _keys_page(page, pagina=pagina, done=gedaan)


@router.post("/mensen/sleutels")
def create_key(page: AdminPage, naam: Annotated[str, Form()] = "", vervalt: Annotated[str, Form()] = "") -> Response:
    """Create a key as `POST /v1/keys`: it is shown this once, and stored only as a hash."""
    _ = page._
    day = _date(vervalt) if vervalt.strip() else None
    errors = [("vervalt", _("Vul een datum in, zoals 31-12-2027."))] if vervalt.strip() and day is None else []
    try:
        data = KeyCreate.model_validate({"name": naam, "expires_at": _end_of(day)})
    except ValidationError as exc:
        errors += field_errors(exc, anchor=lambda loc: "vervalt" if loc[0] == "expires_at" else "naam", _=_,
                               language=page.language, special=SPECIAL)
    if errors:
        return _keys_page(page, name=naam, expires=vervalt, errors=errors, status_code=422)
    try:
        issued = keys_service.create_key(session=page.session, organisation=page.organisation, name=data.name,
                                         expires_at=data.expires_at, person_id=page.person.id)
    except InvalidFields:
        return _keys_page(page, name=naam, expires=vervalt, status_code=422,
                          errors=[("vervalt", _("De datum moet in de toekomst liggen."))])
    return page.render("shared/keys_issued.html", status_code=201, issued=issued, old=None)


def _key(page: Page, key_id: uuid.UUID) -> ApiKey:
    return keys_service.get_key(session=page.session, key_id=key_id, organisation=page.organisation)


def _key_page(page: Page, key: ApiKey, *, errors: list[tuple[str, str]] | None = None, grace: str = "",
              status_code: int = 200) -> Response:
    return page.render("shared/keys_key.html", status_code=status_code, key=key,
                       state=organisations_service.key_state(key).value, state_labels=STATE_LABELS,
                       errors=errors or [], grace=grace or str(DEFAULT_GRACE_HOURS))


@router.get("/mensen/sleutels/{key_id:uuid}")
def key_page(page: AdminPage, key_id: uuid.UUID) -> Response:
    """One key: its life so far, and rotating or revoking it."""
    return _key_page(page, _key(page, key_id))


@router.post("/mensen/sleutels/{key_id:uuid}/vervangen")
def rotate_key(page: AdminPage, key_id: uuid.UUID, uren: Annotated[str, Form()] = "") -> Response:
    """Rotate as `POST /v1/keys/{id}/rotate`: the new key is shown once; the old one works through the grace."""
    _ = page._
    key = _key(page, key_id)
    hours = parse_integer(uren)
    try:
        data = KeyRotate.model_validate({"grace_hours": hours if hours is not None else uren})
    except ValidationError as exc:
        return _key_page(page, key, grace=uren, status_code=422, errors=field_errors(
            exc, anchor=lambda loc: "uren", _=_, language=page.language))
    try:
        issued = keys_service.rotate_key(session=page.session, key_id=key_id, organisation=page.organisation,
                                         grace=timedelta(hours=data.grace_hours), person_id=page.person.id)
    except Conflict:
        return _key_page(page, key, grace=uren, status_code=409, errors=[("uren", _(
            "Alleen een sleutel die werkt, kan worden vervangen."))])
    return page.render("shared/keys_issued.html", status_code=201, issued=issued, old=key)


@router.get("/mensen/sleutels/{key_id:uuid}/intrekken")
def revoke_confirm(page: AdminPage, key_id: uuid.UUID) -> Response:
    """Ask before revoking: the key stops working at once, and that cannot be undone."""
    return page.render("shared/keys_revoke.html", key=_key(page, key_id))


@router.post("/mensen/sleutels/{key_id:uuid}/intrekken")
def revoke_key(page: AdminPage, key_id: uuid.UUID) -> Response:
    """Revoke as `POST /v1/keys/{id}/revoke`: from the next request on the key answers 401."""
    keys_service.revoke_key(session=page.session, key_id=key_id, organisation=page.organisation)
    return page.redirect("/mensen/sleutels?gedaan=ingetrokken")
