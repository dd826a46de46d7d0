"""Benchmark the matcher on a generated instance; prints ONE JSON line.

    python -m bench.matching --dwellings 2000 --registrations 20000 [--seed 0] [--cap [N]]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
from time import perf_counter

import numpy as np

from bench.baseline import baseline
from bench.generator import generate
from matching import SolveParams, instant_shortlist, prepare_registrations, solve

TARGET_SECONDS = 5.0
TARGET_GAP = 0.001
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
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--gap", type=float, default=0.0, help="relative gap at which to stop early")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--instant-runs", type=int, default=25)
    args = parser.parse_args(argv)

    t0 = perf_counter()
    problem = generate(args.dwellings, args.registrations, seed=args.seed, n_regions=args.regions, cap=args.cap)
    generate_s = perf_counter() - t0
    params = SolveParams(max_time_in_seconds=args.time_limit, random_seed=args.seed, num_workers=args.workers,
                         relative_gap_limit=args.gap)
    t1 = perf_counter()
    result = solve(problem, params)
    end_to_end = perf_counter() - t1

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

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
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
        "baseline": {"filled_slots": naive.filled_slots, "objective": naive.objective,
                     "seconds": round(naive.seconds, 3)},
        "instant_shortlist_ms": {
            "prepare_registrations_ms": round(prepare_s * 1000.0, 1),
            "median": round(statistics.median(times), 2) if times else None,
            "max": round(max(times), 2) if times else None,
            "runs": len(times),
        },
        "targets_met": {
            "end_to_end_le_5s": end_to_end <= TARGET_SECONDS,
            "gap_le_0.1pct": result.gap <= TARGET_GAP,
            "instant_le_100ms": bool(times) and max(times) <= TARGET_INSTANT_MS,
        },
    }
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
