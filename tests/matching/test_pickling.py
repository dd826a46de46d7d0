"""A problem survives pickling (it is solved in another process): the same result, still read-only."""

import pickle

import pytest

from bench.generator import generate
from matching import SolveParams, prepare_registrations, solve


def test_a_pickled_problem_and_its_prepared_registrations_solve_to_the_same_shortlists():
    problem = generate(40, 400, seed=3, n_regions=2, cap=2)
    params = SolveParams(max_time_in_seconds=5, random_seed=0, num_workers=1)
    expected = solve(problem, params)

    copy, prepared = pickle.loads(pickle.dumps((problem, prepare_registrations(problem))))
    got = solve(copy, params, prepared=prepared)

    assert expected.filled_slots > 0
    assert got.shortlists == expected.shortlists and got.objective == expected.objective
    assert dict(copy.neighbourhood_vulnerability) == dict(problem.neighbourhood_vulnerability) != {}
    assert dict(copy.figures.by_year) == dict(problem.figures.by_year)
    with pytest.raises(TypeError):
        copy.recent_placements["anything"] = 1  # type: ignore[index]
