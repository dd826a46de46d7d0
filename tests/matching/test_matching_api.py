"""Public helpers, edge cases and the reuse of prepared registrations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from matching_builders import build

from matching import (
    RegionPolicy,
    SolveParams,
    diagnose_registration,
    exemption_mask,
    instant_shortlist,
    prepare_registrations,
    region_ties,
    rule_bit,
    solve,
    take_dwellings,
    waiting_days_from,
)


def test_region_ties_take_the_best_of_resident_and_work_over_the_municipalities() -> None:
    ties = region_ties(2, [(0, "GM0344", 2, 4), (0, "GM0356", 5, 0), (1, "GM0363", 1, 0)],
                       [("GM0344", "GM0356"), ("GM0363",)])
    assert ties.tolist() == [[5.0, 0.0], [0.0, 1.0]]


def test_exemption_bits_and_waiting_days() -> None:
    assert exemption_mask(["REGIONAL_TIES"]) == rule_bit("REGIONAL_TIES") == 16
    with pytest.raises(ValueError):
        rule_bit("NOPE")
    days = waiting_days_from(np.array(["2025-01-01", "2026-02-01"], "datetime64[D]"), np.datetime64("2026-01-01"))
    assert days.tolist() == [365, 0]


def test_empty_sides() -> None:
    problem = build([{}], [{}])
    no_dwellings = replace(problem, dwellings=take_dwellings(problem.dwellings, []))
    result = solve(no_dwellings)
    assert result.shortlists == () and result.status == "OPTIMAL" and result.filled_slots == 0
    no_regs = build([{}, {}], [])
    result = solve(no_regs)
    assert [len(s.candidates) for s in result.shortlists] == [0, 0]
    assert instant_shortlist(no_regs, 1).shortlists[0].candidates == ()


def test_result_echoes_policies_and_reports_phases() -> None:
    problem = build([{}], [{}, {}], (RegionPolicy("u16-v3"),), default_policy=RegionPolicy("default-v1"))
    result = solve(problem, SolveParams(slots_per_dwelling=1))
    assert result.policy_versions == ("u16-v3",) and result.default_policy_version == "default-v1"
    assert {"eligibility", "scoring", "optimise", "extract"} <= set(result.timings)
    assert result.filled_slots == 1 and result.eligible_pairs == 2


def test_prepared_registrations_are_reused_and_checked() -> None:
    problem = build([{}, {"bare_rent_cents": 90_000}], [{"waiting_days": 5}, {"waiting_days": 9}])
    prepared = prepare_registrations(problem)
    assert solve(problem, prepared=prepared).objective == solve(problem).objective
    instant = instant_shortlist(problem, 0, prepared=prepared).shortlists[0]
    assert [c.registration_id for c in instant.candidates] == ["r1", "r0"]
    other = build([{}], [{}])
    with pytest.raises(ValueError):
        instant_shortlist(other, 0, prepared=prepared)


def test_diagnosis_names_the_rule_that_alone_blocks() -> None:
    policy = (RegionPolicy("r0", min_tie_years=3.0),)
    problem = build([{}, {}, {"contract_types": 2}], [{"ties_years": [1.0], "contract": 2}], policy)
    diag = diagnose_registration(problem, 0)
    assert diag.eligible == 0
    assert diag.eligible_without["REGIONAL_TIES"] == 2
    assert diag.sole_blockers == ("REGIONAL_TIES",)
    assert diag.passing["CONTRACT"] == 2
