"""How long a web worker's other threads wait while a round is optimised; prints ONE JSON line.

    python -m bench.round_stall [--dwellings 2000] [--registrations 20000] [--seed 0]

A round runs on a thread of the worker (as the background task of `POST /v1/matching-rounds` does) while the main
thread, standing in for the worker's requests, wakes every 2 ms and notes how late it woke. OR-Tools' min-cost flow
keeps the GIL while it solves, so with the round solved in this process (`in_process`) the main thread waits for
every flow; solved in the matcher's child process (`child`, service.shortlists.solver_process, as the service does)
it should not. For each: the round's time, the longest wait, and the waits over 50 ms (their count and sum). The
child is started before it is timed: its start (once per worker) is not a round's cost.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from collections.abc import Callable
from time import perf_counter, sleep

import matching
from bench.generator import generate
from service.shortlists import solver_process

LATE_SECONDS = 0.05


def _stalls(run: Callable[[], object]) -> dict[str, float]:
    """Run `run` on a thread and note how late this thread wakes meanwhile."""
    started = perf_counter()
    thread = threading.Thread(target=run)
    thread.start()
    waits: list[float] = []
    last = perf_counter()
    while thread.is_alive():
        sleep(0.002)
        now = perf_counter()
        waits.append(now - last - 0.002)
        last = now
    thread.join()
    late = [w for w in waits if w > LATE_SECONDS]
    return {"round_s": round(perf_counter() - started, 3), "longest_wait_ms": round(1000 * max(waits, default=0), 1),
            "waits_over_50ms": len(late), "waited_over_50ms_s": round(sum(late), 3)}


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run both and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dwellings", type=int, default=2000)
    parser.add_argument("--registrations", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    problem = generate(args.dwellings, args.registrations, seed=args.seed, n_regions=6)
    params = matching.SolveParams(max_time_in_seconds=10, random_seed=args.seed, num_workers=1)
    prepared = matching.prepare_registrations(problem)
    solver_process.child_pid()  # started once per worker, not per round
    out: dict[str, object] = {
        "dwellings": args.dwellings, "registrations": args.registrations,
        "in_process": _stalls(lambda: matching.solve(problem, params, prepared=prepared)),
        "child": _stalls(lambda: solver_process.solve(problem, params, prepared=prepared)),
        "load_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
