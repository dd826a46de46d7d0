"""The service clock: the wall clock, except inside `standing_at`, where it shows what its hands are set to."""

from datetime import UTC, datetime, timedelta

import pytest

from service import clock
from service.sqltypes import utcnow


def test_the_clock_stands_where_its_hands_set_it_and_runs_again_after_the_block():
    moment = datetime(2025, 12, 3, 9, 0, tzinfo=UTC)
    with clock.standing_at(moment) as hands:
        assert clock.now() == utcnow() == moment
        hands.set(moment + timedelta(days=40))
        assert clock.now() == moment + timedelta(days=40)
        with pytest.raises(ValueError):
            hands.set(datetime(2026, 1, 1))  # a naive moment is refused
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_clock_runs_again_when_the_block_fails():
    with pytest.raises(RuntimeError), clock.standing_at(datetime(2020, 1, 1, tzinfo=UTC)):
        raise RuntimeError("the demo failed half-way")
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
