"""An organisation's people, managed by its signed-in admins: list, invite (a set-up link), change role,
deactivate, reset."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from service.auth import Admin
from service.config import Settings, get_settings
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import Page, Paging
from service.people import service
from service.people.schemas import PersonCreate, PersonInvited, PersonPublic, PersonReset, PersonUpdate, SetupLink

router = APIRouter(prefix="/v1/people", tags=["people"])


def _base_url(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return (settings if isinstance(settings, Settings) else get_settings()).public_url


@router.get("", response_model=Page[PersonPublic], responses=problem_responses(401, 403, 422))
def list_people(
    admin: Admin, session: SessionDep, paging: Paging,
    active: Annotated[bool | None, Query(description="only active (true) or deactivated (false) people")] = None,
) -> Page[PersonPublic]:
    """List the organisation's people, by name (admins)."""
    rows, total = service.list_people(session=session, organisation=admin.organisation, limit=paging.limit,
                                      offset=paging.offset, active=active)
    return Page(items=[service.public(p) for p in rows], total=total, limit=paging.limit, offset=paging.offset)


@router.post("", status_code=201, response_model=PersonInvited, responses=problem_responses(401, 403, 409, 422))
def invite_person(request: Request, admin: Admin, session: SessionDep, data: PersonCreate) -> PersonInvited:
    """Invite a person to the organisation (admins); answers their one-time set-up link, valid 72 hours.

    E-mail addresses are unique across the service, compared without case (409 when taken). Hand the link to the
    person: with it they choose a password (`POST /v1/auth/setup`), then sign in.
    """
    person, link = service.create_person(session=session, organisation=admin.organisation, email=data.email,
                                         name=data.name, role=data.role, base_url=_base_url(request))
    return PersonInvited(person=service.public(person), setup_link=link.url, expires_at=link.expires_at)


@router.get("/{person_id}", response_model=PersonPublic, responses=problem_responses(401, 403, 404))
def read_person(admin: Admin, session: SessionDep, person_id: uuid.UUID) -> PersonPublic:
    """One of the organisation's people (admins)."""
    return service.public(service.get_person(session=session, organisation=admin.organisation, person_id=person_id))


@router.patch("/{person_id}", response_model=PersonPublic, responses=problem_responses(401, 403, 404, 409, 422))
def change_role(admin: Admin, session: SessionDep, person_id: uuid.UUID, data: PersonUpdate) -> PersonPublic:
    """Make a person an admin or a member (admins); the last active admin stays one (409)."""
    return service.public(service.change_role(session=session, organisation=admin.organisation, person_id=person_id,
                                              role=data.role))


@router.post("/{person_id}/deactivate", response_model=PersonPublic,
             responses=problem_responses(401, 403, 404, 409))
def deactivate_person(admin: Admin, session: SessionDep, person_id: uuid.UUID) -> PersonPublic:
    """Deactivate a person (admins): their sessions and set-up links end at once; the last admin cannot (409)."""
    return service.public(service.deactivate(session=session, organisation=admin.organisation, person_id=person_id))


@router.post("/{person_id}/reset", response_model=SetupLink, responses=problem_responses(401, 403, 404, 409, 422))
def reset_person(request: Request, admin: Admin, session: SessionDep, person_id: uuid.UUID,
                 data: PersonReset) -> SetupLink:
    """Issue a password reset link (admins); with `reset_two_factor` TOTP and recovery codes are cleared too."""
    link = service.reset(session=session, organisation=admin.organisation, person_id=person_id,
                         reset_two_factor=data.reset_two_factor, base_url=_base_url(request))
    return SetupLink(setup_link=link.url, expires_at=link.expires_at)
