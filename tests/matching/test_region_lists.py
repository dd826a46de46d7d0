"""Region lists: a registration is matched only with the dwellings of the region whose list it is on.

Checked against an independent reading of the rule: the same problem without lists, where every pair across
lists is made impossible by a rejection, has the same optimum; and a dwelling counts only its own list's
registrations as excluded, a registration only its own region's dwellings as open.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from matching_builders import build, reference_fails
from matching_strategies import PROPERTY, problems

import matching
from matching import Problem


def _listed(problem: Problem, lists: list[int]) -> Problem:
    regs = dataclasses.replace(problem.registrations, region_index=np.array(lists, np.int64))
    return dataclasses.replace(problem, registrations=regs)


def _slot(problem: Problem, region: int) -> int:
    # A dwelling outside every region shares the "no region" list with the registrations on no list.
    return region if 0 <= region < len(problem.policies) else -1


def _crossing_rejected(problem: Problem, lists: list[int]) -> Problem:
    crossing = {(d, r) for d in range(len(problem.dwellings)) for r in range(len(lists))
                if _slot(problem, int(problem.dwellings.region_index[d])) != _slot(problem, lists[r])}
    return dataclasses.replace(problem, rejected_pairs=tuple(sorted({*problem.rejected_pairs, *crossing})))


@PROPERTY
@given(data=st.data())
def test_lists_give_the_optimum_of_rejecting_every_pair_across_lists(data: st.DataObject) -> None:
    problem = data.draw(problems())
    lists = data.draw(st.lists(st.sampled_from([0, 1, -1]), min_size=len(problem.registrations),
                               max_size=len(problem.registrations)))
    listed = matching.solve(_listed(problem, lists))
    rejected = matching.solve(_crossing_rejected(problem, lists))
    assert (listed.filled_slots, listed.objective) == (rejected.filled_slots, rejected.objective)
    for shortlist in listed.shortlists:
        d = problem.dwellings.ids.index(shortlist.dwelling_id)
        own = [r for r in range(len(lists)) if _slot(problem, lists[r]) == _slot(
            problem, int(problem.dwellings.region_index[d]))]
        assert all(c.registration_index in own for c in shortlist.candidates)
        # Only the dwelling's own list counts: a rule excludes a registration of another list nowhere.
        expected = {code: sum(reference_fails(problem, d, r)[code] for r in own) for code in matching.RULE_CODES}
        assert dict(shortlist.excluded) == expected


@PROPERTY
@given(data=st.data())
def test_a_registration_is_diagnosed_against_its_own_regions_dwellings_only(data: st.DataObject) -> None:
    problem = data.draw(problems())
    lists = data.draw(st.lists(st.sampled_from([0, 1, -1]), min_size=len(problem.registrations),
                               max_size=len(problem.registrations)))
    for diagnosis, region in zip(matching.diagnose_registrations(_listed(problem, lists)), lists, strict=True):
        mine = [d for d in range(len(problem.dwellings))
                if _slot(problem, int(problem.dwellings.region_index[d])) == _slot(problem, region)]
        assert diagnosis.dwellings == len(mine)
        r = diagnosis.registration_index
        assert diagnosis.passing == {code: sum(not reference_fails(problem, d, r)[code] for d in mine)
                                     for code in matching.RULE_CODES}


def test_without_lists_every_registration_may_be_matched_in_every_region() -> None:
    problem = build([{"region_index": 0}, {"region_index": -1}], [{"waiting_days": 5}, {"waiting_days": 3}])
    assert problem.registrations.region_index is None
    assert matching.solve(problem).filled_slots == 2

    def placed(lists: list[int]) -> dict[str, list[str]]:
        result = matching.solve(_listed(problem, lists))
        return {s.dwelling_id: [c.registration_id for c in s.candidates] for s in result.shortlists}

    assert placed([0, 0]) == {"d0": ["r0", "r1"], "d1": []}
    # On no list: only a dwelling outside every region, which no office holds either, can take it.
    assert placed([-1, 0]) == {"d0": ["r1"], "d1": ["r0"]}
