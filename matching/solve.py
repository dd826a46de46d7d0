"""The matcher's face: solve a round, shortlist one new dwelling instantly, prepare registrations once."""

from __future__ import annotations

from time import perf_counter

import numpy as np

from matching.capped import neighbourhood_caps, solve_capped
from matching.colgen import big_m_for, column_generation, count_components, initial_arcs
from matching.model import RULE_CODES, BoolArray, Dwellings, IntArray, Problem, SolveParams
from matching.optimiser import Arcs, Network
from matching.prepare import DwellingTables, RegistrationTables
from matching.result import Candidate, MatchResult, Shortlist
from matching.rules import Cols, eligible_mask, row_counts, rule_masks
from matching.scoring import dwelling_score_bounds, score_pairs, score_terms
from matching.sweep import Ordering, run_sweep, top_k


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
    prepared_s = perf_counter() - started - sweep.eligibility_seconds - sweep.scoring_seconds

    t0 = perf_counter()
    capacity = np.minimum(params.slots_per_dwelling, sweep.eligible_count).astype(np.int64)
    big_m = big_m_for(dw, rg, sweep, capacity)
    start = initial_arcs(dw, rg, ordering, sweep, capacity)
    base = column_generation(dw, rg, ordering, sweep, params, deadline, Network(capacity), big_m, start)
    arcs, chosen = base.arcs, base.chosen
    status = "OPTIMAL" if base.certified else "FEASIBLE"
    solver = "min_cost_flow"
    bound_combined = base.value() + base.extra
    n_comp = count_components(arcs, dw.n, rg.n)
    if (neighbourhood_caps(dw) >= 0).any() and rg.high_support.any():
        capped = solve_capped(dw, rg, ordering, sweep, params, base, deadline)
        arcs, chosen, status = capped.arcs, capped.chosen, capped.status
        bound_combined = capped.bound_combined
        n_comp = capped.components or n_comp
        solver = f"cp_sat:{capped.cpsat_status}"
    optimise_s = perf_counter() - t0

    t1 = perf_counter()
    shortlists = _shortlists(problem, dw, rg, arcs, chosen, sweep.excluded, sweep.eligible_count)
    filled = int(chosen.sum())
    objective = int(arcs.s[chosen].sum())
    combined = big_m * filled + objective
    bound = objective + max(0, bound_combined - combined)
    fill_bound = base.filled + (base.extra + big_m - 1) // big_m
    extract_s = perf_counter() - t1
    timings = {
        "prepare": prepared_s,
        "eligibility": sweep.eligibility_seconds,
        "scoring": sweep.scoring_seconds,
        "optimise": optimise_s,
        "extract": extract_s,
        "total": perf_counter() - started,
    }
    return MatchResult(
        shortlists=shortlists,
        status=status,
        objective=objective,
        bound=bound,
        gap=(bound - objective) / max(1, abs(objective)),
        filled_slots=filled,
        filled_slots_bound=min(int(capacity.sum()), fill_bound),
        eligible_pairs=int(sweep.eligible_count.sum()),
        timings=timings,
        policy_versions=tuple(p.version_id for p in problem.policies),
        default_policy_version=problem.default_policy.version_id,
        solver=solver,
        components=n_comp,
        arcs=len(arcs),
        pricing_rounds=base.rounds,
    )


def _shortlists(problem: Problem, dw: DwellingTables, rg: RegistrationTables, arcs: Arcs, chosen: BoolArray,
                excluded: IntArray, eligible_count: IntArray) -> tuple[Shortlist, ...]:
    d, r = arcs.d[chosen], arcs.r[chosen]
    # Within a shortlist: score desc, then longer wait, then older registration, then index (tb_rank).
    order = np.lexsort((rg.tb_rank[r], -arcs.s[chosen], d))
    d, r = d[order], r[order]
    terms = score_terms(dw, rg, d, r)
    by_dwelling: dict[int, list[Candidate]] = {}
    for i, (dd, rr) in enumerate(zip(d.tolist(), r.tolist(), strict=True)):
        breakdown = {name: int(values[i]) for name, values in terms.items()}
        group = by_dwelling.setdefault(dd, [])
        group.append(Candidate(rank=len(group) + 1, registration_index=rr,
                               registration_id=problem.registrations.ids[rr],
                               score=sum(breakdown.values()), score_breakdown=breakdown))
    return tuple(
        Shortlist(dwelling_index=i, dwelling_id=problem.dwellings.ids[i],
                  candidates=tuple(by_dwelling.get(i, ())),
                  excluded={code: int(excluded[i, k]) for k, code in enumerate(RULE_CODES)},
                  eligible_count=int(eligible_count[i]))
        for i in range(dw.n))


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


def instant_shortlist(problem: Problem, dwelling_index: int = 0, params: SolveParams | None = None,
                      prepared: RegistrationTables | None = None, available: BoolArray | None = None,
                      members: BoolArray | None = None) -> Shortlist:
    """Shortlist ONE dwelling against all registrations: the top eligible by score, optimal for one dwelling.

    Other open dwellings are ignored (use `available` to exclude registrations already on a shortlist).
    A prepared pool of registrations is reused across many dwellings while registrations come and go:
    `available` then replaces `problem.registrations.available`, and `members` (default: all) says which
    registrations belong to the problem at all; the others are neither candidates nor counted as excluded,
    so the result equals that of a problem built from the members alone.
    """
    params = params or SolveParams()
    rg = registration_tables(problem, prepared)
    if available is not None:
        rg = rg.with_available(available)
    pairs = tuple((0, r) for d, r in problem.rejected_pairs if d == dwelling_index)
    single = Problem(dwellings=take_dwellings(problem.dwellings, [dwelling_index]),
                     registrations=problem.registrations, policies=problem.policies, figures=problem.figures,
                     default_policy=problem.default_policy,
                     neighbourhood_vulnerability=problem.neighbourhood_vulnerability,
                     recent_placements=problem.recent_placements, rejected_pairs=pairs)
    dw = DwellingTables(single, rg, params.block_cells)
    block = dw.blocks[0]
    shape = (1, rg.n)
    masks = rule_masks(dw, rg, block, Cols.all(rg.n))
    if members is None:
        excluded = np.array([[int(row_counts(m, shape)[0]) for m in masks]], np.int64)
        elig = eligible_mask(masks, shape)
    else:
        inside = np.asarray(members, np.bool_)[None, :]
        excluded = np.array([[int(np.count_nonzero(np.broadcast_to(m, shape) & inside)) for m in masks]], np.int64)
        elig = eligible_mask(masks, shape) & inside
    _lo, hi = dwelling_score_bounds(dw, rg)
    top = top_k(dw, rg, Ordering(rg), block, elig, params.slots_per_dwelling, hi)[0]
    regs = top[top >= 0]
    zeros = np.zeros(len(regs), np.int64)
    arcs = Arcs(zeros, regs, score_pairs(dw, rg, zeros, regs))
    shortlist = _shortlists(single, dw, rg, arcs, np.ones(len(regs), np.bool_), excluded,
                            np.array([int(elig.sum())]))[0]
    return Shortlist(dwelling_index=dwelling_index, dwelling_id=shortlist.dwelling_id,
                     candidates=shortlist.candidates, excluded=shortlist.excluded,
                     eligible_count=shortlist.eligible_count)
