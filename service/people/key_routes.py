"""An organisation's API keys, managed by its signed-in admins: create, list, rotate with a grace period, revoke."""

import uuid
from datetime import timedelta

from fastapi import APIRouter

from service.auth import Admin
from service.db import SessionDep
from service.errors import problem_responses
from service.organisations import service as organisations_service
from service.pagination import Page, Paging
from service.people import keys
from service.people.schemas import KeyCreate, KeyIssued, KeyPublic, KeyRotate

router = APIRouter(prefix="/v1/keys", tags=["api keys"])


@router.get("", response_model=Page[KeyPublic], responses=problem_responses(401, 403, 422))
def list_keys(admin: Admin, session: SessionDep, paging: Paging) -> Page[KeyPublic]:
    """List the organisation's API keys, newest first, revoked ones included (admins); never the keys themselves."""
    rows = organisations_service.list_keys(session=session, organisation=admin.organisation)
    items = [keys.public(k) for k in rows[paging.offset:paging.offset + paging.limit]]
    return Page(items=items, total=len(rows), limit=paging.limit, offset=paging.offset)


@router.post("", status_code=201, response_model=KeyIssued, responses=problem_responses(401, 403, 422))
def create_key(admin: Admin, session: SessionDep, data: KeyCreate) -> KeyIssued:
    """Create an API key (admins); `api_key` is shown this once and stored only as a hash.

    With `expires_at` the key answers 401 from then on.
    """
    return keys.issued(keys.create_key(session=session, organisation=admin.organisation, name=data.name,
                                       expires_at=data.expires_at, person_id=admin.person_id))


@router.post("/{key_id}/rotate", status_code=201, response_model=KeyIssued,
             responses=problem_responses(401, 403, 404, 409, 422))
def rotate_key(admin: Admin, session: SessionDep, key_id: uuid.UUID, data: KeyRotate) -> KeyIssued:
    """Rotate a key (admins): a new key now; the old one keeps working for `grace_hours` (0 to 168), then 401.

    The old key's `revoked_at` is the end of its grace period. Only an active key can be rotated (409).
    """
    return keys.issued(keys.rotate_key(session=session, key_id=key_id, organisation=admin.organisation,
                                       grace=timedelta(hours=data.grace_hours), person_id=admin.person_id))


@router.post("/{key_id}/revoke", response_model=KeyPublic, responses=problem_responses(401, 403, 404))
def revoke_key(admin: Admin, session: SessionDep, key_id: uuid.UUID) -> KeyPublic:
    """Revoke a key at once (admins): it answers 401 from the next request on, also during a rotation's grace."""
    return keys.public(keys.revoke_key(session=session, key_id=key_id, organisation=admin.organisation))
