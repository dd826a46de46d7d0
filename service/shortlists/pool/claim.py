"""Claiming candidates: the one way a registration becomes a candidate on a shortlist.

A claim locks the candidates' registration rows (skipping rows another transaction holds: that registration is
being changed or claimed, so it has lost this race) and keeps only those still active and still at the version
the solve saw. The partial unique index on live candidates is the backstop: even a path that forgot to claim
cannot put one registration on two open shortlists.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from service.organisations.models import Organisation
from service.registrations.models import REGISTRATION_STATES, Registration, RegistrationStatus
from service.shortlists.models import CandidateStatus, Shortlist, ShortlistCandidate
from service.shortlists.pool import versions
from service.shortlists.pool.pool import PoolView
from service.sqltypes import utcnow
from service.states import move


@dataclass(frozen=True)
class Claim:
    """Which rows of a view were claimed, and which were lost (changed, taken or locked by another transaction)."""

    won: tuple[int, ...]
    lost: tuple[int, ...]
    # The lost rows not to propose again in this solve: no longer active, or locked by another transaction.
    # (A row that is active at a newer version is lost too, but the next solve sees that version.)
    taken: tuple[int, ...]


def claim_rows(session: Session, view: PoolView, rows: list[int]) -> Claim:
    """Lock and check the registrations of these view rows; the won ones stay locked until commit."""
    if not rows:
        return Claim(won=(), lost=(), taken=())
    ids = {uuid.UUID(view.ids[r]): r for r in rows}
    # Whole rows, held by the session until commit, so that nominating them next reads nothing more.
    loaded: list[Registration] = list(session.execute(select(Registration).where(col(Registration.id).in_(list(ids)))
                                  .order_by(col(Registration.id)).with_for_update(skip_locked=True)).scalars())
    session.info.setdefault(versions.CLAIMED, {}).update({reg.id: reg for reg in loaded})
    found = {reg.id: (reg.status, reg.match_seq) for reg in loaded}
    own = {rid for rid, _, _ in view.overlay}
    won, lost, taken = [], [], []
    for rid, row in ids.items():
        status, seq = found.get(rid, (None, None))
        if status != RegistrationStatus.active.value:
            lost.append(row)
            taken.append(row)
        elif str(rid) in own or seq == int(view.row_seq[row]):
            won.append(row)
        else:
            lost.append(row)
    return Claim(won=tuple(sorted(won)), lost=tuple(sorted(lost)), taken=tuple(sorted(taken)))


@dataclass(frozen=True)
class Nomination:
    """A claimed registration to put on a shortlist, at a rank, with its score."""

    registration_id: uuid.UUID
    rank: int
    score: int
    score_breakdown: dict[str, Any]


def nominate(session: Session, *, shortlist: Shortlist, nominations: list[Nomination],
             org: Organisation | None, reason: str) -> list[Nomination]:
    """Put claimed registrations on a shortlist and make them nominated; returns those the database accepted.

    The caller holds the registrations' row locks and saw them active. One INSERT ... ON CONFLICT DO NOTHING
    writes them all: a row the one-live-nomination index refuses is skipped (the transaction stays usable, no
    savepoint needed), and RETURNING names the rows written.
    """
    if not nominations:
        return []
    session.flush()  # the shortlist (and any candidate it replaces) before its new rows
    table = ShortlistCandidate.__table__  # type: ignore[attr-defined]
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [{"id": uuid.uuid4(), "shortlist_id": shortlist.id, "registration_id": n.registration_id,
             "rank": n.rank, "score": n.score, "score_breakdown": n.score_breakdown,
             "status": CandidateStatus.proposed.value, "updated_at": now} for n in nominations]
    written: set[uuid.UUID] = set(session.execute(maker(table).values(rows).on_conflict_do_nothing()
                                  .returning(table.c.registration_id)).scalars())
    placed = [n for n in nominations if n.registration_id in written]
    versions.mark_changed(session, written, document=False)
    for nomination in placed:
        reg = session.get(Registration, nomination.registration_id)  # loaded and locked by the claim
        assert reg is not None
        if reg.status != RegistrationStatus.nominated.value:
            move(session=session, record=reg, to=RegistrationStatus.nominated.value, machine=REGISTRATION_STATES,
                 org=org, reason=reason)
    return placed
