"""Numbering registration changes and storing each registration's versions, at commit.

Any flush that writes a registration, an exemption or a shortlist candidate marks the registration as changed.
Just before the transaction commits, each changed registration whose matcher document or status differs from its
newest version gets a new version under one new change number. The number is taken from a one-row counter under
its row lock, after the registrations themselves are locked, and held until commit: numbers become visible in
the order they were given, so a reader that has seen number N has seen every change up to N.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from service.exemptions.models import Exemption
from service.pool.docs import MatcherDoc, digest_of, doc_of
from service.pool.models import ChangeCounter, ContentBlob, RegistrationVersion
from service.registrations.models import Registration
from service.shortlists.models import ShortlistCandidate

CHANGED = "doorstroom.changed_registrations"


@dataclass(frozen=True)
class Version:
    """One registration as the matcher saw it from change number `seq` on."""

    registration_id: uuid.UUID
    seq: int
    status: str
    digest: str
    doc: MatcherDoc


def mark_changed(session: OrmSession, registration_ids: Iterable[uuid.UUID]) -> None:
    """Record registrations whose matcher view may have changed (bulk statements call this themselves)."""
    session.info.setdefault(CHANGED, set()).update(registration_ids)


@event.listens_for(OrmSession, "before_flush")
def _collect(session: OrmSession, _context: Any, _instances: Any) -> None:
    ids = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Registration):
            ids.add(obj.id)
        elif isinstance(obj, Exemption | ShortlistCandidate):
            ids.add(obj.registration_id)
    if ids:
        mark_changed(session, ids)


@event.listens_for(OrmSession, "before_commit")
def _stamp(session: OrmSession) -> None:
    session.flush()
    ids = session.info.pop(CHANGED, None)
    if ids:
        record_versions(session, ids)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    # A rolled-back savepoint may have held some of these changes; stamping a registration whose view did not
    # change is harmless (its document and status match the newest version, so nothing is written).
    if not session.in_transaction():
        session.info.pop(CHANGED, None)


def insert_ignoring_duplicates(session: OrmSession, table: Any, rows: list[dict[str, Any]],
                               keys: list[str]) -> None:
    """INSERT these rows, skipping those whose key exists already (content-addressed rows are written once)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(maker(table).values(rows).on_conflict_do_nothing(index_elements=keys))


def record_versions(session: OrmSession, registration_ids: Iterable[uuid.UUID]) -> int | None:
    """Give every changed registration a new version under one new change number; returns it (None: no change)."""
    ids = sorted(set(registration_ids))
    if not ids:
        return None
    # Lock the registrations before the counter: whoever holds the counter then never waits for a row.
    regs = list(session.execute(select(Registration).where(col(Registration.id).in_(ids))
                                .order_by(col(Registration.id)).with_for_update()).scalars())
    if not regs:
        return None
    exemptions: dict[uuid.UUID, list[Exemption]] = {}
    for exemption in session.execute(select(Exemption).where(col(Exemption.registration_id).in_(ids))).scalars():
        exemptions.setdefault(exemption.registration_id, []).append(exemption)
    newest = {rid: (status, digest) for rid, status, digest in session.execute(
        select(RegistrationVersion.registration_id, RegistrationVersion.status, RegistrationVersion.digest)
        .join(Registration, (col(Registration.id) == col(RegistrationVersion.registration_id))
              & (col(Registration.match_seq) == col(RegistrationVersion.seq)))
        .where(col(RegistrationVersion.registration_id).in_(ids)))}
    blobs: dict[str, bytes] = {}
    changed: list[tuple[Registration, str]] = []
    for reg in regs:
        data = doc_of(reg, exemptions.get(reg.id, [])).encode()
        digest = digest_of(data)
        if newest.get(reg.id) != (reg.status, digest):
            blobs[digest] = data
            changed.append((reg, digest))
    if not changed:
        return None
    seq = session.execute(update(ChangeCounter).where(col(ChangeCounter.id) == 1)
                          .values(value=col(ChangeCounter.value) + 1).returning(col(ChangeCounter.value))).scalar_one()
    insert_ignoring_duplicates(session, ContentBlob, [{"digest": d, "data": b} for d, b in blobs.items()],
                               ["digest"])
    session.execute(insert(RegistrationVersion), [
        {"registration_id": reg.id, "seq": seq, "status": reg.status, "digest": digest} for reg, digest in changed])
    session.execute(update(Registration).where(col(Registration.id).in_([reg.id for reg, _ in changed]))
                    .values(match_seq=seq).execution_options(synchronize_session=False))
    for reg, _ in changed:
        # Keep loaded objects in step without a reload (and without marking them dirty again).
        reg.__dict__["match_seq"] = seq
    return seq


def record_missing(session: Session) -> int:
    """Versions for registrations that have none (stored before versions existed, or inserted in bulk)."""
    ids = list(session.execute(select(Registration.id).where(col(Registration.match_seq) == 0)).scalars())
    for start in range(0, len(ids), 2000):
        record_versions(session, ids[start:start + 2000])
    return len(ids)


def current_seq(session: OrmSession) -> int:
    """The newest change number that has committed (or this transaction's own)."""
    return int(session.execute(select(ChangeCounter.value).where(col(ChangeCounter.id) == 1)).scalar_one())


def _versions(session: OrmSession, query: Any) -> list[Version]:
    rows = session.execute(query.join(ContentBlob, col(ContentBlob.digest) == col(RegistrationVersion.digest))).all()
    cache: dict[str, MatcherDoc] = {}
    out = []
    for rid, seq, status, digest, data in rows:
        doc = cache.get(digest)
        if doc is None:
            doc = cache[digest] = MatcherDoc.decode(data)
        out.append(Version(registration_id=rid, seq=seq, status=status, digest=digest, doc=doc))
    return out


VERSION_COLUMNS = (RegistrationVersion.registration_id, RegistrationVersion.seq, RegistrationVersion.status,
                   RegistrationVersion.digest, ContentBlob.data)


def versions_between(session: OrmSession, after: int, upto: int) -> list[Version]:
    """Every version numbered in (after, upto], oldest first."""
    return _versions(session, select(*VERSION_COLUMNS)
                     .where(col(RegistrationVersion.seq) > after, col(RegistrationVersion.seq) <= upto)
                     .order_by(col(RegistrationVersion.seq)))


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
    return session.execute(select(ContentBlob.data).where(col(ContentBlob.digest) == digest)).scalar_one_or_none()
