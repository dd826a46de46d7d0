"""Creating organisations and issuing and checking their API keys."""

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from service import clock
from service.organisations.models import ApiKey, Organisation, OrganisationKind

KEY_SCHEME = "ds"


FIRST_KEY_NAME = "first key"
# last_used_at is written at most this often per key, so a busy key does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_ROTATION_GRACE = timedelta(days=7)


class KeyState(StrEnum):
    """Where a key is in its life."""

    active = "active"
    rotating = "rotating"  # replaced by rotation, works until its grace period ends (revoked_at)
    revoked = "revoked"
    expired = "expired"


@dataclass(frozen=True)
class IssuedKey:
    """A freshly issued key: the only moment the plain key exists outside the partner's hands."""

    organisation: Organisation
    api_key: str
    key: ApiKey


def _hash_key(api_key: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is safe here; a slow password hash buys nothing.
    return hashlib.sha256(api_key.encode()).hexdigest()


def create_organisation(*, session: Session, kind: OrganisationKind, name: str) -> IssuedKey:
    """Create an organisation with its first API key."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("name must be 1 to 200 characters")
    org = Organisation(kind=kind.value, name=name)
    session.add(org)
    session.flush()
    return issue_key(session=session, organisation=org)


def issue_key(
    *,
    session: Session,
    organisation: Organisation,
    name: str = FIRST_KEY_NAME,
    expires_at: datetime | None = None,
    created_by_person_id: uuid.UUID | None = None,
    rotated_from_id: uuid.UUID | None = None,
) -> IssuedKey:
    """Issue a new key for an organisation; the plain key is returned once and stored only as a hash."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("name must be 1 to 100 characters")
    if expires_at is not None and expires_at <= clock.now():
        raise ValueError("expires_at must be in the future")
    prefix = secrets.token_hex(6)
    api_key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(organisation_id=organisation.id, name=name, prefix=prefix, key_hash=_hash_key(api_key),
                 expires_at=expires_at, created_by_person_id=created_by_person_id, rotated_from_id=rotated_from_id)
    session.add(key)
    session.flush()
    return IssuedKey(organisation=organisation, api_key=api_key, key=key)


def key_state(key: ApiKey, *, now: datetime | None = None) -> KeyState:
    """Whether a key works now, and if not why not."""
    now = now or clock.now()
    if key.revoked_at is not None:
        return KeyState.rotating if key.revoked_at > now else KeyState.revoked
    if key.expires_at is not None and key.expires_at <= now:
        return KeyState.expired
    return KeyState.active


def find_key(*, session: Session, api_key: str) -> tuple[ApiKey, Organisation] | None:
    """The key and organisation a presented key belongs to; None when unknown, malformed, revoked or expired.

    It only reads: `note_use` notes the key's use in the transaction that does the request's work."""
    parts = api_key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME:
        return None
    # One query for key and organisation: every request pays for it.
    found = session.exec(select(ApiKey, Organisation)
                         .join(Organisation, col(Organisation.id) == col(ApiKey.organisation_id))
                         .where(ApiKey.prefix == parts[1])).first()
    if found is None:
        return None
    key, organisation = found
    if not hmac.compare_digest(key.key_hash, _hash_key(api_key)):
        return None
    if key_state(key, now=clock.now()) not in (KeyState.active, KeyState.rotating):
        return None
    return key, organisation


def note_use(*, session: Session, key: ApiKey) -> None:
    """Note when the key was last used, to the minute (written with the request's own changes)."""
    now = clock.now()
    if key.last_used_at is None or key.last_used_at <= now - LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.add(key)


def list_keys(*, session: Session, organisation: Organisation) -> list[ApiKey]:
    """An organisation's keys (never the keys themselves), newest first, revoked ones included."""
    return list(session.exec(select(ApiKey).where(ApiKey.organisation_id == organisation.id)
                             .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id))))


def get_key(*, session: Session, key_id: uuid.UUID, organisation: Organisation | None = None) -> ApiKey | None:
    """One key by id; with `organisation`, only when it is that organisation's."""
    key = session.get(ApiKey, key_id)
    if key is None or (organisation is not None and key.organisation_id != organisation.id):
        return None
    return key


def rotate_key(
    *, session: Session, key: ApiKey, grace: timedelta, created_by_person_id: uuid.UUID | None
) -> IssuedKey:
    """Issue a successor with the same name and expiry; the old key keeps working for `grace` (at most 7 days)."""
    if not timedelta(0) <= grace <= MAX_ROTATION_GRACE:
        raise ValueError("the grace period must be between 0 and 7 days")
    if key_state(key) is not KeyState.active:
        raise ValueError(f"only an active key can be rotated; this key is {key_state(key).value}")
    organisation = session.get(Organisation, key.organisation_id)
    assert organisation is not None
    now = clock.now()
    issued = issue_key(session=session, organisation=organisation, name=key.name,
                       expires_at=key.expires_at if key.expires_at and key.expires_at > now else None,
                       created_by_person_id=created_by_person_id, rotated_from_id=key.id)
    key.revoked_at = now + grace
    session.add(key)
    session.flush()
    return issued


def revoke_key(*, session: Session, key: ApiKey) -> ApiKey:
    """Revoke a key at once (a rotating key's grace period ends now); revoking a revoked key changes nothing."""
    now = clock.now()
    if key.revoked_at is None or key.revoked_at > now:
        key.revoked_at = now
        session.add(key)
        session.flush()
    return key


def get_organisation(*, session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    """One organisation by id."""
    return session.get(Organisation, organisation_id)


def list_organisations(*, session: Session) -> list[Organisation]:
    """All organisations, oldest first."""
    return list(session.exec(select(Organisation).order_by(col(Organisation.created_at), col(Organisation.id))))


def names_of(*, session: Session, organisation_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Organisation id -> name for these ids, in one query (a timeline names who acted)."""
    wanted = sorted(set(organisation_ids))
    if not wanted:
        return {}
    return dict(session.exec(select(Organisation.id, Organisation.name).where(col(Organisation.id).in_(wanted))).all())
