"""The service's clock, in one place so that deadline tests can move time."""

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
