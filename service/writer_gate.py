"""One writer at a time on SQLite, served in order of arrival, waiting on a lock instead of polling the database.

SQLite lets one connection write at a time. A connection that finds the write lock taken retries in its busy
handler, which sleeps between tries (up to 100 ms a time) and serves no order: under load some requests wait
seconds while the lock is free between the tries, and others pass them by. Within one process Doorstroom queues
its writers itself, first come first served: a transaction that will write takes the gate before `BEGIN
IMMEDIATE` and gives it back the moment its COMMIT or ROLLBACK has run, so the next writer starts as soon as the
database is free. SQLite's own busy timeout still guards against writers in other processes (the CLI, a second
server).
"""

import sqlite3
import threading
from collections import deque


class WriterGate:
    """A first-come-first-served lock held by one database connection at a time.

    `acquire` waits at most `timeout` seconds; `release` by the holder hands the gate to the longest waiter, and
    is a no-op for any other connection (a rollback on a connection that never wrote releases nothing).
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._holder: object | None = None
        self._waiting: deque[tuple[threading.Lock, object]] = deque()

    def acquire(self, holder: object, timeout: float) -> None:
        """Take the gate for `holder`; raises sqlite3.OperationalError "database is locked" after `timeout` s."""
        with self._mutex:
            if self._holder is None:
                self._holder = holder
                return
            if self._holder is holder:
                return
            turn = threading.Lock()
            turn.acquire()
            entry = (turn, holder)
            self._waiting.append(entry)
        if turn.acquire(timeout=timeout):
            return  # the previous holder handed the gate over
        with self._mutex:
            if entry not in self._waiting:
                return  # handed over just as the wait ran out: the gate is ours
            self._waiting.remove(entry)
        raise sqlite3.OperationalError("database is locked")

    def release(self, holder: object) -> None:
        """Give the gate back if `holder` has it: to the longest waiter, if any."""
        with self._mutex:
            if self._holder is not holder:
                return
            if self._waiting:
                turn, self._holder = self._waiting.popleft()
                turn.release()
            else:
                self._holder = None

    def holds(self, holder: object) -> bool:
        """Whether `holder` has the gate."""
        with self._mutex:
            return self._holder is holder

    @property
    def queued(self) -> int:
        """How many wait for the gate."""
        with self._mutex:
            return len(self._waiting)

    @property
    def free(self) -> bool:
        """Whether nobody holds the gate."""
        with self._mutex:
            return self._holder is None
