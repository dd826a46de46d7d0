"""Rounds, replays and what-ifs are optimised in a process of their own, so that the worker's requests go on.

Why a process: OR-Tools' min-cost flow keeps Python's GIL for as long as it solves. A round optimised on a thread
of the web worker (a background task) stopped every other request of that worker while each flow ran: at 2,000
dwellings x 20,000 registrations a request then waited up to half a second, over a second in all per round
(`python -m bench.round_stall` measures it). A child process has a GIL of its own.

One child per worker process, started on first use by 'spawn' (a process that runs threads must not fork) and
kept for the next solve; solves from several threads of the worker take turns in it. The problem travels to the
child pickled (about 7 MB and 20 ms at 20,000 registrations), the result back. A solve is a pure function of its
inputs, so a child that died (killed, out of memory) costs one retry in a new child, never a wrong answer: a
second death fails the solve like any other error.
"""

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import matching

_lock = threading.Lock()
_executor: ProcessPoolExecutor | None = None


def solve(problem: matching.Problem, params: matching.SolveParams,
          prepared: matching.RegistrationTables | None = None) -> matching.MatchResult:
    """`matching.solve` of these inputs, computed in the matcher's child process."""
    try:
        return _once(problem, params, prepared)
    except BrokenProcessPool:
        # The child died (killed, out of memory): a solve is pure, so once more in a new child.
        return _once(problem, params, prepared)


def _once(problem: matching.Problem, params: matching.SolveParams,
          prepared: matching.RegistrationTables | None) -> matching.MatchResult:
    executor = _running()
    try:
        return executor.submit(_solve_in_child, problem, params, prepared).result()
    except BrokenProcessPool:
        _forget(executor)
        raise


def child_pid() -> int:
    """The process id of the matcher's child (started now when there is none)."""
    return _running().submit(os.getpid).result()


def _solve_in_child(problem: matching.Problem, params: matching.SolveParams,
                    prepared: matching.RegistrationTables | None) -> matching.MatchResult:
    return matching.solve(problem, params, prepared=prepared)


def _running() -> ProcessPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _executor


def _forget(executor: ProcessPoolExecutor) -> None:
    global _executor
    with _lock:
        if _executor is executor:
            _executor = None
    executor.shutdown(wait=False, cancel_futures=True)
