"""Every benchmark of the issues' targets, run one after the other, in one table (`make bench`).

    python -m bench.table [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--quick]

Runs, each in its own process so that one's memory and threads do not weigh on the next:
- `bench.matching` at 2,000 dwellings x 20,000 registrations, uncapped (beside a bare flow over every eligible pair)
  and with the neighbourhood cap, and at 4,000 x 40,000;
- `bench.round_stall`: how long a worker's other threads wait while a round is optimised;
- `bench.service_offer` at 20,000 registrations, on SQLite and on PostgreSQL;
- `bench.load` (wrk, 32 connections, 10 s) on SQLite and on PostgreSQL.
Prints one Markdown table: each figure, its target, and whether it is met. --quick runs smaller, shorter versions
(to try the command, not to quote). The machine's load average is printed with it: figures taken while something
else runs are not comparable.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.conftest import throwaway_database


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    figure: str
    target: str
    value: str
    met: bool | None


def _run(module: str, *args: str) -> dict[str, Any]:
    """Run `python -m module args` and return the JSON document it printed last."""
    out = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"{module} failed:\n{out.stderr[-3000:]}")
    text = out.stdout
    start = next(i for i, line in enumerate(text.splitlines()) if line.startswith("{"))
    return dict(json.loads("\n".join(text.splitlines()[start:])))


def _offer_rows(backend: str, report: dict[str, Any]) -> list[Row]:
    warm = report["offer_warm"]
    at = f"{report['registrations']:,} registrations"
    rows = [Row(f"offer at {at}, median ({backend})", "<= 50 ms", f"{warm['median_ms']} ms",
                warm["median_ms"] <= 50),
            Row(f"offer at {at}, p99 ({backend})", "<= 150 ms", f"{warm['p99_ms']} ms",
                warm["p99_ms"] <= 150),
            Row(f"offer, cold start ({backend})", "(reported)", f"{report['cold_first_offer_ms']} ms", None)]
    if "concurrent" in report:
        burst = report["concurrent"]
        rows.append(Row(f"10 offers at once, each p99 ({backend})", "(reported)", f"{burst['offer']['p99_ms']} ms",
                        None))
    return rows


def _load_rows(backend: str, report: dict[str, Any]) -> list[Row]:
    ratios = report["ratios"]
    ours = [f for f in report["figures"] if f["name"].startswith(("POST /v1", "GET /v1"))]
    worst_p99 = max(f["p99_ms"] for f in ours)
    errors = sum(f["errors"] for f in ours)
    rows = [Row(f"{label} vs naive insert app ({backend})" if label == "ingest" else
                f"{label} vs naive read ({backend})", ">= 1.0x", f"{value}x", value >= 1.0)
            for label, value in ratios.items()]
    rows.append(Row(f"p99 of ingest and reads, worst ({backend})", "<= 100 ms", f"{worst_p99} ms", worst_p99 <= 100))
    rows.append(Row(f"errors under load ({backend})", "0", str(errors), errors == 0))
    return rows


def _matching_rows(uncapped: dict[str, Any], capped: dict[str, Any], large: dict[str, Any] | None) -> list[Row]:
    size = f"{uncapped['dwellings']:,} x {uncapped['registrations']:,}"
    rows = [Row(f"round {size}, end to end", "(reported)", f"{uncapped['end_to_end_s']} s", None),
            Row("round, proven optimal", "OPTIMAL", str(uncapped["status"]), uncapped["status"] == "OPTIMAL")]
    bare = uncapped.get("bare_flow")
    if bare:
        rows.append(Row("round vs bare SimpleMinCostFlow (same run)", "<= 0.5x",
                        f"{bare['ratio']}x ({bare['seconds']} s bare, same optimum: {bare['same_optimum']})",
                        bare["ratio"] <= 0.5 and bare["same_optimum"]))
    if large is not None:
        at = f"{large['dwellings']:,} x {large['registrations']:,}"
        rows.append(Row(f"round {at}", "< 10 s, < 1 GB, OPTIMAL",
                        f"{large['end_to_end_s']} s, {large['peak_rss_mb']} MB, {large['status']}",
                        large["end_to_end_s"] < 10 and large["peak_rss_mb"] < 1024 and large["status"] == "OPTIMAL"))
    gap = capped.get("gap")
    seconds, limit = capped["end_to_end_s"], capped["time_limit_s"]
    proven = gap is not None and capped["filled_slots"] == capped["filled_slots_bound"]
    rows.append(Row(f"capped round {size}, certified gap", "<= 0.5 %",
                    "none" if gap is None else f"{round(100 * gap, 3)} %", proven and gap <= 0.005))
    rows.append(Row("capped round, time", f"<= 10 s and <= 1.1x its limit ({limit} s)", f"{seconds} s",
                    seconds <= 10 and seconds <= 1.1 * limit))
    return rows


def _stall_rows(report: dict[str, Any]) -> list[Row]:
    size = f"{report['dwellings']:,} x {report['registrations']:,}"
    child, here = report["child"], report["in_process"]
    return [Row(f"a worker's thread while a round {size} runs: longest wait", "<= 100 ms (the requests' p99)",
                f"{child['longest_wait_ms']} ms (solved in this process: {here['longest_wait_ms']} ms)",
                child["longest_wait_ms"] <= 100)]


def main() -> None:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("DOORSTROOM_TEST_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    size = ["--dwellings", "200", "--registrations", "2000"] if args.quick else \
        ["--dwellings", "2000", "--registrations", "20000"]
    registrations = "2000" if args.quick else "20000"
    seconds = "3" if args.quick else "10"
    large = None if args.quick else ["--dwellings", "4000", "--registrations", "40000", "--no-bare"]
    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("matching", lambda: _matching_rows(_run("bench.matching", *size),
                                            _run("bench.matching", *size, "--cap", "--time-limit", "10"),
                                            _run("bench.matching", *large) if large else None)),
        ("round stall", lambda: _stall_rows(_run("bench.round_stall", *size))),
    ]
    for backend in ("SQLite", "PostgreSQL"):
        def offer(backend: str = backend) -> list[Row]:
            with tempfile.TemporaryDirectory() as tmp, \
                    throwaway_database(backend.lower(), tmp, args.postgres) as url:
                return _offer_rows(backend, _run("bench.service_offer", "--registrations", registrations,
                                                 "--database-url", url))

        def load(backend: str = backend) -> list[Row]:
            extra = ["--database-url", args.postgres] if backend == "PostgreSQL" else []
            return _load_rows(backend, _run("bench.load", "--json", "--seconds", seconds, *extra))

        steps += [(f"offer {backend}", offer), (f"load {backend}", load)]
    rows: list[Row] = []
    for name, step in steps:
        print(f"running {name} ...", file=sys.stderr)
        rows += step()
    print(f"load average before and after: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    print("| figure | target | measured | met |\n|---|---|---|---|")
    for row in rows:
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        print(f"| {row.figure} | {row.target} | {row.value} | {met} |")


if __name__ == "__main__":
    main()
