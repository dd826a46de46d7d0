"""JSON log lines, one object per line, each carrying the request id."""

import json
import logging
import sqlite3
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.exc import SQLAlchemyError

from service.request_context import current_request_id

# Attributes every LogRecord has; anything else passed via `extra=` is written as a field of its own.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            line["request_id"] = request_id
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            # A database error's message quotes the row or key it failed on: log where it arose, not what it said.
            line["exc"] = (traceback_without_messages(exc) if _holds_database_error(exc)
                           else self.formatException(record.exc_info))
        return json.dumps(line, default=str)


_DATABASE_ERRORS = (SQLAlchemyError, psycopg.Error, sqlite3.Error)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (explicit or implicit), outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _holds_database_error(exc: BaseException) -> bool:
    return any(isinstance(e, _DATABASE_ERRORS) for e in _chain(exc))


def _class_name(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def error_classes(exc: BaseException) -> str:
    """The exception's qualified class and those of its causes, outermost first (`a.B <- c.D`)."""
    return " <- ".join(_class_name(e) for e in _chain(exc))


def traceback_without_messages(exc: BaseException) -> str:
    """Where the error arose (files, lines, code) and its classes, without any exception's message.

    A message may hold the data being handled: a database error quotes its statement and parameters (a whole
    registration row) and a constraint's DETAIL quotes the key; a validation error quotes the input value.
    """
    parts = [f"{_class_name(e)}\n{''.join(traceback.format_tb(e.__traceback__))}" for e in reversed(_chain(exc))]
    return "\nwhich caused: ".join(parts)


class _DropServerDuplicate(logging.Filter):
    """Drop uvicorn's copy of an unhandled error: the app's handler has logged it (without its message) already.

    Starlette re-raises an unhandled error after answering 500, and uvicorn then logs the exception whole, message
    (a database error's parameters) and all.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Exception in ASGI application")


def configure_logging(level: str) -> None:
    """Send every logger, uvicorn's included, through one JSON handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropServerDuplicate) for f in server_log.filters):
        server_log.addFilter(_DropServerDuplicate())
    # The service writes its own access line with the request id; uvicorn's would be a duplicate without it.
    logging.getLogger("uvicorn.access").disabled = True
