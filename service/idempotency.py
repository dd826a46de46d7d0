"""The one idempotent create: the same reference again answers with the stored record, never a second one.

A client that repeats a POST (a lost answer, a retry) sends the same reference (a dwelling's `external_ref`, a
registration's `client_ref`) with the same body, and gets the record the first one created, marked as a replay (the
route answers 200 instead of 201). The same reference with another body is a 409 naming the existing record. Two
identical requests at once both find nothing; the loser's insert fails on the reference's unique constraint inside
a savepoint, which leaves its transaction usable, and it replays the winner's record.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from service.audit import service as audit
from service.db import joined, reading
from service.errors import Conflict
from service.organisations.models import Organisation


class Referenced(Protocol):
    """A record created once per reference: its id, and the digest of the body that created it."""

    id: uuid.UUID
    create_digest: str


R = TypeVar("R", bound=Referenced)


@dataclass(frozen=True)
class Created(Generic[R]):
    """The record a create resulted in, and whether it was created now (False: an idempotent replay)."""

    record: R
    created: bool


@dataclass(frozen=True)
class Kind(Generic[R]):
    """How one kind of record is created once: its audit name, what a conflict says, whether a replay is a read."""

    entity_type: str
    # The 409's message for a reference already used with another body (given the existing record).
    taken: Callable[[R], str]
    # The detail of the `create` audit record.
    detail: Callable[[R], dict[str, Any]]
    # A replay answers with the whole stored record: where reading that record is audited, so is its replay.
    replay_is_read: bool
    # Insert with one INSERT ... ON CONFLICT DO NOTHING instead of the ORM's insert in a savepoint. Only for
    # records whose insert no unit-of-work hook watches (a registration's is: it gets its first version).
    direct_insert: bool = False


def digest_of(data: BaseModel) -> str:
    """The digest of a request body that tells a replay (equal) from another use of its reference."""
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


def create_once(*, session: Session, org: Organisation, kind: Kind[R], data: BaseModel,
                find: Callable[[Session], R | None], make: Callable[[Session, str], R]) -> Created[R]:
    """The record `find` returns for this reference (a replay), or the one `make` builds from the body's digest.

    `make` checks what it must (its errors reach the client as they are) and returns the record unsaved; it is
    called only when no record has the reference. Both only read, in the session they are given: on SQLite one
    of its own before the write transaction begins (service.db.reading), so the write lock is taken for the insert
    and the audit alone. A record inserted meanwhile by another request is caught by the reference's unique
    constraint, and then replayed.
    """
    digest = digest_of(data)
    with reading(session) as reader:
        existing = find(reader)
        record = make(reader, digest) if existing is None else None
    if existing is not None:
        return _replayed(session=session, org=org, kind=kind, existing=joined(session, existing), digest=digest)
    assert record is not None
    refused = _insert(session, record, direct=kind.direct_insert)
    if refused is not None:
        # Lost a race with a concurrent identical request (the transaction is still usable): replay its record.
        existing = find(session)
        if existing is None:
            raise refused
        return _replayed(session=session, org=org, kind=kind, existing=existing, digest=digest)
    audit.record(session=session, organisation=org, action="create", entity_type=kind.entity_type,
                 entity_id=record.id, detail=kind.detail(record))
    return Created(record=record, created=True)


def _insert(session: Session, record: Referenced, *, direct: bool) -> Exception | None:
    """Insert the record; or the refusal when a unique constraint refused it (its reference taken meanwhile)."""
    if not direct:
        try:
            # A savepoint, so that a refused insert leaves the transaction usable.
            with session.begin_nested():
                session.add(record)
        except IntegrityError as exc:
            return exc
        return None
    # One statement instead of SAVEPOINT, INSERT, RELEASE: a unique conflict inserts nothing and returns no row
    # (any other failure, a foreign key say, raises as it would have).
    mapper = sa_inspect(type(record))
    table = mapper.local_table
    row = {prop.columns[0].key: getattr(record, prop.key) for prop in mapper.column_attrs}
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    written = session.execute(maker(table).values(row).on_conflict_do_nothing()
                              .returning(*table.primary_key.columns)).first()
    if written is None:
        return LookupError(f"a unique constraint refused this {table.name}, yet none has its reference")
    # The row is stored: the object joins the session as that row (persistent), not as a pending insert.
    make_transient_to_detached(record)
    session.add(record)
    return None


def _replayed(*, session: Session, org: Organisation, kind: Kind[R], existing: R, digest: str) -> Created[R]:
    if existing.create_digest != digest:
        raise Conflict(kind.taken(existing), existing_id=str(existing.id))
    if kind.replay_is_read:
        audit.record_reads(session=session, organisation=org, entity_type=kind.entity_type, entity_ids=[existing.id])
    return Created(record=existing, created=False)
