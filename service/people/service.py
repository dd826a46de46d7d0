"""People of an organisation: invitations with one-time set-up links, roles, deactivation, password set-up.

Every change is audited (entity type `person`); the audit names the admin who made it through the principal.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session, col, func, select

from service import clock
from service.audit import service as audit
from service.config import get_settings
from service.errors import Conflict, FieldError, InvalidFields, NotFound
from service.organisations.models import Organisation, OrganisationKind
from service.people import passwords
from service.people.models import Person, PersonRole, PersonSession, RecoveryCode, SetupPurpose, SetupToken
from service.people.schemas import PersonPublic

ENTITY = "person"
SETUP_LINK_LIFETIME = timedelta(hours=72)
# The page where a person chooses their password (service/web/auth.py); `GET/POST /v1/auth/setup` stay for clients.
SETUP_PATH = "/instellen"
# Their people see special-category data, so they sign in with a second factor.
TWO_FACTOR_KINDS = frozenset({OrganisationKind.coordinator.value, OrganisationKind.care_provider.value})


@dataclass(frozen=True)
class IssuedLink:
    """A set-up link as it is shown once."""

    url: str
    token: str
    expires_at: datetime


def normalise_email(email: str) -> str:
    """E-mail addresses are compared without case (and stored lower-cased)."""
    return email.strip().lower()


def two_factor_required(organisation: Organisation) -> bool:
    """True for coordinators' and care providers' people."""
    return organisation.kind in TWO_FACTOR_KINDS


def public(person: Person) -> PersonPublic:
    """The API view of a person."""
    return PersonPublic(id=person.id, organisation_id=person.organisation_id, email=person.email, name=person.name,
                        role=PersonRole(person.role), active=person.active,
                        password_set=person.password_hash is not None,
                        two_factor_enabled=person.totp_enabled_at is not None, created_at=person.created_at,
                        deactivated_at=person.deactivated_at)


def create_person(
    *, session: Session, organisation: Organisation, email: str, name: str, role: PersonRole,
    base_url: str | None = None,
) -> tuple[Person, IssuedLink]:
    """Add a person to an organisation and issue their set-up link (409 when the e-mail address is taken)."""
    email = normalise_email(email)
    if session.exec(select(Person.id).where(Person.email == email)).first() is not None:
        raise Conflict("a person with this e-mail address already exists")
    role = PersonRole(role)
    person = Person(organisation_id=organisation.id, email=email, name=name.strip(), role=role.value)
    session.add(person)
    session.flush()
    audit.record(session=session, organisation=organisation, action="invite", entity_type=ENTITY,
                 entity_id=person.id, detail={"role": role.value})
    return person, issue_setup_link(session=session, person=person, purpose=SetupPurpose.setup, base_url=base_url)


def issue_setup_link(
    *, session: Session, person: Person, purpose: SetupPurpose, base_url: str | None = None
) -> IssuedLink:
    """A new one-time set-up link for a person; any earlier unused link stops working."""
    now = clock.now()
    for old in session.exec(select(SetupToken).where(SetupToken.person_id == person.id,
                                                     col(SetupToken.used_at).is_(None))):
        old.used_at = now
        session.add(old)
    token = secrets.token_urlsafe(32)
    expires_at = now + SETUP_LINK_LIFETIME
    session.add(SetupToken(person_id=person.id, token_hash=passwords.digest(token), purpose=purpose.value,
                           expires_at=expires_at))
    session.flush()
    base = (base_url or get_settings().public_url).rstrip("/")
    return IssuedLink(url=f"{base}{SETUP_PATH}?token={token}", token=token, expires_at=expires_at)


def _valid_token(session: Session, token: str) -> tuple[SetupToken, Person, Organisation] | None:
    found = session.exec(
        select(SetupToken, Person, Organisation)
        .join(Person, col(Person.id) == col(SetupToken.person_id))
        .join(Organisation, col(Organisation.id) == col(Person.organisation_id))
        .where(SetupToken.token_hash == passwords.digest(token))
    ).first()
    if found is None:
        return None
    setup, person, organisation = found
    if setup.used_at is not None or setup.expires_at <= clock.now() or not person.active:
        return None
    return setup, person, organisation


def delete_spent_setup_links(*, session: Session, at: datetime) -> int:
    """Delete the set-up links that can no longer be used (used, replaced or expired): a link is a way in, and
    its use is in the audit. Returns how many."""
    result = session.execute(delete(SetupToken).where(
        or_(col(SetupToken.used_at).is_not(None), col(SetupToken.expires_at) <= at)))
    return int(result.rowcount)  # type: ignore[attr-defined]  # a DML result counts its rows


def setup_info(*, session: Session, token: str) -> tuple[SetupToken, Person, Organisation]:
    """The person a valid set-up link is for; 404 when it is unknown, used or expired."""
    found = _valid_token(session, token)
    if found is None:
        raise NotFound("this set-up link is not valid: it was used, replaced or has expired")
    return found


def complete_setup(*, session: Session, token: str, password: str) -> Person:
    """Set a person's password with a set-up link; the link is used up and the person's sessions end."""
    setup, person, organisation = setup_info(session=session, token=token)
    problem = passwords.policy_problem(password)
    if problem:
        raise InvalidFields([FieldError(field="password", message=problem, type="password_policy")])
    now = clock.now()
    person.password_hash = passwords.hash_password(password)
    person.password_set_at = now
    setup.used_at = now
    session.add_all([person, setup])
    ended = end_sessions(session=session, person=person)
    session.flush()
    audit.record(session=session, organisation=organisation, action="password_set", entity_type=ENTITY,
                 entity_id=person.id, person_id=person.id,
                 detail={"purpose": setup.purpose, "sessions_ended": ended})
    return person


def end_sessions(*, session: Session, person: Person, keep: uuid.UUID | None = None) -> int:
    """Revoke every live session of a person (but `keep`); returns how many were ended."""
    now = clock.now()
    ended = 0
    for live in session.exec(select(PersonSession).where(PersonSession.person_id == person.id,
                                                         col(PersonSession.revoked_at).is_(None))):
        if live.id != keep:
            live.revoked_at = now
            session.add(live)
            ended += 1
    session.flush()
    return ended


def list_people(
    *, session: Session, organisation: Organisation, limit: int, offset: int, active: bool | None = None
) -> tuple[list[Person], int]:
    """An organisation's people, by name, optionally only the active or the deactivated ones."""
    query = select(Person).where(Person.organisation_id == organisation.id)
    if active is not None:
        query = query.where(col(Person.active).is_(active))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Person.name), col(Person.id)).limit(limit).offset(offset)).all()
    return list(rows), total


def count_people(*, session: Session, organisation: Organisation) -> dict[bool, int]:
    """How many of an organisation's people are active (True) and deactivated (False), in one query."""
    counts = {True: 0, False: 0}
    for active, number in session.exec(select(Person.active, func.count()).where(
            Person.organisation_id == organisation.id).group_by(col(Person.active))):
        counts[bool(active)] = number
    return counts


def get_person(*, session: Session, organisation: Organisation, person_id: uuid.UUID) -> Person:
    """One of the organisation's people; 404 for anyone else's."""
    person = session.get(Person, person_id)
    if person is None or person.organisation_id != organisation.id:
        raise NotFound(f"no person {person_id}")
    return person


def _other_active_admins(session: Session, person: Person) -> int:
    return session.exec(select(func.count()).select_from(Person).where(
        Person.organisation_id == person.organisation_id, Person.role == PersonRole.admin.value,
        col(Person.active).is_(True), Person.id != person.id)).one()


def change_role(*, session: Session, organisation: Organisation, person_id: uuid.UUID, role: PersonRole) -> Person:
    """Make a person an admin or a member; the organisation's last active admin stays an admin (409)."""
    person = get_person(session=session, organisation=organisation, person_id=person_id)
    if person.role == role.value:
        return person
    if person.role == PersonRole.admin.value and person.active and not _other_active_admins(session, person):
        raise Conflict("this is the organisation's last admin; make another person admin first")
    before = person.role
    person.role = role.value
    session.add(person)
    session.flush()
    audit.record(session=session, organisation=organisation, action="role_change", entity_type=ENTITY,
                 entity_id=person.id, detail={"from": before, "to": role.value})
    return person


def deactivate(*, session: Session, organisation: Organisation, person_id: uuid.UUID) -> Person:
    """Stop a person signing in: their sessions and set-up links end at once (409 for the last admin)."""
    person = get_person(session=session, organisation=organisation, person_id=person_id)
    if not person.active:
        return person
    if person.role == PersonRole.admin.value and not _other_active_admins(session, person):
        raise Conflict("this is the organisation's last admin; make another person admin first")
    now = clock.now()
    person.active = False
    person.deactivated_at = now
    session.add(person)
    ended = end_sessions(session=session, person=person)
    for link in session.exec(select(SetupToken).where(SetupToken.person_id == person.id,
                                                      col(SetupToken.used_at).is_(None))):
        link.used_at = now
        session.add(link)
    session.flush()
    audit.record(session=session, organisation=organisation, action="deactivate", entity_type=ENTITY,
                 entity_id=person.id, detail={"sessions_ended": ended})
    return person


def reset(
    *, session: Session, organisation: Organisation, person_id: uuid.UUID, reset_two_factor: bool,
    base_url: str | None = None,
) -> IssuedLink:
    """Issue a reset link (the old password works until it is used); optionally clear TOTP and recovery codes."""
    person = get_person(session=session, organisation=organisation, person_id=person_id)
    if not person.active:
        raise Conflict("this person is deactivated")
    if reset_two_factor:
        person.totp_secret = person.totp_pending_secret = None
        person.totp_enabled_at = person.totp_last_step = None
        session.add(person)
        for code in session.exec(select(RecoveryCode).where(RecoveryCode.person_id == person.id)):
            session.delete(code)
        end_sessions(session=session, person=person)
    link = issue_setup_link(session=session, person=person, purpose=SetupPurpose.reset, base_url=base_url)
    audit.record(session=session, organisation=organisation, action="reset", entity_type=ENTITY,
                 entity_id=person.id, detail={"two_factor": reset_two_factor})
    return link


def set_password_directly(*, session: Session, person: Person, password: str) -> None:
    """Give a person a password without a link (the demo); the policy still applies."""
    problem = passwords.policy_problem(password)
    if problem:
        raise ValueError(f"password {problem}")
    person.password_hash = passwords.hash_password(password)
    person.password_set_at = clock.now()
    session.add(person)
    session.flush()
