"""Signing in and out: password, second factor, server-side sessions, and throttling of failed attempts.

A session is a random token in a cookie, kept as a SHA-256; it ends after 30 idle minutes, 12 hours after it
began, when it is revoked, or when its person is deactivated or sets a new password. Failed steps are stored
(`sign_in_failure`), so the throttle holds across every worker and replica.
"""

import hashlib
import hmac
import math
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, not_
from sqlmodel import Session, col, delete, func, select

from service import clock
from service.audit import service as audit
from service.errors import NotFound, TooManyRequests, Unauthorised
from service.organisations.models import Organisation
from service.people import passwords
from service.people import service as people_service
from service.people.models import Person, PersonSession, SignInFailure
from service.people.schemas import SignInStage

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# last_seen_at is written at most this often, so a busy session does not write on every request.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
ENTITY = "person"
BAD_CREDENTIALS = "the e-mail address or password is wrong"


@dataclass(frozen=True)
class SignedIn:
    """A live session with its person and organisation, and the token the cookie holds."""

    web_session: PersonSession
    person: Person
    organisation: Organisation
    token: str
    # False in local development only: two-factor sign-in is then offered but not forced (see Settings.dev_mode).
    enforce_two_factor: bool = True

    @property
    def stage(self) -> SignInStage:
        """How far this session has come (only `signed_in` may act on the API)."""
        return stage_of(self.person, self.organisation, self.web_session, enforce_two_factor=self.enforce_two_factor)

    @property
    def csrf_token(self) -> str:
        """The session's CSRF token (derived from its token, so nothing more is stored)."""
        return csrf_token_for(self.token)


def csrf_token_for(token: str) -> str:
    """The CSRF token of a session: readable only by the page that was given it, never by another site."""
    return hmac.new(token.encode(), b"doorstroom-csrf", hashlib.sha256).hexdigest()


def stage_of(person: Person, organisation: Organisation, web_session: PersonSession, *,
             enforce_two_factor: bool = True) -> SignInStage:
    """Signed in, waiting for the second factor, or required to enrol TOTP first."""
    if person.totp_enabled_at is not None:
        return SignInStage.signed_in if web_session.second_factor_at else SignInStage.second_factor_required
    if enforce_two_factor and people_service.two_factor_required(organisation):
        return SignInStage.enrolment_required
    return SignInStage.signed_in


def idle_expires_at(web_session: PersonSession) -> datetime:
    """When the session ends unless it is used before."""
    return min(web_session.last_seen_at + IDLE_TIMEOUT, web_session.expires_at)


def account_of(email: str) -> str:
    """The throttle's name for an account: a hash of the address given, whether or not anyone has it."""
    return hashlib.sha256(people_service.normalise_email(email).encode()).hexdigest()


# --- throttling ----------------------------------------------------------------------------------------------------


def check_throttle(*, session: Session, account: str, address: str) -> None:
    """429 with Retry-After when the account or the address has failed too often within the window."""
    now = clock.now()
    since = now - THROTTLE_WINDOW
    for column, value, limit in ((col(SignInFailure.account), account, MAX_FAILURES_PER_ACCOUNT),
                                 (col(SignInFailure.address), address, MAX_FAILURES_PER_ADDRESS)):
        count, oldest = session.exec(select(func.count(), func.min(SignInFailure.at))
                                     .where(column == value, col(SignInFailure.at) > since)).one()
        if count >= limit:
            retry = max(1, math.ceil((oldest + THROTTLE_WINDOW - now).total_seconds()))
            raise TooManyRequests(f"too many failed sign-in attempts; try again in {math.ceil(retry / 60)} minutes",
                                  headers={"Retry-After": str(retry)})


def record_failure(*, session: Session, account: str, address: str) -> None:
    """Count one failed step against the account and the address (and forget those the window no longer sees)."""
    session.exec(delete(SignInFailure).where(col(SignInFailure.at) < clock.now() - THROTTLE_WINDOW))
    session.add(SignInFailure(account=account, address=address))
    session.flush()


def _clear_failures(session: Session, account: str) -> None:
    session.exec(delete(SignInFailure).where(col(SignInFailure.account) == account))


# --- signing in ----------------------------------------------------------------------------------------------------


def sign_in(*, session: Session, email: str, password: str, address: str, user_agent: str | None,
            enforce_two_factor: bool = True) -> SignedIn:
    """Check e-mail and password and start a session (which may still need the second factor).

    The answer is the same for an unknown address, a wrong password and a deactivated person, and takes the same
    time (a dummy hash is checked when nobody has the address). Failures are counted; the caller must commit them
    even though it answers 401 (see `people/auth_routes.py`).
    """
    account = account_of(email)
    check_throttle(session=session, account=account, address=address)
    found = session.exec(select(Person, Organisation)
                         .join(Organisation, col(Organisation.id) == col(Person.organisation_id))
                         .where(Person.email == people_service.normalise_email(email))).first()
    person, organisation = found if found else (None, None)
    ok = passwords.verify_password(person.password_hash if person else None, password)
    if not ok or person is None or organisation is None or not person.active:
        record_failure(session=session, account=account, address=address)
        audit.record(session=session, organisation=organisation, action="sign_in_failed",
                     entity_type=ENTITY if person else "sign_in",
                     entity_id=person.id if person else audit.name_id("sign_in", account),
                     person_id=person.id if person else None, detail={"step": "password"})
        raise Unauthorised(BAD_CREDENTIALS)
    assert person.password_hash is not None
    if passwords.needs_rehash(person.password_hash):
        person.password_hash = passwords.hash_password(password)
        session.add(person)
    signed = _start(session, person, organisation, address=address, user_agent=user_agent,
                    enforce_two_factor=enforce_two_factor)
    if signed.stage is SignInStage.signed_in:
        _clear_failures(session, account)
    audit.record(session=session, organisation=organisation, action="sign_in", entity_type=ENTITY,
                 entity_id=person.id, person_id=person.id,
                 detail={"step": "password", "stage": signed.stage.value, "session_id": str(signed.web_session.id)})
    return signed


def _start(session: Session, person: Person, organisation: Organisation, *, address: str,
           user_agent: str | None, enforce_two_factor: bool) -> SignedIn:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    web_session = PersonSession(person_id=person.id, token_hash=passwords.digest(token), created_at=now,
                                last_seen_at=now, expires_at=now + ABSOLUTE_TIMEOUT, address=address[:45],
                                user_agent=(user_agent or "")[:200] or None)
    session.add(web_session)
    session.flush()
    return SignedIn(web_session=web_session, person=person, organisation=organisation, token=token,
                    enforce_two_factor=enforce_two_factor)


def authenticate(*, session: Session, token: str, enforce_two_factor: bool = True) -> SignedIn | None:
    """The live session a cookie's token names, or None when it is unknown, revoked, idle, too old or its person
    is deactivated. Touches `last_seen_at` (at most once a minute)."""
    found = session.exec(select(PersonSession, Person, Organisation)
                         .join(Person, col(Person.id) == col(PersonSession.person_id))
                         .join(Organisation, col(Organisation.id) == col(Person.organisation_id))
                         .where(PersonSession.token_hash == passwords.digest(token))).first()
    if found is None:
        return None
    web_session, person, organisation = found
    now = clock.now()
    if (web_session.revoked_at is not None or now >= web_session.expires_at
            or now >= web_session.last_seen_at + IDLE_TIMEOUT or not person.active):
        return None
    if now - web_session.last_seen_at >= LAST_SEEN_RESOLUTION:
        web_session.last_seen_at = now
        session.add(web_session)
        session.flush()
    return SignedIn(web_session=web_session, person=person, organisation=organisation, token=token,
                    enforce_two_factor=enforce_two_factor)


def complete_second_factor(*, session: Session, signed: SignedIn, how: str) -> SignedIn:
    """Mark the session as past its second factor, under a new token (the pre-2FA token stops working)."""
    token = secrets.token_urlsafe(32)
    web_session = signed.web_session
    web_session.second_factor_at = clock.now()
    web_session.token_hash = passwords.digest(token)
    session.add(web_session)
    session.flush()
    _clear_failures(session, account_of(signed.person.email))
    audit.record(session=session, organisation=signed.organisation, action="second_factor", entity_type=ENTITY,
                 entity_id=signed.person.id, person_id=signed.person.id,
                 detail={"how": how, "session_id": str(web_session.id)})
    return replace(signed, web_session=web_session, token=token)


def second_factor_failed(*, session: Session, signed: SignedIn, address: str, how: str) -> None:
    """Count and audit a wrong TOTP or recovery code."""
    record_failure(session=session, account=account_of(signed.person.email), address=address)
    audit.record(session=session, organisation=signed.organisation, action="sign_in_failed", entity_type=ENTITY,
                 entity_id=signed.person.id, person_id=signed.person.id, detail={"step": how})


# --- sessions ------------------------------------------------------------------------------------------------------


def list_sessions(*, session: Session, person: Person) -> list[PersonSession]:
    """A person's live sessions, newest first."""
    rows = session.exec(select(PersonSession).where(PersonSession.person_id == person.id, _live(clock.now()))
                        .order_by(col(PersonSession.created_at).desc(), col(PersonSession.id)))
    return list(rows)


def delete_ended(*, session: Session, at: datetime) -> int:
    """Delete every session that can no longer be used (revoked, idle or past its absolute end): each holds an
    address and a browser's name, and what a session did is in the audit already. Returns how many."""
    result = session.execute(delete(PersonSession).where(not_(_live(at))))
    return int(result.rowcount)  # type: ignore[attr-defined]  # a DML result counts its rows


def _live(now: datetime) -> ColumnElement[bool]:
    # The rule of authenticate(), as SQL: not revoked, before its absolute end, used within the idle timeout.
    return and_(col(PersonSession.revoked_at).is_(None), col(PersonSession.expires_at) > now,
                col(PersonSession.last_seen_at) > now - IDLE_TIMEOUT)


def revoke_session(*, session: Session, signed: SignedIn, session_id: uuid.UUID) -> None:
    """End one of the signed-in person's own sessions (404 for anyone else's)."""
    target = session.get(PersonSession, session_id)
    if target is None or target.person_id != signed.person.id or target.revoked_at is not None:
        raise NotFound(f"no session {session_id}")
    target.revoked_at = clock.now()
    session.add(target)
    session.flush()
    audit.record(session=session, organisation=signed.organisation, action="session_revoked", entity_type=ENTITY,
                 entity_id=signed.person.id, detail={"session_id": str(session_id)})


def sign_out(*, session: Session, signed: SignedIn) -> None:
    """End this session."""
    signed.web_session.revoked_at = clock.now()
    session.add(signed.web_session)
    session.flush()
    audit.record(session=session, organisation=signed.organisation, action="sign_out", entity_type=ENTITY,
                 entity_id=signed.person.id, detail={"session_id": str(signed.web_session.id)})


def sign_out_everywhere(*, session: Session, signed: SignedIn) -> int:
    """End every session of the signed-in person, this one included; returns how many."""
    ended = people_service.end_sessions(session=session, person=signed.person)
    audit.record(session=session, organisation=signed.organisation, action="sign_out_everywhere",
                 entity_type=ENTITY, entity_id=signed.person.id, detail={"sessions_ended": ended})
    return ended
