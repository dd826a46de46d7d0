"""Numbering registration changes and storing each registration's versions, at commit.

Any flush that writes a registration, an exemption or a shortlist candidate marks the registration as changed.
Just before the transaction commits, each changed registration whose matcher document or status differs from its
newest version gets a new version under one new change number. The number is taken from a one-row counter under
its row lock, after the registrations themselves are locked, and held until commit: numbers become visible in
the order they were given, so a reader that has seen number N has seen every change up to N.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import bindparam, event, func, insert, inspect, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col

from service.exemptions.models import Exemption
from service.registrations.models import Registration
from service.shortlists.models import ShortlistCandidate
from service.shortlists.pool.docs import MatcherDoc, digest_of, doc_of
from service.shortlists.pool.models import ChangeCounter, ContentBlob, RegistrationVersion

CHANGED = "doorstroom.changed_registrations"
# Of those, the ones whose matcher document may have changed (not only their status).
DOC_CHANGED = "doorstroom.changed_documents"
# Registrations this transaction has written a change to, so it holds their row locks.
UPDATED = "doorstroom.updated_registrations"
# Registrations claimed in this transaction (locked, and kept loaded until commit).
CLAIMED = "doorstroom.claimed_registrations"
# Registrations this transaction inserted, by id, kept loaded until commit (the identity map holds objects only
# weakly): unless it also wrote one of their exemptions, their document is at hand, there is no older version, and
# no other transaction can see (or lock) the row yet.
CREATED = "doorstroom.created_registrations"
EXEMPTED = "doorstroom.exempted_registrations"
# What the matcher reads of a registration row: a change to any other column cannot change its document.
DOC_FIELDS = ("region_code", "birth_year", "adults", "children_birth_years", "annual_income_cents", "support_intensity",
              "low_stimulus", "needs_wheelchair", "needs_no_stairs", "contract", "ready_from", "waiting_since",
              "created_at", "avoid_nearby", "avoid_areas", "avoid_points", "regional_ties", "preferred_municipalities")


@dataclass(frozen=True)
class Version:
    """One registration as the matcher saw it from change number `seq` on."""

    registration_id: uuid.UUID
    seq: int
    status: str
    digest: str
    doc: MatcherDoc


def mark_changed(session: OrmSession, registration_ids: Iterable[uuid.UUID], *, document: bool = True) -> None:
    """Record registrations whose matcher view may have changed (bulk statements call this themselves)."""
    ids = set(registration_ids)
    session.info.setdefault(CHANGED, set()).update(ids)
    if document:
        session.info.setdefault(DOC_CHANGED, set()).update(ids)


@event.listens_for(OrmSession, "before_flush")
def _collect(session: OrmSession, _context: Any, _instances: Any) -> None:
    status_only, document = set(), set()
    for obj in session.new:
        if isinstance(obj, Registration):
            document.add(obj.id)
            session.info.setdefault(CREATED, {})[obj.id] = obj
        elif isinstance(obj, Exemption):
            document.add(obj.registration_id)
            session.info.setdefault(EXEMPTED, set()).add(obj.registration_id)
        elif isinstance(obj, ShortlistCandidate):
            status_only.add(obj.registration_id)
    for obj in session.dirty:
        if isinstance(obj, Registration):
            if not session.is_modified(obj):
                continue
            session.info.setdefault(UPDATED, set()).add(obj.id)
            attrs = inspect(obj).attrs  # built anew on every access: once per object, not once per field
            fields = any(attrs[name].history.has_changes() for name in DOC_FIELDS)
            (document if fields else status_only).add(obj.id)
        elif isinstance(obj, Exemption):
            document.add(obj.registration_id)
            session.info.setdefault(EXEMPTED, set()).add(obj.registration_id)
        elif isinstance(obj, ShortlistCandidate):
            status_only.add(obj.registration_id)
    if document:
        mark_changed(session, document)
    if status_only:
        mark_changed(session, status_only, document=False)


@event.listens_for(OrmSession, "before_commit")
def _stamp(session: OrmSession) -> None:
    # A savepoint's release fires this too: number the changes once, when the whole transaction commits.
    if session.in_nested_transaction():
        return
    session.flush()
    ids = session.info.pop(CHANGED, None)
    documents = session.info.pop(DOC_CHANGED, set())
    if ids:
        record_versions(session, ids, documents=documents)
    for key in (UPDATED, CLAIMED, CREATED, EXEMPTED):
        session.info.pop(key, None)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    # A rolled-back savepoint may have held some of these changes; stamping a registration whose view did not
    # change is harmless (its document and status match the newest version, so nothing is written).
    if not session.in_transaction():
        for key in (CHANGED, DOC_CHANGED, UPDATED, CLAIMED, CREATED, EXEMPTED):
            session.info.pop(key, None)


def insert_ignoring_duplicates(session: OrmSession, table: Any, rows: list[dict[str, Any]],
                               keys: list[str]) -> None:
    """INSERT these rows, skipping those whose key exists already (content-addressed rows are written once)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(maker(table).values(rows).on_conflict_do_nothing(index_elements=keys))


def record_versions(session: OrmSession, registration_ids: Iterable[uuid.UUID],
                    documents: set[uuid.UUID] | None = None) -> int | None:
    """Give every changed registration a new version under one new change number; returns it (None: no change).

    `documents` names those whose matcher document may have changed (default: all). For the others only the
    status can have changed: when their row is at hand, locked by this transaction's own update, their newest
    document is reused without reading anything.
    """
    ids = sorted(set(registration_ids))
    if not ids:
        return None
    documents = set(ids) if documents is None else documents
    known, rest = _status_only_rows(session, [rid for rid in ids if rid not in documents])
    changed: list[tuple[Registration, str]] = [(reg, reg.match_digest) for reg in known
                                               if reg.match_digest is not None]
    rest += [reg.id for reg in known if reg.match_digest is None]
    blobs: dict[str, bytes] = {}
    full = sorted({*rest, *(rid for rid in ids if rid in documents)})
    created, full = _created_rows(session, full)
    for reg in created:
        data = doc_of(reg, []).encode()
        blobs[digest := digest_of(data)] = data
        changed.append((reg, digest))
    if full:
        changed += _with_documents(session, full, blobs)
    if not changed:
        return None
    seq = session.execute(update(ChangeCounter).where(col(ChangeCounter.id) == 1)
                          .values(value=col(ChangeCounter.value) + 1).returning(col(ChangeCounter.value))).scalar_one()
    insert_ignoring_duplicates(session, ContentBlob, [{"digest": d, "data": b} for d, b in blobs.items()],
                               ["digest"])
    session.execute(insert(RegistrationVersion), [
        {"registration_id": reg.id, "seq": seq, "status": reg.status, "digest": digest} for reg, digest in changed])
    # A status change keeps the document: those rows get their new number in one statement.
    same = [reg.id for reg, digest in changed if reg.match_digest == digest]
    if same:
        session.execute(update(Registration).where(col(Registration.id).in_(same)).values(match_seq=seq)
                        .execution_options(synchronize_session=False))
    moved = [{"rid": reg.id, "digest": digest} for reg, digest in changed if reg.match_digest != digest]
    if moved:
        table = Registration.__table__  # type: ignore[attr-defined]
        session.execute(update(table).where(table.c.id == bindparam("rid"))
                        .values(match_seq=seq, match_digest=bindparam("digest")), moved)
    for reg, digest in changed:
        # Keep loaded objects in step without a reload (and without marking them dirty again).
        reg.__dict__["match_seq"], reg.__dict__["match_digest"] = seq, digest
    return seq


def _status_only_rows(session: OrmSession, ids: list[uuid.UUID]) -> tuple[list[Registration], list[uuid.UUID]]:
    """The loaded registrations among `ids` that this transaction updated itself (so holds their row locks)."""
    known: list[Registration] = []
    rest: list[uuid.UUID] = []
    for rid in ids:
        reg = session.identity_map.get(identity_key(Registration, rid))
        state = inspect(reg) if reg is not None else None
        if state is not None and state.persistent and not state.expired and rid in session.info.get(UPDATED, ()):
            known.append(reg)  # type: ignore[arg-type]
        else:
            rest.append(rid)
    return known, rest


def _created_rows(session: OrmSession, ids: list[uuid.UUID]) -> tuple[list[Registration], list[uuid.UUID]]:
    """The loaded registrations among `ids` that this transaction inserted, with no exemption written: their
    document needs no reads (the rest are read, locked, by `_with_documents`)."""
    created: dict[uuid.UUID, Registration] = session.info.get(CREATED, {})
    exempted: set[uuid.UUID] = session.info.get(EXEMPTED, set())
    known: list[Registration] = []
    rest: list[uuid.UUID] = []
    for rid in ids:
        reg = created.get(rid) if rid not in exempted else None
        # A savepoint rolled back may have undone the insert (a replayed reference): then the object is not
        # persistent, and the registration is read like any other.
        state = inspect(reg) if reg is not None else None
        if state is not None and state.persistent and not state.expired:
            known.append(reg)  # type: ignore[arg-type]
        else:
            rest.append(rid)
    return known, rest


def _with_documents(session: OrmSession, ids: list[uuid.UUID],
                    blobs: dict[str, bytes]) -> list[tuple[Registration, str]]:
    # Lock the registrations before the counter: whoever holds the counter then never waits for a row.
    regs = list(session.execute(select(Registration).where(col(Registration.id).in_(ids))
                                .order_by(col(Registration.id)).with_for_update()).scalars())
    exemptions: dict[uuid.UUID, list[Exemption]] = {}
    for exemption in session.execute(select(Exemption).where(col(Exemption.registration_id).in_(ids))).scalars():
        exemptions.setdefault(exemption.registration_id, []).append(exemption)
    newest = {rid: (status, digest) for rid, status, digest in session.execute(
        select(col(RegistrationVersion.registration_id), col(RegistrationVersion.status),
               col(RegistrationVersion.digest))
        .join(Registration, (col(Registration.id) == col(RegistrationVersion.registration_id))
              & (col(Registration.match_seq) == col(RegistrationVersion.seq)))
        .where(col(RegistrationVersion.registration_id).in_(ids)))}
    changed: list[tuple[Registration, str]] = []
    for reg in regs:
        data = doc_of(reg, exemptions.get(reg.id, [])).encode()
        digest = digest_of(data)
        previous = newest.get(reg.id)
        if previous != (reg.status, digest):
            if previous is None or previous[1] != digest:  # a status change alone reuses the stored document
                blobs[digest] = data
            changed.append((reg, digest))
    return changed


def record_missing(session: Session) -> int:
    """Versions for registrations that have none (stored before versions existed, or inserted in bulk)."""
    ids: list[uuid.UUID] = list(session.execute(
        select(col(Registration.id)).where(col(Registration.match_seq) == 0)).scalars())
    for start in range(0, len(ids), 2000):
        record_versions(session, ids[start:start + 2000])
    return len(ids)


def current_seq(session: OrmSession) -> int:
    """The newest change number that has committed (or this transaction's own)."""
    return int(session.execute(select(col(ChangeCounter.value)).where(col(ChangeCounter.id) == 1)).scalar_one())


@dataclass(frozen=True)
class Head:
    """A version without its document: which registration, its change number, status and document digest."""

    registration_id: uuid.UUID
    seq: int
    status: str
    digest: str


def changes_after(session: OrmSession, after: int,
                  marker: tuple[int, uuid.UUID] | None) -> tuple[int, bool, list[Head]]:
    """The newest change number, whether the version `marker` names is still there, and every version numbered
    after `after` up to that number, oldest first, without documents: one round trip, one snapshot."""
    counter = ChangeCounter.__table__  # type: ignore[attr-defined]
    table = RegistrationVersion.__table__  # type: ignore[attr-defined]
    if marker is None:
        still: Any = literal(1)
    else:
        still = (select(func.count()).select_from(table)
                 .where(table.c.seq == marker[0], table.c.registration_id == marker[1]).scalar_subquery())
    rows: Sequence[Any] = session.execute(
        select(counter.c.value, still, table.c.registration_id, table.c.seq, table.c.status, table.c.digest)
        .select_from(counter.outerjoin(table, (table.c.seq > after) & (table.c.seq <= counter.c.value)))
        .where(counter.c.id == 1).order_by(table.c.seq)).all()
    heads = [Head(registration_id=row[2], seq=int(row[3]), status=row[4], digest=row[5])
             for row in rows if row[2] is not None]
    return int(rows[0][0]), bool(rows[0][1]), heads


def documents(session: OrmSession, digests: Iterable[str]) -> dict[str, MatcherDoc]:
    """The stored matcher documents of these digests (an erased one is absent)."""
    wanted = sorted(set(digests))
    if not wanted:
        return {}
    return {digest: MatcherDoc.decode(data) for digest, data in session.execute(
        select(col(ContentBlob.digest), col(ContentBlob.data)).where(col(ContentBlob.digest).in_(wanted)))}


def _versions(session: OrmSession, query: Any) -> list[Version]:
    rows = session.execute(query.join(ContentBlob, col(ContentBlob.digest) == col(RegistrationVersion.digest))).all()
    cache: dict[str, MatcherDoc] = {}
    out = []
    for row in rows:
        # The columns of VERSION_COLUMNS, in that order (a query built with select(*columns) loses their types).
        rid, seq, status, digest, data = cast(tuple[uuid.UUID, int, str, str, bytes], tuple(row))
        doc = cache.get(digest)
        if doc is None:
            doc = cache[digest] = MatcherDoc.decode(data)
        out.append(Version(registration_id=rid, seq=seq, status=status, digest=digest, doc=doc))
    return out


VERSION_COLUMNS = (col(RegistrationVersion.registration_id), col(RegistrationVersion.seq),
                   col(RegistrationVersion.status), col(RegistrationVersion.digest), col(ContentBlob.data))


def versions_as_of(session: OrmSession, seq: int, statuses: Iterable[str]) -> list[Version]:
    """Each registration's newest version numbered up to `seq`, where that version has one of `statuses`."""
    newest = (select(col(RegistrationVersion.registration_id).label("rid"),
                     func.max(col(RegistrationVersion.seq)).label("top"))
              .where(col(RegistrationVersion.seq) <= seq).group_by(col(RegistrationVersion.registration_id))
              .subquery())
    return _versions(session, select(*VERSION_COLUMNS)
                     .join(newest, (newest.c.rid == col(RegistrationVersion.registration_id))
                           & (newest.c.top == col(RegistrationVersion.seq)))
                     .where(col(RegistrationVersion.status).in_(list(statuses))))


def current_versions(session: OrmSession, statuses: Iterable[str]) -> list[Version]:
    """The newest version of every registration now in one of `statuses` (a worker's cold start)."""
    return _versions(session, select(*VERSION_COLUMNS)
                     .join(Registration, (col(Registration.id) == col(RegistrationVersion.registration_id))
                           & (col(Registration.match_seq) == col(RegistrationVersion.seq)))
                     .where(col(Registration.status).in_(list(statuses))))


def store_blob(session: OrmSession, data: bytes) -> str:
    """Store bytes once under their digest; returns the digest."""
    digest = digest_of(data)
    insert_ignoring_duplicates(session, ContentBlob, [{"digest": digest, "data": data}], ["digest"])
    return digest


def load_blob(session: OrmSession, digest: str) -> bytes | None:
    """The bytes stored under a digest, if any."""
    return session.execute(select(col(ContentBlob.data)).where(col(ContentBlob.digest) == digest)).scalar_one_or_none()
