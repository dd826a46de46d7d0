"""The matcher's face: solve a round, shortlist one new dwelling instantly, prepare registrations once.

Both paths run the same sweep (eligibility, exclusion counts, each dwelling's best candidates) and the same
extraction, and return the same MatchResult. They differ in the assignment only: a round optimises all its
dwellings together (column generation over a min-cost flow; under a neighbourhood cap, quota flows with the
Lagrangian bound of capped.py), while a dwelling on its own has nothing competing for its candidates, so its k
best are already the optimum.
"""

from __future__ import annotations

from dataclasses import replace
from time import perf_counter

import numpy as np

from matching.capped import neighbourhood_caps, solve_capped
from matching.colgen import big_m_for, column_generation, count_components, initial_arcs
from matching.extract import match_result, shortlists
from matching.model import BoolArray, Dwellings, IntArray, Problem, SolveParams
from matching.network import Network
from matching.prepare import DwellingTables, RegistrationTables
from matching.result import MatchResult
from matching.sweep import Ordering, Sweep, run_sweep


def prepare_registrations(problem: Problem) -> RegistrationTables:
    """Derive per-registration arrays once; pass them to solve/instant_shortlist/diagnose to reuse."""
    return RegistrationTables(problem.registrations, problem.policies, problem.default_policy, problem.figures)


def registration_tables(problem: Problem, prepared: RegistrationTables | None) -> RegistrationTables:
    """Return `prepared` after checking it belongs to this problem, or prepare the registrations now."""
    if prepared is None:
        return prepare_registrations(problem)
    if (prepared.source is not problem.registrations
            or prepared.slots != (*problem.policies, problem.default_policy)
            or prepared.figures != problem.figures):
        raise ValueError("prepared registrations belong to other registrations, policies or figures")
    return prepared


def solve(problem: Problem, params: SolveParams | None = None,
          prepared: RegistrationTables | None = None) -> MatchResult:
    """Propose up to `slots_per_dwelling` ranked candidates per dwelling: fill most slots, then best score."""
    params = params or SolveParams()
    started = perf_counter()
    deadline = started + params.max_time_in_seconds
    rg = registration_tables(problem, prepared)
    dw = DwellingTables(problem, rg, params.block_cells)
    ordering = Ordering(rg)
    sweep = run_sweep(dw, rg, ordering, k=2 * params.slots_per_dwelling)
    swept = perf_counter()

    capacity = np.minimum(params.slots_per_dwelling, sweep.eligible_count).astype(np.int64)
    big_m = big_m_for(dw, rg, sweep, capacity)
    start = initial_arcs(dw, rg, ordering, sweep, capacity)
    capped_round = bool((neighbourhood_caps(dw) >= 0).any() and rg.high_support.any())
    # Under a cap the uncapped optimum is only the capped round's start: its filled slots suffice.
    base = column_generation(dw, rg, ordering, sweep, params, deadline, Network(capacity), big_m, start,
                             tie_break=not capped_round, fill_only=capped_round)
    arcs, chosen = base.arcs, base.chosen
    status = "OPTIMAL" if base.certified else "FEASIBLE"
    solver = "min_cost_flow"
    n_comp = count_components(arcs, dw.n, rg.n)
    fill_bound = min(int(capacity.sum()), base.filled + (base.extra + big_m - 1) // big_m)
    slack = base.extra
    # What the time limit decided, counted: these settings reproduce the shortlists from the same inputs.
    replay = replace(params, max_pricing_rounds=base.rounds)
    if capped_round:
        capped = solve_capped(dw, rg, ordering, sweep, params, base, deadline)
        arcs, chosen, status = capped.arcs, capped.chosen, capped.status
        slack = capped.score_bound - int(arcs.s[chosen].sum())
        fill_bound = min(fill_bound, capped.fill_bound)
        n_comp = capped.components or n_comp
        solver = f"lagrangian:{capped.lagrange_steps}+cp_sat:{capped.cpsat_status}"
        replay = replace(replay, max_lagrange_steps=capped.lagrange_steps,
                         max_cpsat_deterministic_time=capped.cpsat_deterministic_time)
    optimised = perf_counter()

    found = shortlists(problem, dw, rg, arcs, chosen, sweep.excluded, sweep.eligible_count)
    timings = _timings(sweep, started, swept, optimised, perf_counter())
    return match_result(problem, found, status=status, slack=max(0, slack), filled_slots_bound=fill_bound,
                        eligible_pairs=int(sweep.eligible_count.sum()), timings=timings, solver=solver,
                        components=n_comp, arcs=len(arcs), pricing_rounds=base.rounds, replay=replay)


def instant_shortlist(problem: Problem, dwelling_index: int = 0, params: SolveParams | None = None, *,
                      prepared: RegistrationTables | None = None, available: BoolArray | None = None,
                      members: BoolArray | None = None) -> MatchResult:
    """Shortlist ONE dwelling against all registrations: the result of a round of that dwelling alone.

    Other open dwellings are ignored (use `available` to exclude registrations already on a shortlist).
    A prepared pool of registrations is reused across many dwellings while registrations come and go:
    `available` then replaces `problem.registrations.available`, and `members` (default: all) says which
    registrations belong to the problem at all; the others are neither candidates nor counted as excluded,
    so the result equals that of a problem built from the members alone.
    """
    params = params or SolveParams()
    started = perf_counter()
    rg = registration_tables(problem, prepared)
    if available is not None:
        rg = rg.with_available(available)
    alone = _dwelling_alone(problem, dwelling_index)
    dw = DwellingTables(alone, rg, params.block_cells)
    sweep = run_sweep(dw, rg, Ordering(rg), k=params.slots_per_dwelling, members=members)
    swept = perf_counter()

    # Nothing competes with a lone dwelling for its candidates: its k best by (score, tie-break), which the
    # sweep found exactly, fill the most slots with the best score.
    arcs = sweep.candidate_arcs(dw, rg)
    optimised = perf_counter()

    (found,) = shortlists(alone, dw, rg, arcs, np.ones(len(arcs), np.bool_), sweep.excluded, sweep.eligible_count)
    found = replace(found, dwelling_index=dwelling_index)
    timings = _timings(sweep, started, swept, optimised, perf_counter())
    return match_result(problem, (found,), status="OPTIMAL", slack=0, filled_slots_bound=len(arcs),
                        eligible_pairs=found.eligible_count, timings=timings, solver="top_k",
                        components=int(len(arcs) > 0), arcs=len(arcs), pricing_rounds=0, replay=params)


def _timings(sweep: Sweep, started: float, swept: float, optimised: float, extracted: float) -> dict[str, float]:
    # Preparing is the time up to the end of the sweep that the sweep's own phases did not take.
    return {
        "prepare": swept - started - sweep.eligibility_seconds - sweep.scoring_seconds,
        "eligibility": sweep.eligibility_seconds,
        "scoring": sweep.scoring_seconds,
        "optimise": optimised - swept,
        "extract": extracted - optimised,
        "total": extracted - started,
    }


def _dwelling_alone(problem: Problem, dwelling_index: int) -> Problem:
    # The problem of one dwelling: its rejections renumbered to dwelling 0, and only its own neighbourhood's
    # figures (a Problem copies its mappings, and a region's full mappings would cost more than the sweep).
    pairs = tuple((0, r) for d, r in problem.rejected_pairs if d == dwelling_index)
    code = problem.dwellings.neighbourhood_code[dwelling_index]
    vulnerability, recent = problem.neighbourhood_vulnerability, problem.recent_placements
    return Problem(dwellings=take_dwellings(problem.dwellings, [dwelling_index]),
                   registrations=problem.registrations, policies=problem.policies, figures=problem.figures,
                   default_policy=problem.default_policy,
                   neighbourhood_vulnerability={code: vulnerability[code]} if code in vulnerability else {},
                   recent_placements={code: recent[code]} if code in recent else {}, rejected_pairs=pairs)


def take_dwellings(dwellings: Dwellings, index: IntArray | list[int]) -> Dwellings:
    """Return the dwellings at the given indices, in that order."""
    idx = np.asarray(index, np.int64)
    return Dwellings(
        ids=tuple(dwellings.ids[i] for i in idx.tolist()),
        lat=dwellings.lat[idx], lon=dwellings.lon[idx],
        neighbourhood_code=tuple(dwellings.neighbourhood_code[i] for i in idx.tolist()),
        region_index=dwellings.region_index[idx], max_occupants=dwellings.max_occupants[idx],
        bedrooms=dwellings.bedrooms[idx], suitable_for_children=dwellings.suitable_for_children[idx],
        bare_rent_cents=dwellings.bare_rent_cents[idx], floor_area_m2=dwellings.floor_area_m2[idx],
        floor=dwellings.floor[idx], has_elevator=dwellings.has_elevator[idx],
        wheelchair_accessible=dwellings.wheelchair_accessible[idx], gallery_access=dwellings.gallery_access[idx],
        shared_entrance_households=dwellings.shared_entrance_households[idx],
        next_to_business=dwellings.next_to_business[idx], busy_road=dwellings.busy_road[idx],
        contract_types=dwellings.contract_types[idx], available_from=dwellings.available_from[idx],
        nearest_place_m=dwellings.nearest_place_m[idx],
    )
