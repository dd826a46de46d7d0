"""Aanmelden: the registration form v1, filled in with the client, kept as a draft until it is submitted.

One form serves three purposes: a new registration, a draft continued, and the edit of a submitted registration
(`/clienten/{id}/wijzigen`, optimistic concurrency as the API's PATCH). Buttons say what happens: keep the draft,
add a row to a list, or submit. Submitting validates with the API's own schema and registers through the API's own
service; the draft is deleted in the same transaction.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import col, select

from service.errors import Conflict, InvalidFields, PreconditionFailed
from service.municipalities.models import Municipality
from service.regions import scope
from service.regions.models import RegionMunicipality
from service.registrations import drafts
from service.registrations import service as registrations_service
from service.registrations.schemas import RegistrationCreate, RegistrationUpdate
from service.web.forms import FieldErrors, first_per_field, schema_errors
from service.web.pages import CareProviderPage, Page
from service.web.provider import form_v1
from service.workflow import changes

router = APIRouter()


async def _values(request: Request) -> dict[str, str]:
    """The form's fields as texts (ticked checkboxes of one name joined by commas)."""
    form = await request.form()
    values: dict[str, str] = {}
    for key in form:
        if key in ("csrf_token", "actie", "versie"):
            continue
        texts = [v for v in form.getlist(key) if isinstance(v, str)]
        values[key] = ",".join(t for t in texts if t) if len(texts) > 1 else (texts[0] if texts else "")
    return values


def _choices(page: Page) -> dict[str, Any]:
    """The regions the provider works in and their municipalities (for ties, preferences and area names)."""
    own = scope.scope_of(session=page.session, org=page.organisation)
    in_region = col(RegionMunicipality.municipality_code) == col(Municipality.code)
    rows = page.session.exec(select(Municipality.code, Municipality.name, RegionMunicipality.region_code)
                             .join(RegionMunicipality, in_region)
                             .where(col(RegionMunicipality.region_code).in_(sorted(own.regions)))
                             .order_by(col(Municipality.name))).all()
    return {"regions": sorted(own.regions), "municipalities": [(code, name) for code, name, _r in rows]}


def _area_names(page: Page, values: Mapping[str, str]) -> dict[str, str]:
    """The municipality of each typed area code (GM0344, WK034405 and BU03440101 all lie in GM0344)."""
    codes = {code.upper() for code in (values.get("avoid_areas") or "").replace(",", " ").split()}
    municipalities = {"GM" + code[2:6] for code in codes if len(code) >= 6 and code[2:6].isdigit()}
    if not municipalities:
        return {}
    names = dict(page.session.exec(select(Municipality.code, Municipality.name)
                                   .where(col(Municipality.code).in_(sorted(municipalities)))).all())
    return {code: names.get("GM" + code[2:6], "") for code in sorted(codes)}


def _form(page: Page, values: Mapping[str, str], *, errors: FieldErrors, mode: str, action: str,
          version: int | None = None, status_code: int = 200, notice: str | None = None,
          current: Mapping[str, str] | None = None, add: str | None = None) -> Response:
    rows = form_v1.Rows.of(values, add=add)
    return page.render("provider/register.html", status_code=status_code, values=values, errors=errors, mode=mode,
                       action=action, version=version, rows=rows.counts, notice=notice, current=current or {},
                       area_names=_area_names(page, values), form=form_v1,
                       label=lambda name: form_v1.label(name, page._), **_choices(page))


def _service_errors(exc: InvalidFields) -> FieldErrors:
    return [(form_v1.field_name(e.field), e.message) for e in exc.errors]


@router.get("/aanmelden")
def new_registration(page: CareProviderPage) -> Response:
    """An empty form, and the drafts still open."""
    return page.render("provider/register_start.html",
                       drafts=drafts.list_drafts(session=page.session, org=page.organisation))


@router.get("/aanmelden/nieuw")
def empty_form(page: CareProviderPage) -> Response:
    """The form v1, empty."""
    return _form(page, {}, errors=[], mode="new", action="/aanmelden/nieuw")


@router.post("/aanmelden/nieuw")
async def post_new(page: CareProviderPage, request: Request) -> Response:
    """Keep as a draft, add a row, or submit a new registration."""
    return await _post(page, request, draft_id=None)


@router.get("/aanmelden/concept/{draft_id}")
def draft_form(page: CareProviderPage, draft_id: uuid.UUID, gedaan: str | None = None) -> Response:
    """A draft continued, as it was left."""
    draft = drafts.read_draft(session=page.session, org=page.organisation, draft_id=draft_id)
    notice = page._("Het concept is bewaard.") if gedaan == "bewaard" else None
    return _form(page, draft.values, errors=[], mode="draft", action=f"/aanmelden/concept/{draft.id}",
                 version=draft.version, notice=notice)


@router.post("/aanmelden/concept/{draft_id}")
async def post_draft(page: CareProviderPage, request: Request, draft_id: uuid.UUID) -> Response:
    """Keep, add a row to, or submit a draft."""
    return await _post(page, request, draft_id=draft_id)


@router.post("/aanmelden/concept/{draft_id}/weggooien")
def discard(page: CareProviderPage, draft_id: uuid.UUID) -> Response:
    """Throw a draft away."""
    drafts.discard_draft(session=page.session, org=page.organisation, draft_id=draft_id, reason="discarded")
    return page.redirect("/aanmelden?gedaan=weggegooid")


async def _post(page: Page, request: Request, *, draft_id: uuid.UUID | None) -> Response:
    form = await request.form()
    values = await _values(request)
    action = str(form.get("actie") or "bewaren")
    version_text = str(form.get("versie") or "")
    version = int(version_text) if version_text.isdigit() else None
    url = f"/aanmelden/concept/{draft_id}" if draft_id else "/aanmelden/nieuw"
    mode = "draft" if draft_id else "new"
    if action == "aanmelden":
        return _submit(page, values, draft_id=draft_id, version=version, url=url, mode=mode)
    added = action.removeprefix("rij:") if action.startswith("rij:") else None
    if added is not None:
        values[f"rows.{added}"] = str(form_v1.Rows.of(values, add=added).counts.get(added, 1))
    try:
        draft = drafts.save_draft(session=page.session, org=page.organisation, draft_id=draft_id, values=values,
                                  label=(values.get("client_ref") or "").strip()[:64] or None,
                                  expected_version=version)
    except PreconditionFailed:
        return _form(page, values, errors=[("formulier", page._(
            "Dit concept is intussen ergens anders gewijzigd. Uw invoer staat hieronder; bewaar opnieuw om de andere "
            "versie te vervangen."))], mode=mode, action=url, version=None, status_code=409)
    if added is not None:
        return _form(page, values, errors=[], mode="draft", action=f"/aanmelden/concept/{draft.id}",
                     version=draft.version)
    return page.redirect(f"/aanmelden/concept/{draft.id}?gedaan=bewaard")


def _submit(page: Page, values: dict[str, str], *, draft_id: uuid.UUID | None, version: int | None, url: str,
            mode: str) -> Response:
    _ = page._
    try:
        data = RegistrationCreate.model_validate(form_v1.document(values))
    except ValidationError as exc:
        errors = [(form_v1.field_name(name), message) for name, message in schema_errors(exc, _)]
        return _form(page, values, errors=first_per_field(errors), mode=mode, action=url, version=version,
                     status_code=422)
    try:
        registered = registrations_service.submit_registration(session=page.session, org=page.organisation,
                                                               data=data)
    except InvalidFields as exc:
        return _form(page, values, errors=_service_errors(exc), mode=mode, action=url, version=version,
                     status_code=422)
    except Conflict:
        return _form(page, values, errors=[("client_ref", _(
            "Dit kenmerk is al aangemeld met andere antwoorden. Kies een ander kenmerk, of wijzig die aanmelding "
            "bij Mijn cliënten."))], mode=mode, action=url, version=version, status_code=409)
    if draft_id is not None:
        drafts.discard_draft(session=page.session, org=page.organisation, draft_id=draft_id, reason="submitted")
    return page.redirect(f"/clienten/{registered.record.id}?gedaan=aangemeld")


# --- the edit of a submitted registration --------------------------------------------------------------------------


@router.get("/clienten/{registration_id}/wijzigen")
def edit_form(page: CareProviderPage, registration_id: uuid.UUID) -> Response:
    """The submitted registration in the form, to change (the client reference, consent and region stay)."""
    reg = registrations_service.to_public(registrations_service.read_registration(
        session=page.session, org=page.organisation, registration_id=registration_id))
    return _form(page, form_v1.values_of(reg), errors=[], mode="edit",
                 action=f"/clienten/{registration_id}/wijzigen", version=reg.version)


@router.post("/clienten/{registration_id}/wijzigen")
async def post_edit(page: CareProviderPage, request: Request, registration_id: uuid.UUID) -> Response:
    """Save the change, unless someone else changed the registration since it was opened (then both are shown)."""
    _ = page._
    # Another organisation's client answers 404 whatever was posted, before the form is checked.
    registrations_service.ensure_visible(session=page.session, org=page.organisation, registration_id=registration_id)
    form = await request.form()
    values = await _values(request)
    url = f"/clienten/{registration_id}/wijzigen"
    version_text = str(form.get("versie") or "")
    version = int(version_text) if version_text.isdigit() else None
    if str(form.get("actie") or "").startswith("rij:"):
        added = str(form.get("actie")).removeprefix("rij:")
        values[f"rows.{added}"] = str(form_v1.Rows.of(values, add=added).counts.get(added, 1))
        return _form(page, values, errors=[], mode="edit", action=url, version=version)
    try:
        data = RegistrationUpdate.model_validate(form_v1.document(values, submitted=True))
        changes.update_registration(session=page.session, org=page.organisation, registration_id=registration_id,
                                    data=data, expected_version=version)
    except ValidationError as exc:
        errors = [(form_v1.field_name(name), message) for name, message in schema_errors(exc, _)]
        return _form(page, values, errors=first_per_field(errors), mode="edit", action=url, version=version,
                     status_code=422)
    except InvalidFields as exc:
        return _form(page, values, errors=_service_errors(exc), mode="edit", action=url, version=version,
                     status_code=422)
    except PreconditionFailed:
        current = registrations_service.to_public(registrations_service.read_registration(
            session=page.session, org=page.organisation, registration_id=registration_id))
        return _form(page, values, errors=[("formulier", _(
            "Iemand anders heeft deze aanmelding gewijzigd nadat u haar opende. Hieronder staat uw invoer; bij elk "
            "veld dat intussen anders is, staat de nieuwe waarde. Sla opnieuw op om uw invoer te bewaren."))],
            mode="edit", action=url, version=current.version, status_code=409,
            current=form_v1.values_of(current))
    return page.redirect(f"/clienten/{registration_id}?gedaan=gewijzigd")
