"""Rounds are optimised in the matcher's child process: the same answer as in this process, computed there (a
failing `matching.solve` here does not touch it), and a child that died is replaced without a wrong answer."""

import os
import signal
import time

import pytest

import matching
from bench.generator import generate
from service.shortlists import solver_process

PARAMS = matching.SolveParams(max_time_in_seconds=5, random_seed=0, num_workers=1)


@pytest.fixture(scope="module")
def problem() -> matching.Problem:
    return generate(30, 300, seed=5, n_regions=2)


def test_the_solve_is_computed_in_the_child_with_the_answer_of_this_process(problem, monkeypatch):
    prepared = matching.prepare_registrations(problem)
    expected = matching.solve(problem, PARAMS, prepared=prepared)

    def not_here(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the round was solved in the web worker's own process")

    monkeypatch.setattr(matching, "solve", not_here)
    got = solver_process.solve(problem, PARAMS, prepared=prepared)

    assert expected.filled_slots > 0
    assert (got.shortlists, got.objective, got.status) == (expected.shortlists, expected.objective, expected.status)
    assert solver_process.child_pid() != os.getpid()


def test_a_child_that_died_is_replaced_and_the_next_solve_still_answers(problem):
    expected = matching.solve(problem, PARAMS)
    dead = solver_process.child_pid()
    os.kill(dead, signal.SIGKILL)
    _wait_until_gone(dead)

    got = solver_process.solve(problem, PARAMS)

    assert got.shortlists == expected.shortlists
    assert solver_process.child_pid() not in (dead, os.getpid())


def _wait_until_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            waited, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return  # reaped already (by the executor)
        if waited == pid:
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} did not end")
