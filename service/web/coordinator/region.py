"""Regio en beleid: the coordinator's regions with their municipalities, the policy form with every field, and the
policy versions with what changed from one to the next.

Saving the form is `PUT /v1/regions/{code}` (service/regions/service.py put_region): it replaces the region's name,
municipalities AND policy, so the form always carries all of them, each with its current value unless the
coordinator changed it. It also carries when the region was read, so a form opened before someone else's change
says so instead of undoing that change. The uploads of this screen are in uploads.py.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from service.errors import Conflict, InvalidFields, PreconditionFailed
from service.regions import reads, scope
from service.regions import service as regions_service
from service.regions.schemas import RegionPut
from service.web.coordinator import policy_fields
from service.web.forms import field_errors, form_data
from service.web.i18n import N_
from service.web.listing import Paging
from service.web.pages import CoordinatorPage, Page

router = APIRouter()
CodePath = Annotated[str, Path(max_length=32)]
FormDep = Annotated[FormData, Depends(form_data)]
NAME, ADD = "naam", "gemeente-erbij"
# What the versions page confirms after the form was saved.
DONE = {"nieuwe-versie", "opgeslagen"}
# The schema's errors in this form's own words, by (field id, error type).
SPECIAL = {(ADD, "too_short"): N_("Kies minstens één gemeente."), (NAME, "string_too_short"): N_("Vul een naam in.")}


@router.get("/regio")
def regions_page(page: CoordinatorPage) -> Response:
    """The coordinator's regions, each with its municipalities and its policy version."""
    return page.render("coordinator/region.html",
                       regions=reads.region_summaries(session=page.session, org=page.organisation))


@dataclass
class PolicyForm:
    """The form as typed: the region's name, the municipalities ticked, one to add, every policy field as text,
    and when the region was read."""

    name: str
    municipalities: list[str]
    add: str
    values: dict[str, str | None]
    read_at: str
    current: dict[str, str] = field(default_factory=dict)  # after a stale save: what is stored now, where it differs

    @property
    def codes(self) -> list[str]:
        return self.municipalities + ([self.add] if self.add and self.add not in self.municipalities else [])


def _as_read(view: regions_service.RegionView, language: str) -> PolicyForm:
    return PolicyForm(name=view.region.name, municipalities=list(view.municipality_codes), add="",
                      values=policy_fields.form_values(view.policy, language),
                      read_at=view.region.updated_at.isoformat())


def _as_typed(form: FormData) -> PolicyForm:
    def text(name: str) -> str | None:
        value = form.get(name)
        return value if isinstance(value, str) else None

    return PolicyForm(name=text(NAME) or "", municipalities=[c for c in form.getlist("gemeente") if isinstance(c, str)],
                      add=text(ADD) or "", values={name: text(name) for name in policy_fields.FIELDS},
                      read_at=text("gelezen_op") or "")


def _read_at(text: str) -> datetime:
    """When the form read the region; a form without it (or with nonsense) counts as read long ago."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _form_page(page: Page, view: regions_service.RegionView, form: PolicyForm, *, errors: list[tuple[str, str]],
               status_code: int = 200, stale: bool = False) -> Response:
    choices = reads.municipality_choices(session=page.session, region_code=view.region.code)
    # A box per municipality of the region, and per one ticked on a form that another change took out since.
    members = {m.code for m in choices.members}
    known = {m.code: m for m in [*choices.members, *choices.free]}
    boxes = choices.members + [known[c] for c in form.municipalities if c in known and c not in members]
    _ = page._
    labels = {NAME: _("Naam van de regio"), ADD: _("Gemeenten van de regio"),
              **{f.anchor: _(f.label) for f in policy_fields.FIELDS.values()}}
    return page.render("coordinator/region_policy.html", status_code=status_code, region=view.region, labels=labels,
                       form=form, choices=choices, boxes=boxes, groups=policy_fields.GROUPS, Kind=policy_fields.Kind,
                       errors=errors, stale=stale, NAME=NAME, ADD=ADD, display=policy_fields.display)


def _region(page: Page, code: str) -> regions_service.RegionView:
    scope.require_region(session=page.session, org=page.organisation, code=code)
    return regions_service.get_region(session=page.session, code=code)


@router.get("/regio/{code}")
def policy_form(page: CoordinatorPage, code: CodePath) -> Response:
    """The region's name, municipalities and every policy field with its current value."""
    view = _region(page, code)
    return _form_page(page, view, _as_read(view, page.language), errors=[])


def _anchor(loc: tuple[Any, ...]) -> str:
    if loc and loc[0] == "policy" and len(loc) > 1 and loc[1] in policy_fields.FIELDS:
        return policy_fields.FIELDS[loc[1]].anchor
    return ADD if loc and loc[0] == "municipality_codes" else NAME


def _stale(page: Page, view: regions_service.RegionView, typed: PolicyForm) -> PolicyForm:
    """The form as typed, now based on what is stored, with the stored value beside each field that differs."""
    stored = _as_read(view, page.language)
    _ = page._
    current = {name: policy_fields.display(name, getattr(view.policy, name), _, page.language)
               for name, value in stored.values.items() if (typed.values.get(name) or "").strip() != value}
    if typed.name.strip() != stored.name:
        current[NAME] = stored.name
    if sorted(typed.codes) != sorted(stored.municipalities):
        current[ADD] = ", ".join(m.name for m in reads.municipality_choices(
            session=page.session, region_code=view.region.code).members)
    return PolicyForm(name=typed.name, municipalities=typed.municipalities, add=typed.add, values=typed.values,
                      read_at=stored.read_at, current=current)


@router.post("/regio/{code}")
def save_policy(page: CoordinatorPage, code: CodePath, form: FormDep) -> Response:
    """Save name, municipalities and policy as `PUT /v1/regions/{code}`; a changed policy is a new version."""
    _ = page._
    view = _region(page, code)
    version_before = view.region.policy_version
    typed = _as_typed(form)
    document, errors = policy_fields.read_form(typed.values, _)
    data = None
    try:
        data = RegionPut.model_validate({"name": typed.name, "municipality_codes": typed.codes, "policy": document})
    except ValidationError as exc:
        errors += [e for e in field_errors(exc, anchor=_anchor, _=_, language=page.language, special=SPECIAL)
                   if e[0] not in dict(errors)]
    if errors or data is None:
        return _form_page(page, view, typed, errors=errors, status_code=422)
    try:
        saved = regions_service.put_region(session=page.session, org=page.organisation, code=code, data=data,
                                           read_at=_read_at(typed.read_at))
    except PreconditionFailed:
        return _form_page(page, view, _stale(page, view, typed), errors=[], status_code=409, stale=True)
    except InvalidFields:
        return _form_page(page, view, typed, status_code=422,
                          errors=[(ADD, _("Een van de gemeenten bestaat niet (meer)."))])
    except Conflict:
        return _form_page(page, view, typed, status_code=409, errors=[(ADD, _(
            "Een van de gemeenten hoort intussen bij een andere regio. Laad de pagina opnieuw."))])
    done = "nieuwe-versie" if saved.region.policy_version != version_before else "opgeslagen"
    return page.redirect(f"/regio/{code}/versies?gedaan={done}")


@router.get("/regio/{code}/versies")
def policy_versions(page: CoordinatorPage, code: CodePath, pagina: Annotated[int | None, Query(ge=1)] = None,
                    gedaan: str | None = None) -> Response:
    """Every policy version, newest first, each with what changed from the version before, field by field."""
    view = _region(page, code)
    paging = Paging.of(pagina)
    revisions, total = reads.policy_revisions(session=page.session, code=code, limit=paging.limit,
                                              offset=paging.offset)
    return page.render("coordinator/region_versions.html", region=view.region, revisions=revisions, total=total,
                       paging=paging, fields=policy_fields.FIELDS, display=policy_fields.display,
                       done=gedaan if gedaan in DONE else None)
