"""What a matching run changed: the shortlists it proposed, and the earlier proposals of the same dwellings it
superseded, with or without other candidates (the Matchingsronde screen's read model).

Only a round supersedes a proposal (service.shortlists.service._supersede_proposed), and it proposes again for
every dwelling whose proposal it superseded, so the proposal a run superseded is the one just before the run's own
on that dwelling. Its candidates are the ones the round released; they are compared, as a set, with the candidates
the dwelling's new shortlist holds (those swapped out by a coordinator since left aside). The caller has checked
that the runs are the coordinator's to see (service.shortlists.reads). A fixed number of queries per call.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import select as select_columns  # typed for any number of columns
from sqlmodel import Session, col, func

from service.dwellings.models import Dwelling, DwellingStatus
from service.municipalities.models import Municipality
from service.shortlists.models import CandidateStatus, Shortlist, ShortlistCandidate, ShortlistStatus


class Change(StrEnum):
    """How a run's shortlist for a dwelling compares with the dwelling's proposal before the run."""

    first = "first"  # no open proposal before (a new dwelling, or matched again after a publication fell through)
    same = "same"  # it superseded a proposal with the same candidates
    different = "different"  # it superseded a proposal with other candidates


@dataclass(frozen=True)
class RunChanges:
    """The shortlists one run made, and the earlier proposals it superseded."""

    made: int
    with_candidates: int
    blocked: int  # dwellings the run could not match at all (a reason is given per dwelling)
    superseded: int
    different: int  # of the superseded: the new shortlist has other candidates

    @property
    def same(self) -> int:
        return self.superseded - self.different


NO_CHANGES = RunChanges(made=0, with_candidates=0, blocked=0, superseded=0, different=0)


@dataclass(frozen=True)
class RunShortlist:
    """One shortlist a run made, with its dwelling and how it compares with the proposal before."""

    dwelling_id: uuid.UUID
    street: str
    house_number: int
    house_number_suffix: str | None
    city: str
    municipality_name: str
    dwelling_status: DwellingStatus
    candidates: int
    eligible_count: int
    blocked_reason: str | None
    change: Change

    @property
    def address(self) -> str:
        return f"{self.street} {self.house_number}{self.house_number_suffix or ''}, {self.city}"


@dataclass(frozen=True)
class _Compared:
    candidates: int
    change: Change


def _compare(session: Session, dwellings: Any, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _Compared]:
    """Per shortlist of `run_ids` on `dwellings` (a list of ids or a subquery): its candidates and its change."""
    history = cast(list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, str]], session.execute(
        select_columns(col(Shortlist.id), col(Shortlist.dwelling_id), col(Shortlist.run_id), col(Shortlist.status))
        .where(col(Shortlist.dwelling_id).in_(dwellings))
        .order_by(col(Shortlist.dwelling_id), col(Shortlist.created_at), col(Shortlist.id))).all())
    members: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    released: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    candidates = cast(list[tuple[uuid.UUID, uuid.UUID, str]], session.execute(
        select_columns(col(ShortlistCandidate.shortlist_id), col(ShortlistCandidate.registration_id),
                       col(ShortlistCandidate.status))
        .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
        .where(col(Shortlist.dwelling_id).in_(dwellings))).all())
    for shortlist_id, registration_id, status in candidates:
        if status != CandidateStatus.replaced.value:
            members[shortlist_id].add(registration_id)
        if status == CandidateStatus.released.value:
            released[shortlist_id].add(registration_id)
    wanted = set(run_ids)
    compared: dict[uuid.UUID, _Compared] = {}
    before: tuple[uuid.UUID, uuid.UUID, uuid.UUID, str] | None = None
    for row in history:
        shortlist_id, dwelling_id, run_id, _status = row
        previous = before if before is not None and before[1] == dwelling_id else None
        if run_id in wanted:
            if previous is None or previous[3] != ShortlistStatus.superseded.value:
                change = Change.first
            else:
                change = Change.same if released[previous[0]] == members[shortlist_id] else Change.different
            compared[shortlist_id] = _Compared(candidates=len(members[shortlist_id]), change=change)
        before = row
    return compared


def changes_of(*, session: Session, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RunChanges]:
    """What each of these runs changed (NO_CHANGES for a run that made no shortlist)."""
    if not run_ids:
        return {}
    made = cast(list[tuple[uuid.UUID, uuid.UUID, str | None]], session.execute(
        select_columns(col(Shortlist.id), col(Shortlist.run_id), col(Shortlist.blocked_reason))
        .where(col(Shortlist.run_id).in_(run_ids))).all())
    touched = select_columns(col(Shortlist.dwelling_id)).where(col(Shortlist.run_id).in_(run_ids))
    compared = _compare(session, touched, run_ids)
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for shortlist_id, run_id, blocked_reason in made:
        tally = counts[run_id]
        tally["made"] += 1
        seen = compared[shortlist_id]
        tally["with_candidates"] += seen.candidates > 0
        tally["blocked"] += blocked_reason is not None
        tally["superseded"] += seen.change is not Change.first
        tally["different"] += seen.change is Change.different
    return {run_id: RunChanges(**counts[run_id]) if run_id in counts else NO_CHANGES for run_id in run_ids}


def shortlists_of(*, session: Session, run_id: uuid.UUID, limit: int, offset: int) -> tuple[list[RunShortlist], int]:
    """A page of the shortlists one run made, by municipality and address, and how many it made in all."""
    total: int = session.execute(select_columns(func.count()).select_from(Shortlist)
                                 .where(col(Shortlist.run_id) == run_id)).scalar_one()
    rows = session.execute(
        select_columns(col(Shortlist.id), col(Dwelling.id).label("dwelling_id"), col(Dwelling.street),
                       col(Dwelling.house_number), col(Dwelling.house_number_suffix), col(Dwelling.city),
                       col(Municipality.name).label("municipality_name"), col(Dwelling.status).label("dwelling_status"),
                       col(Shortlist.eligible_count), col(Shortlist.blocked_reason))
        .join(Dwelling, col(Dwelling.id) == col(Shortlist.dwelling_id))
        .join(Municipality, col(Municipality.code) == col(Dwelling.municipality_code))
        .where(col(Shortlist.run_id) == run_id)
        .order_by(col(Municipality.name), col(Dwelling.street), col(Dwelling.house_number),
                  col(Dwelling.id))
        .limit(limit).offset(offset)).mappings().all()
    compared = _compare(session, [row["dwelling_id"] for row in rows], [run_id]) if rows else {}
    items = [RunShortlist(
        dwelling_id=row["dwelling_id"], street=row["street"], house_number=row["house_number"],
        house_number_suffix=row["house_number_suffix"], city=row["city"], municipality_name=row["municipality_name"],
        dwelling_status=DwellingStatus(row["dwelling_status"]), candidates=compared[row["id"]].candidates,
        eligible_count=row["eligible_count"], blocked_reason=row["blocked_reason"],
        change=compared[row["id"]].change) for row in rows]
    return items, total
