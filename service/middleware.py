"""ASGI middleware: request ids with an access log line, security headers, the request body size limit, and the
limit on requests in progress."""

import asyncio
import logging
import re
import uuid
from time import perf_counter
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.docs import STRICT_HTML_POLICY
from service.errors import EVERY_ANSWER_HEADERS, Problem, problem_response
from service.request_context import begin_principal, current_principal, set_request_id

access_log = logging.getLogger("doorstroom.access")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (the caller's `X-Request-ID` when sane), echo it, and log one access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        set_request_id(request_id)
        begin_principal()
        started = perf_counter()
        status_code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            state: dict[str, Any] = scope.get("state") or {}
            principal = current_principal()
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_code,
                    "duration_ms": round((perf_counter() - started) * 1000, 1),
                    "organisation_id": state.get("organisation_id"),
                    # Ids only: never a person's name or e-mail address in the logs.
                    "person_id": _str_or_none(principal.person_id if principal else None),
                    "api_key_id": _str_or_none(principal.api_key_id if principal else None),
                },
            )


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


class SecurityHeadersMiddleware:
    """Headers on every answer: no MIME sniffing, no referrer, no caching of /v1 (personal data), and a strict
    Content-Security-Policy on HTML that brings none of its own (the documentation pages bring theirs)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Every /v1 answer, errors included: which ones hold personal data is not worth getting wrong.
        no_store = scope["path"] == "/v1" or scope["path"].startswith("/v1/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if not (no_store and k.lower() == b"cache-control")]
                names = {k.lower() for k, _ in headers}
                headers += [(k.lower().encode(), v.encode()) for k, v in EVERY_ANSWER_HEADERS.items()]
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                html = any(k.lower() == b"content-type" and v.lower().startswith(b"text/html") for k, v in headers)
                if html and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", STRICT_HTML_POLICY.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Answer 413 to a body over the limit, whether announced by Content-Length or streamed in chunks.

    `path_limits` raises the limit for named paths (a place import is a large GeoJSON document).
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        # Read the whole body before the app runs: an error raised from `receive` inside the app would be turned
        # into a 400 by FastAPI's body parsing, so a chunked body over the limit is refused here, up front.
        chunks: list[bytes] = []
        received = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        body_sent = False

        async def replay_receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay_receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        problem = Problem(title="Content Too Large", status=413,
                          detail=f"the request body is larger than {limit} bytes")
        await problem_response(problem)(scope, receive, send)


# Threads the request handlers may use beyond one per request in progress (the startup pool warm-up, the odd
# blocking call of a library).
SPARE_THREADS = 8
# Probes answer even when every slot is taken: a busy service is alive, and says so.
_UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})


class ConcurrencyLimitMiddleware:
    """Let at most `limit` requests into the app at once; the others wait on the event loop, costing nothing.

    Why: the sync handlers run in a pool of threads, and a request's steps (authorise, handle, commit) each take a
    thread in turn. A request waiting for a database lock blocks its thread. Once every thread waited for a lock
    whose holder needed a thread for its next step, nothing moved until the lock wait timed out: SQLite stalled at
    some twenty connections and answered 500 "database is locked" after 15 s. With fewer requests in progress than
    threads, the holder of a lock always finds a thread, and the database pool is sized to match (service/db.py).
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    def _ready_slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
            threads = anyio.to_thread.current_default_thread_limiter()
            threads.total_tokens = max(threads.total_tokens, self.limit + SPARE_THREADS)
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        async with self._ready_slots():
            await self.app(scope, receive, send)
