"""Rate limits per API key, per sign-in session and per client address, counted by the `limits` library.

Fixed windows (one counter per identity and window, so memory stays small however many addresses call). The
address limit is an ASGI middleware that counts every request, bad keys included, before anything else runs; the
key and session limits are counted by `hit` once authentication knows who calls. Identities reach the storage only
as digests: no API key, session token or address is stored or logged. When the storage fails the request is let
through with a warning: a limiter that is down must never turn the service into a 500.
"""

import hashlib
import logging
import math
import time
from typing import Any, Literal

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from service.config import RATE_LIMIT_OFF, Settings
from service.errors import TooManyRequests, problem_response, problem_responses

Bucket = Literal["key", "session", "address"]
BUCKETS: tuple[Bucket, ...] = ("key", "session", "address")
# Probes are answered whatever the load: an orchestrator must never see a limited health check.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
_WHO = {"key": "this API key", "session": "this session", "address": "this address"}
# One warning per this many seconds while the storage is down, not one per request.
_WARN_EVERY_SECONDS = 60.0

# The `responses=` entry of every limited route: the problem document and the headers a client waits by.
RATE_LIMITED_RESPONSES: dict[int | str, dict[str, Any]] = {429: {**problem_responses(429)[429], "headers": {
    "Retry-After": {"description": "seconds until the limit's window resets", "schema": {"type": "integer"}},
    "RateLimit-Limit": {"description": "the requests the limit allows per window", "schema": {"type": "integer"}},
}}}

log = logging.getLogger("doorstroom.ratelimit")
_wall_clock = time.time  # the clock the storage's reset times are in; tests replace it with the library's


class Limiter:
    """The configured limits of each bucket over one storage."""

    def __init__(self, *, storage: Storage, limits: dict[Bucket, list[RateLimitItem]]) -> None:
        self.storage = storage
        self.limits = limits
        self._strategy = FixedWindowRateLimiter(storage)
        # The memory storage answers in microseconds; a networked one is asked from a worker thread.
        self.blocking = not isinstance(storage, MemoryStorage)
        self._warned_at: float | None = None

    def check(self, bucket: Bucket, identity: str) -> None:
        """Count one request of `identity` in `bucket`; raise `TooManyRequests` (429) when over a limit."""
        items = self.limits.get(bucket)
        if not items:
            return
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        try:
            for item in items:
                if not self._strategy.hit(item, bucket, digest):
                    reset_at = self._strategy.get_window_stats(item, bucket, digest).reset_time
                    raise _too_many(bucket, item, retry_after=max(1, math.ceil(reset_at - _wall_clock())))
        except StorageError as exc:
            self._storage_down(bucket, exc)

    def _storage_down(self, bucket: Bucket, exc: StorageError) -> None:
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = now
            # The error's type only: its message may carry the storage's address or credentials.
            log.warning("rate limit storage unavailable; requests are let through uncounted",
                        extra={"bucket": bucket, "error": type(exc.storage_error).__name__})


def _too_many(bucket: Bucket, item: RateLimitItem, *, retry_after: int) -> TooManyRequests:
    multiples = item.multiples or 1
    window = item.GRANULARITY.name if multiples == 1 else f"{multiples} {item.GRANULARITY.name}s"
    return TooManyRequests(
        f"too many requests for {_WHO[bucket]}: at most {item.amount} per {window}; "
        f"try again in {retry_after} seconds",
        headers={"Retry-After": str(retry_after), "RateLimit-Limit": str(item.amount),
                 "RateLimit-Remaining": "0", "RateLimit-Reset": str(retry_after)},
    )


def build_limiter(settings: Settings) -> Limiter | None:
    """The limiter the settings ask for, or None when every bucket is off."""
    limits = {b: parse_many(settings.rate_limit(b)) for b in BUCKETS if settings.rate_limit(b) != RATE_LIMIT_OFF}
    if not limits:
        return None
    try:
        storage = storage_from_string(settings.rate_limit_storage, wrap_exceptions=True)
    except ConfigurationError as exc:  # the settings checked the scheme; a client library can still refuse
        raise ValueError(f"DOORSTROOM_RATE_LIMIT_STORAGE: {exc}") from None
    if not isinstance(storage, Storage):  # the settings refuse the async+ schemes
        raise ValueError("DOORSTROOM_RATE_LIMIT_STORAGE: an asynchronous storage does not fit this limiter")
    return Limiter(storage=storage, limits=limits)


def hit(request: Request, *, bucket: Bucket, identity: str) -> None:
    """Count this request for an authenticated identity (an API key, a session); 429 when over its limit."""
    limiter: Limiter | None = getattr(request.app.state, "ratelimiter", None)
    if limiter is not None:
        limiter.check(bucket, identity)


def client_address(scope: Scope) -> str:
    """The caller's address as the server saw it (behind a proxy: uvicorn's `--forwarded-allow-ips` decides)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    """Count every request per client address, before authentication, and answer 429 over the limit."""

    def __init__(self, app: ASGIApp, *, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        try:
            if self.limiter.blocking:
                await run_in_threadpool(self.limiter.check, "address", address)
            else:
                self.limiter.check("address", address)
        except TooManyRequests as exc:
            await problem_response(exc.to_problem(), headers=exc.headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)
