"""Benchmark the matcher on a generated instance; prints ONE JSON line.

    python -m bench.matching --dwellings 2000 --registrations 20000 [--seed 0] [--cap [N]] [--no-bare]

Without a cap, the same run then solves the same instance with one bare OR-Tools SimpleMinCostFlow over every
eligible pair (bench/bare_flow.py), checks that both reach the same optimum and prints the ratio of the round's
end-to-end time to the bare flow's. The peak memory is read before the bare flow runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
from time import perf_counter

import numpy as np

from bench.bare_flow import bare_flow
from bench.baseline import baseline
from bench.generator import generate
from matching import SolveParams, instant_shortlist, prepare_registrations, solve
from matching.prepare import DwellingTables
from matching.sweep import Ordering, run_sweep

TARGET_RATIO = 0.5
TARGET_SECONDS = 10.0
TARGET_MB = 1024.0
TARGET_GAP = 0.005
TARGET_OVERRUN = 1.10
TARGET_INSTANT_MS = 100.0


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dwellings", type=int, required=True)
    parser.add_argument("--registrations", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--regions", type=int, default=6)
    parser.add_argument("--cap", type=int, nargs="?", const=2, default=None,
                        help="cap on high-support candidates per neighbourhood (default 2 when given)")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--gap", type=float, default=0.0, help="relative gap at which to stop early")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--instant-runs", type=int, default=25)
    parser.add_argument("--no-bare", action="store_true", help="skip the bare SimpleMinCostFlow over all pairs")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()

    t0 = perf_counter()
    problem = generate(args.dwellings, args.registrations, seed=args.seed, n_regions=args.regions, cap=args.cap)
    generate_s = perf_counter() - t0
    params = SolveParams(max_time_in_seconds=args.time_limit, random_seed=args.seed, num_workers=args.workers,
                         relative_gap_limit=args.gap)
    t1 = perf_counter()
    result = solve(problem, params)
    end_to_end = perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    bare: dict[str, object] | None = None
    if args.cap is None and not args.no_bare:
        rg = prepare_registrations(problem)
        dw = DwellingTables(problem, rg)
        sweep = run_sweep(dw, rg, Ordering(rg), k=1)
        flow = bare_flow(sweep.pairs, np.minimum(3, sweep.eligible_count), rg.n)
        del sweep
        bare = {"seconds": round(flow.seconds, 3), "filled_slots": flow.filled_slots, "objective": flow.objective,
                "same_optimum": (flow.filled_slots, flow.objective) == (result.filled_slots, result.objective),
                "ratio": round(end_to_end / flow.seconds, 3)}

    naive = baseline(problem)

    # One new dwelling against all registrations, with the registration arrays prepared once.
    t2 = perf_counter()
    prepared = prepare_registrations(problem)
    prepare_s = perf_counter() - t2
    rng = np.random.default_rng(args.seed)
    times = []
    for d in rng.integers(0, max(args.dwellings, 1), args.instant_runs).tolist() if args.dwellings else []:
        t3 = perf_counter()
        instant = instant_shortlist(problem, d, params, prepared=prepared)
        times.append((perf_counter() - t3) * 1000.0)
        assert instant.status == "OPTIMAL" and instant.shortlists[0].dwelling_index == d

    line: dict[str, object] = {
        "dwellings": args.dwellings,
        "registrations": args.registrations,
        "seed": args.seed,
        "cap": args.cap,
        "generate_s": round(generate_s, 3),
        "end_to_end_s": round(end_to_end, 3),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "status": result.status,
        "solver": result.solver,
        "eligible_pairs": result.eligible_pairs,
        "arcs": result.arcs,
        "pricing_rounds": result.pricing_rounds,
        "components": result.components,
        "filled_slots": result.filled_slots,
        "filled_slots_bound": result.filled_slots_bound,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "peak_rss_mb": round(peak_mb, 1),
        "time_limit_s": args.time_limit,
        "bare_flow": bare,
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
        "baseline": {"filled_slots": naive.filled_slots, "objective": naive.objective,
                     "seconds": round(naive.seconds, 3)},
        "instant_shortlist_ms": {
            "prepare_registrations_ms": round(prepare_s * 1000.0, 1),
            "median": round(statistics.median(times), 2) if times else None,
            "max": round(max(times), 2) if times else None,
            "runs": len(times),
        },
        "targets_met": {
            "ratio_to_bare_le_0.5": None if bare is None else end_to_end / flow.seconds <= TARGET_RATIO,
            "optimal": result.status == "OPTIMAL",
            "end_to_end_le_10s": end_to_end <= TARGET_SECONDS,
            "within_1.1x_time_limit": end_to_end <= TARGET_OVERRUN * args.time_limit,
            "peak_le_1GB": peak_mb <= TARGET_MB,
            "gap_le_0.5pct": result.gap <= TARGET_GAP and result.filled_slots == result.filled_slots_bound,
            "instant_le_100ms": bool(times) and max(times) <= TARGET_INSTANT_MS,
        },
    }
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
