"""The service's clock, in one place so that deadline tests can move time (and the demo can write a past)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

# Set only inside `standing_at`: the moment the clock shows instead of the wall clock.
_standing: datetime | None = None


def now() -> datetime:
    """The current time in UTC."""
    return _standing if _standing is not None else datetime.now(UTC)


class Hands:
    """The hands of a clock that stands still: `set` moves it (forwards or backwards) to a moment."""

    def set(self, moment: datetime) -> None:
        """Make the service clock show `moment` until it is set again or the block ends."""
        global _standing
        if moment.tzinfo is None:
            raise ValueError("the clock keeps UTC; give a timezone-aware moment")
        _standing = moment


@contextmanager
def standing_at(moment: datetime) -> Iterator[Hands]:
    """Run the block with the service clock standing at `moment`, moved only by the hands it yields.

    For one process writing history (the demo); a running service never stops its clock.
    """
    global _standing
    before = _standing
    hands = Hands()
    hands.set(moment)
    try:
        yield hands
    finally:
        _standing = before
