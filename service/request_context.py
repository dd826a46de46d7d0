"""What the service knows about the request being handled, in context variables: its id (so log lines and error
documents carry it) and its principal, who is calling (so the audit can name the person or the key)."""

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from service.organisations.models import Organisation

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: an organisation, through one of its API keys or one of its signed-in people."""

    organisation: Organisation
    person_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    is_admin: bool = False

    @property
    def is_person(self) -> bool:
        """True for a signed-in person, False for an API key."""
        return self.person_id is not None


class _PrincipalSlot:
    """A mutable holder, set up per request by the middleware.

    FastAPI runs sync dependencies and endpoints each in a worker thread with a *copy* of the request's context, so
    a value `set()` by the auth dependency would never reach the endpoint; a shared holder does.
    """

    __slots__ = ("principal",)

    def __init__(self) -> None:
        self.principal: Principal | None = None


_principal: ContextVar[_PrincipalSlot | None] = ContextVar("principal", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    """Set the id of the request being handled (the middleware does this first thing)."""
    _request_id.set(value)


def begin_principal() -> None:
    """Start a request without a principal yet (the middleware does this; the auth dependency fills it)."""
    _principal.set(_PrincipalSlot())


def set_principal(principal: Principal | None) -> None:
    """Name who the request being handled acts for (outside a request, for the current context)."""
    slot = _principal.get()
    if slot is None:
        slot = _PrincipalSlot()
        _principal.set(slot)
    slot.principal = principal


def current_principal() -> Principal | None:
    """Who the request being handled acts for; None outside requests (CLI, the periodic tick) and before auth."""
    slot = _principal.get()
    return slot.principal if slot is not None else None
