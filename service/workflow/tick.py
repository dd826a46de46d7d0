"""The periodic task: apply deadlines, resume paused registrations, deliver webhooks.

It runs inside the service on a background thread (DOORSTROOM_TICK_SECONDS) and as `doorstroom tick` for cron.
"""

import logging
import threading
from datetime import datetime

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from service.events import service as events
from service.workflow import deadlines

log = logging.getLogger("doorstroom.tick")


def run_tick(*, engine: Engine, client: httpx.Client, at: datetime | None = None) -> dict[str, int]:
    """One tick: deadlines in one transaction, then webhook deliveries (outside any long transaction)."""
    with Session(engine, expire_on_commit=False) as session:
        counts = deadlines.apply_expiry(session=session, at=at)
        session.commit()
    counts["deliveries_tried"] = events.deliver_due(engine=engine, client=client)
    return counts


class Ticker:
    """Runs `run_tick` every `seconds` on a daemon thread until stopped; a failing tick is logged, not fatal."""

    def __init__(self, *, engine: Engine, seconds: float) -> None:
        self.engine, self.seconds = engine, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="doorstroom-tick", daemon=True)

    def start(self) -> None:
        """Start ticking."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current tick."""
        self._stop.set()
        self._thread.join(timeout=self.seconds + 10)

    def _loop(self) -> None:
        with httpx.Client() as client:
            while not self._stop.wait(self.seconds):
                try:
                    counts = run_tick(engine=self.engine, client=client)
                    if any(counts.values()):
                        log.info("tick", extra=counts)
                except Exception:  # a bad tick must not kill the thread; the next one retries
                    log.exception("tick failed")
