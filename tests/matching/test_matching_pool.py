"""A prepared pool reused while registrations come and go gives what a problem of its members alone gives."""

from __future__ import annotations

import random

import numpy as np
import pytest
from matching_builders import build

from matching import instant_shortlist, prepare_registrations


def _registrations(rng: random.Random, n: int) -> list[dict]:
    regs = []
    for i in range(n):
        regs.append({
            # Few distinct waits, so equal scores are common and the tie-break decides.
            "waiting_days": rng.choice((10, 20, 30)), "registered_at": 1_000 + i,
            "low_stimulus": rng.choice((0, 0, 1, 2)), "needs_wheelchair": rng.random() < 0.15,
            "contract": rng.choice((0, 0, 1, 2)), "children_count": rng.choice((0, 0, 0, 1, 2)),
            "annual_income_cents": rng.choice((1_500_000, 2_500_000, 6_000_000)),
        })
    return regs


@pytest.mark.parametrize("seed", range(12))
def test_members_and_availability_on_a_prepared_pool_equal_a_problem_of_the_members(seed: int) -> None:
    rng = random.Random(seed)
    regs = _registrations(rng, 60)
    dwelling = {"wheelchair_accessible": rng.random() < 0.5, "contract_types": rng.choice((1, 2, 3))}
    members = np.array([rng.random() < 0.7 for _ in regs])
    available = np.array([rng.random() < 0.8 for _ in regs])
    whole = build([dwelling], regs)
    (pooled,) = instant_shortlist(whole, 0, prepared=prepare_registrations(whole), available=available,
                                  members=members).shortlists

    kept = [i for i in range(len(regs)) if members[i]]
    alone = build([dwelling], [{**regs[i], "available": bool(available[i])} for i in kept])
    (fresh,) = instant_shortlist(alone, 0).shortlists

    assert [f"r{kept[int(c.registration_id[1:])]}" for c in fresh.candidates] == \
        [c.registration_id for c in pooled.candidates]
    assert [(c.rank, c.score, c.score_breakdown) for c in fresh.candidates] == \
        [(c.rank, c.score, c.score_breakdown) for c in pooled.candidates]
    assert fresh.excluded == pooled.excluded
    assert fresh.eligible_count == pooled.eligible_count
    assert pooled.candidates  # the draw leaves someone eligible, so the comparison is not empty


def test_availability_of_the_wrong_length_is_refused() -> None:
    problem = build([{}], [{}, {}])
    with pytest.raises(ValueError, match="available"):
        instant_shortlist(problem, 0, prepared=prepare_registrations(problem), available=np.ones(3, np.bool_))
