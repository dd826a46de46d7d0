"""A controlled clock for tests of deadlines, signatures and sessions: it stands still until a test moves it."""

from datetime import UTC, datetime, timedelta

# A whole second, so that headers and codes that count whole seconds see this moment exactly.
START = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


class Clock:
    """The service's clock, standing still until a test moves it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment
