"""Creating organisations and issuing and checking their API keys."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from service.organisations.models import ApiKey, Organisation, OrganisationKind

KEY_SCHEME = "ds"


@dataclass(frozen=True)
class IssuedKey:
    """A freshly issued key: the only moment the plain key exists outside the partner's hands."""

    organisation: Organisation
    api_key: str


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


def issue_key(*, session: Session, organisation: Organisation) -> IssuedKey:
    """Issue a new key for an organisation; the plain key is returned once and stored only as a hash."""
    prefix = secrets.token_hex(6)
    api_key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(organisation_id=organisation.id, prefix=prefix, key_hash=_hash_key(api_key)))
    session.flush()
    return IssuedKey(organisation=organisation, api_key=api_key)


def organisation_for_key(*, session: Session, api_key: str) -> Organisation | None:
    """The organisation a presented key belongs to, or None when the key is unknown, malformed or revoked."""
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
    if key.revoked_at is not None or not hmac.compare_digest(key.key_hash, _hash_key(api_key)):
        return None
    return organisation


def get_organisation(*, session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    """One organisation by id."""
    return session.get(Organisation, organisation_id)


def list_organisations(*, session: Session) -> list[Organisation]:
    """All organisations, oldest first."""
    return list(session.exec(select(Organisation).order_by(col(Organisation.created_at), col(Organisation.id))))
