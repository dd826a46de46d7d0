"""Two-factor sign-in: TOTP (RFC 6238, 30-second steps, six digits, SHA-1 as every authenticator app does) and
ten single-use recovery codes."""

import hmac
import secrets
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy import or_, update
from sqlmodel import Session, col, func, select

from service import clock
from service.audit import service as audit
from service.organisations.models import Organisation
from service.people import passwords
from service.people.models import Person, RecoveryCode

ENTITY = "person"
ISSUER = "Doorstroom"
STEP_SECONDS = 30
# A code of the step before or after the current one is accepted too: phones' clocks drift.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
# 16 characters of base32: 80 random bits, so a fast hash of them is safe.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Enrolment:
    """What an authenticator app needs."""

    secret: str
    otpauth_uri: str
    qr_svg: str


def begin_enrolment(*, session: Session, person: Person, organisation: Organisation) -> Enrolment:
    """A new secret, pending until a code from it is confirmed; returns its otpauth URI and QR code (SVG)."""
    secret = pyotp.random_base32()
    person.totp_pending_secret = secret
    session.add(person)
    session.flush()
    audit.record(session=session, organisation=organisation, action="totp_enrolment_started", entity_type=ENTITY,
                 entity_id=person.id, person_id=person.id)
    return _enrolment(person, secret)


def pending_enrolment(*, person: Person) -> Enrolment:
    """The enrolment still waiting for its first code (shown again after a wrong code)."""
    assert person.totp_pending_secret is not None
    return _enrolment(person, person.totp_pending_secret)


def _enrolment(person: Person, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=person.email, issuer_name=ISSUER)
    qr_svg = segno.make_qr(uri, error="m").svg_inline(scale=4, title="TOTP enrolment")
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=qr_svg)


def _matching_step(secret: str, code: str, *, after_step: int | None) -> int | None:
    """The time step whose code `code` is (within the drift), never one at or before `after_step`."""
    code = code.strip()
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now_step = int(clock.now().timestamp()) // STEP_SECONDS
    found = None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        # Compare every candidate (constant time each) so the answer's timing says nothing about which matched.
        if hmac.compare_digest(totp.generate_otp(step), code) and (after_step is None or step > after_step):
            found = step
    return found


def confirm_enrolment(*, session: Session, person: Person, organisation: Organisation, code: str) -> list[str] | None:
    """Turn TOTP on when `code` fits the pending secret; returns the new recovery codes (None: wrong code)."""
    if person.totp_pending_secret is None:
        return None
    step = _matching_step(person.totp_pending_secret, code, after_step=None)
    if step is None:
        return None
    person.totp_secret = person.totp_pending_secret
    person.totp_pending_secret = None
    person.totp_enabled_at = clock.now()
    person.totp_last_step = step
    session.add(person)
    audit.record(session=session, organisation=organisation, action="totp_enrolled", entity_type=ENTITY,
                 entity_id=person.id, person_id=person.id)
    return new_recovery_codes(session=session, person=person)


def verify(*, session: Session, person: Person, code: str) -> bool:
    """True when `code` is the person's current TOTP code and was not used before (a replay is refused)."""
    if person.totp_secret is None:
        return False
    step = _matching_step(person.totp_secret, code, after_step=person.totp_last_step)
    if step is None:
        return False
    # Conditional, so two requests racing with the same code cannot both pass.
    moved = session.execute(
        update(Person)
        .where(col(Person.id) == person.id,
               or_(col(Person.totp_last_step).is_(None), col(Person.totp_last_step) < step))
        .values(totp_last_step=step)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        return False
    session.refresh(person)
    return True


def _normalise_code(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def new_recovery_codes(*, session: Session, person: Person) -> list[str]:
    """Replace a person's recovery codes with ten new ones, shown this once (stored as hashes)."""
    for old in session.exec(select(RecoveryCode).where(RecoveryCode.person_id == person.id)):
        session.delete(old)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        session.add(RecoveryCode(person_id=person.id, code_hash=passwords.digest(raw)))
    session.flush()
    return codes


def use_recovery_code(*, session: Session, person: Person, code: str) -> bool:
    """True when `code` is one of the person's unused recovery codes; it is used up (once, even when raced)."""
    used = session.execute(
        update(RecoveryCode)
        .where(col(RecoveryCode.person_id) == person.id,
               col(RecoveryCode.code_hash) == passwords.digest(_normalise_code(code)),
               col(RecoveryCode.used_at).is_(None))
        .values(used_at=clock.now())
    )
    return bool(used.rowcount)  # type: ignore[attr-defined]


def remaining_recovery_codes(*, session: Session, person: Person) -> int:
    """How many unused recovery codes a person has."""
    return session.exec(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.person_id == person.id, col(RecoveryCode.used_at).is_(None))).one()
