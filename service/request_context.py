"""The id of the request being handled, held in a context variable so log lines and error documents carry it."""

from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    """Set the id of the request being handled (the middleware does this first thing)."""
    _request_id.set(value)
