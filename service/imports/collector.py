"""Pausing the cyclic garbage collector while an import checks or writes many rows.

A 20,000-row waiting list keeps some 550,000 objects alive while it is checked (the rows and every row's form);
each full collection walks all of them and the service's own, and the five that a check set off took 2 of its
3 seconds (bench/imports.py), freeing nothing: the rows are all still in use. Reference counting frees everything
else as before; the collector is switched back on when the last import that paused it is done.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pausing = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """No automatic cyclic collection inside the block (imports in other threads may hold it paused longer)."""
    global _pausing, _was_enabled
    with _lock:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _lock:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.enable()
