"""Optimistic concurrency: every mutable record has a `version`, exposed as an ETag and checked via If-Match."""

import re

from service.errors import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def etag(version: int) -> str:
    """The ETag header value of a record version."""
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header asks for; None for `*`. A missing header is refused with 428."""
    if if_match is None:
        raise PreconditionRequired("send If-Match with the ETag you last read, so that no change is lost")
    if if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if not match:
        raise PreconditionFailed(f"If-Match {if_match!r} is not an ETag of this API (expected e.g. \"3\")")
    return int(match.group(1))


def check_version(*, current: int, expected: int | None) -> None:
    """412 when the record changed since the caller read it."""
    if expected is not None and current != expected:
        raise PreconditionFailed(
            f"the record changed since you read it (your version {expected}, current {current}); "
            "read it again and re-apply your change"
        )
