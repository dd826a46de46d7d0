"""The round's fast path (a few per cent of the pairs, priced over all of them) reaches the optimum of one flow
over every eligible pair; the capped round respects every cap, bounds the optimum and repeats itself."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matching_builders import eligible_arcs
from matching_strategies import PROPERTY, problems

from bench.generator import generate
from matching import Problem, SolveParams, prepare_registrations, solve
from matching.capped import neighbourhood_caps
from matching.flow import flow_assign
from matching.network import Network
from matching.prepare import DwellingTables
from matching.sweep import Ordering, run_sweep


def _plain_flow(problem: Problem, slots: int) -> tuple[int, int]:
    # One min-cost flow over every eligible pair the sweep kept: (filled slots, total score).
    rg = prepare_registrations(problem)
    dw = DwellingTables(problem, rg)
    sweep = run_sweep(dw, rg, Ordering(rg), k=1)
    arcs = sweep.pairs.arcs(np.ones(len(sweep.pairs), np.bool_))
    capacity = np.minimum(slots, sweep.eligible_count).astype(np.int64)
    chosen = flow_assign(arcs, dw.n, Network(capacity), Ordering(rg).tb_value, tie_break=False)
    return int(chosen.sum()), int(arcs.s[chosen].sum())


@PROPERTY
@given(problems(max_dwellings=5, max_registrations=9), st.integers(1, 3))
def test_the_round_reaches_the_plain_flows_optimum_on_small_random_instances(problem: Problem, slots: int) -> None:
    result = solve(problem, SolveParams(slots_per_dwelling=slots))
    rg = prepare_registrations(problem)
    dw = DwellingTables(problem, rg)
    # The sweep's pairs are exactly the reference's eligible pairs.
    reference = eligible_arcs(problem, dw, rg)
    assert result.eligible_pairs == len(reference)
    assert result.status == "OPTIMAL" and result.gap == 0
    assert (result.filled_slots, result.objective) == _plain_flow(problem, slots)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_round_reaches_the_plain_flows_optimum_on_generated_regions(seed: int) -> None:
    # Realistic instances (bench.generator) with many competing registrations: several pricing rounds.
    problem = generate(120, 1500, seed=seed, n_regions=3)
    result = solve(problem, SolveParams(max_time_in_seconds=60.0))
    assert result.status == "OPTIMAL" and result.bound == result.objective
    assert (result.filled_slots, result.objective) == _plain_flow(problem, 3)
    assert result.filled_slots_bound == result.filled_slots


@pytest.mark.parametrize("seed", [0, 1])
def test_a_capped_round_respects_every_cap_bounds_itself_and_repeats_itself(seed: int) -> None:
    problem = generate(120, 1500, seed=seed, n_regions=3, cap=1)
    params = SolveParams(max_time_in_seconds=60.0, max_lagrange_steps=8, max_cpsat_arcs=0)
    first, second = solve(problem, params), solve(problem, params)
    assert [[c.registration_id for c in s.candidates] for s in first.shortlists] == \
        [[c.registration_id for c in s.candidates] for s in second.shortlists]
    assert (first.bound, first.filled_slots_bound, first.solver) == (second.bound, second.filled_slots_bound,
                                                                     second.solver)
    rg = prepare_registrations(problem)
    dw = DwellingTables(problem, rg)
    caps = neighbourhood_caps(dw)
    per_nb = np.zeros(len(caps), np.int64)
    for s in first.shortlists:
        for c in s.candidates:
            per_nb[dw.nb_index[s.dwelling_index]] += int(rg.high_support[c.registration_index])
    assert ((caps < 0) | (per_nb <= caps)).all()
    # No capped solution fills more than the uncapped optimum, or scores more at the same fill than the bound.
    uncapped_fill, _score = _plain_flow(problem, 3)
    assert first.filled_slots <= first.filled_slots_bound <= uncapped_fill
    assert first.objective <= first.bound
