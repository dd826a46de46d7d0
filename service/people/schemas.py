"""API documents for people, sign-in, sessions and API keys."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from service.fields import StrictInput, check_within_years
from service.people.models import PersonRole

# Deliberately loose: the set-up link is the real check that the address reaches the person.
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Passwords and codes are taken exactly as typed (no trimming); the policy is checked by the service.
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
OtpCode = Annotated[str, StringConstraints(min_length=6, max_length=8, pattern=r"^\s*\d{6}\s*$")]
RecoveryCodeText = Annotated[str, StringConstraints(min_length=8, max_length=40)]
SetupTokenText = Annotated[str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class SecretInput(StrictInput):
    """Base of documents that carry a secret: as every input (unknown fields refused, text storable, numbers
    strict), but nothing is trimmed. A NUL in an address or a code would reach the database's query otherwise."""

    model_config = ConfigDict(str_strip_whitespace=False)


class SignInStage(StrEnum):
    """How far a session has come; only `signed_in` acts on the API."""

    signed_in = "signed_in"
    second_factor_required = "second_factor_required"  # TOTP enrolled: give a code (or a recovery code)
    enrolment_required = "enrolment_required"  # TOTP required but not enrolled: this session may only enrol


# --- people --------------------------------------------------------------------------------------------------------


class PersonCreate(StrictInput):
    """An invitation: the person gets a one-time set-up link to choose a password."""

    email: Email
    name: PersonName
    role: PersonRole = PersonRole.member


class PersonUpdate(StrictInput):
    """A change of a person's role."""

    role: PersonRole


class PersonReset(StrictInput):
    """A password reset by an admin; with `reset_two_factor` the person enrols TOTP again too."""

    reset_two_factor: bool = False


class PersonPublic(BaseModel):
    """A person of an organisation, as its admins and the person see it (never a secret)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    name: str
    role: PersonRole
    active: bool
    password_set: bool
    two_factor_enabled: bool
    created_at: datetime
    deactivated_at: datetime | None


class SetupLink(BaseModel):
    """A one-time set-up link; shown once, stored only as a hash."""

    setup_link: str
    expires_at: datetime


class PersonInvited(BaseModel):
    """A new person with their set-up link."""

    person: PersonPublic
    setup_link: str
    expires_at: datetime


# --- set-up and sign-in --------------------------------------------------------------------------------------------


class SetupInfo(BaseModel):
    """What a valid set-up link is for."""

    email: str
    name: str
    organisation_name: str
    purpose: str
    expires_at: datetime


class SetupComplete(SecretInput):
    """Choose a password with a set-up link's token."""

    token: SetupTokenText
    password: Password


class SignIn(SecretInput):
    """The first sign-in step."""

    email: Email
    password: Password


class SecondFactor(SecretInput):
    """A six-digit code from the authenticator app."""

    code: OtpCode


class RecoveryCodeUse(SecretInput):
    """One of the ten recovery codes, instead of a TOTP code."""

    code: RecoveryCodeText


class SessionInfo(BaseModel):
    """A sign-in session, as its person lists it."""

    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    idle_expires_at: datetime
    second_factor: bool
    user_agent: str | None
    address: str | None
    current: bool


class SignInAnswer(BaseModel):
    """Where the session stands; send `csrf_token` back in `X-CSRF-Token` with every state-changing request."""

    stage: SignInStage
    csrf_token: str
    person: PersonPublic
    session: SessionInfo
    remaining_recovery_codes: int | None = None


class OrganisationBrief(BaseModel):
    """The organisation a person acts for."""

    id: uuid.UUID
    kind: str
    name: str


class Me(SignInAnswer):
    """The signed-in person, their organisation and their session."""

    organisation: OrganisationBrief
    two_factor_required: bool


class TotpEnrolment(BaseModel):
    """Scan the QR code (or type the secret) into an authenticator app, then confirm with a code."""

    otpauth_uri: str
    qr_svg: str
    secret: str


class TotpConfirmed(SignInAnswer):
    """TOTP is on; the recovery codes are shown this once."""

    recovery_codes: list[str]


# --- API keys ------------------------------------------------------------------------------------------------------


class KeyCreate(StrictInput):
    """A new API key for the organisation's systems."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    expires_at: Annotated[AwareDatetime | None, AfterValidator(check_within_years(100))] = Field(
        default=None, description="when the key stops working; none: never")


class KeyRotate(StrictInput):
    """Rotate a key: a new key now, the old one working for `grace_hours` more (at most 7 days)."""

    grace_hours: int = Field(default=24, ge=0, le=168)


class KeyPublic(BaseModel):
    """An API key, never the key itself: its name, the prefix it starts with, and its life."""

    id: uuid.UUID
    name: str
    prefix: str
    state: str
    created_at: datetime
    created_by_person_id: uuid.UUID | None
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    rotated_from_id: uuid.UUID | None


class KeyIssued(KeyPublic):
    """A new key: `api_key` is shown this once and stored only as a hash."""

    api_key: str
