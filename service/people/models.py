"""People of partner organisations, with their sign-in: password, TOTP, recovery codes, set-up links, sessions.

Secrets are kept only as hashes: passwords with Argon2id, set-up tokens, session tokens and recovery codes (all
random, 128 bits or more) with SHA-256. The TOTP secret has to be read back to check a code, so it is kept as is.
"""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401  (naming convention before any table)
from service.sqltypes import UTCDateTime, utcnow


class PersonRole(StrEnum):
    """A person's role in their organisation; both act in the organisation's kind on the API."""

    admin = "admin"  # also manages the organisation's people and API keys
    member = "member"


class SetupPurpose(StrEnum):
    """Why a set-up link was issued."""

    setup = "setup"  # a new person's first password
    reset = "reset"  # an admin reset the password (and perhaps the second factor)


class Person(SQLModel, table=True):
    """A person who signs in; belongs to one organisation. `email` is stored lower-cased, unique."""

    __tablename__ = "person"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", nullable=False, index=True)
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    role: str = Field(sa_column=Column(String(10), nullable=False))
    active: bool = Field(default=True, nullable=False)
    password_hash: str | None = Field(default=None, sa_column=Column(String(200)))
    password_set_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    totp_secret: str | None = Field(default=None, sa_column=Column(String(64)))
    # An enrolment started but not yet confirmed with a code.
    totp_pending_secret: str | None = Field(default=None, sa_column=Column(String(64)))
    totp_enabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last 30-second step whose code was accepted: a code is never accepted twice.
    totp_last_step: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SetupToken(SQLModel, table=True):
    """A one-time link with which a person sets their password; only a SHA-256 of the token is kept."""

    __tablename__ = "person_setup_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", nullable=False, index=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    purpose: str = Field(sa_column=Column(String(10), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PersonSession(SQLModel, table=True):
    """A server-side sign-in session; the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "person_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", nullable=False, index=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The absolute end (created + 12 h); the idle end is last_seen_at + 30 minutes.
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # When the second factor was given in this session; None while only the password was.
    second_factor_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_agent: str | None = Field(default=None, sa_column=Column(String(200)))
    address: str | None = Field(default=None, sa_column=Column(String(45)))


class RecoveryCode(SQLModel, table=True):
    """One single-use recovery code (80 random bits), kept as a SHA-256."""

    __tablename__ = "recovery_code"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", nullable=False, index=True)
    code_hash: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignInFailure(SQLModel, table=True):
    """A failed sign-in step, counted per account and per address to throttle guessing across all workers.

    `account` is a SHA-256 of the lower-cased e-mail address given, whether or not a person has it, so the
    throttle answers alike for addresses that exist and those that do not.
    """

    __tablename__ = "sign_in_failure"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    account: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    address: str = Field(sa_column=Column(String(45), nullable=False, index=True))
