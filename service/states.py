"""The one way a status changes: every record with a lifecycle moves through `move`, along its table of moves.

The tables live next to the records they govern (`DWELLING_STATES` in dwellings/models.py, and so on); this module
knows only how to move. A move the table does not allow is answered 409 with the current state; every allowed move
is audited with who, when, from, to and why.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel import Session

from service.audit import service as audit
from service.errors import Conflict
from service.organisations.models import Organisation
from service.sqltypes import utcnow


@dataclass(frozen=True)
class StateMachine:
    """The moves a kind of record may make: from each status, the statuses it may become."""

    entity_type: str
    moves: Mapping[str, frozenset[str]]

    def allows(self, current: str, to: str) -> bool:
        """Whether a record that is `current` may become `to`."""
        return to in self.moves.get(current, frozenset())


def machine(entity_type: str, moves: Mapping[str, set[str]]) -> StateMachine:
    """A state machine from a table of plain sets (status values, so the enum members and strings compare equal)."""
    return StateMachine(entity_type, {str(k): frozenset(str(v) for v in vs) for k, vs in moves.items()})


class HasStatus(Protocol):
    """A record with a lifecycle: an id and a status."""

    id: Any
    status: str


def move(*, session: Session, record: HasStatus, to: str, machine: StateMachine, org: Organisation | None,
         reason: str | None = None, detail: dict[str, Any] | None = None, action: str = "transition") -> None:
    """Move a record to state `to`, or answer 409 naming the current state when the table forbids it.

    `action` names the step in the audit log where it is more than a transition (a withdrawal, say).
    """
    current = record.status
    if not machine.allows(current, to):
        raise Conflict(f"a {machine.entity_type.replace('_', ' ')} that is {current} cannot become {to}",
                       current_state=current)
    record.status = to
    # Not every record carries a version or a change time; those that do show the move in both.
    if hasattr(record, "version"):
        record.version += 1
    if hasattr(record, "updated_at"):
        record.updated_at = utcnow()
    session.add(record)
    audit.record(session=session, organisation=org, action=action, entity_type=machine.entity_type,
                 entity_id=record.id, detail={"from": current, "to": to, "reason": reason, **(detail or {})})
