"""Extract: from the chosen arcs to ranked shortlists with score breakdowns, and the result of a run."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from matching.model import RULE_CODES, BoolArray, IntArray, Problem, SolveParams
from matching.network import Arcs
from matching.prepare import DwellingTables, RegistrationTables
from matching.result import Candidate, MatchResult, Shortlist
from matching.scoring import score_terms


def shortlists(problem: Problem, dw: DwellingTables, rg: RegistrationTables, arcs: Arcs, chosen: BoolArray,
               excluded: IntArray, eligible_count: IntArray) -> tuple[Shortlist, ...]:
    """Return one shortlist per dwelling of `problem`: its chosen candidates ranked, its exclusion counts."""
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


def match_result(problem: Problem, found: tuple[Shortlist, ...], *, status: str, slack: int,
                 filled_slots_bound: int, eligible_pairs: int, timings: Mapping[str, float], solver: str,
                 components: int, arcs: int, pricing_rounds: int, replay: SolveParams) -> MatchResult:
    """Return the result of a run: the shortlists with their totals, the proof (status, bounds) and how it went.

    `slack` bounds the score a solution filling as many slots could add (0 when proven optimal).
    """
    objective = sum(c.score for s in found for c in s.candidates)
    bound = objective + slack
    return MatchResult(
        shortlists=found,
        status=status,
        objective=objective,
        bound=bound,
        gap=(bound - objective) / max(1, abs(objective)),
        filled_slots=sum(len(s.candidates) for s in found),
        filled_slots_bound=filled_slots_bound,
        eligible_pairs=eligible_pairs,
        timings=timings,
        policy_versions=tuple(p.version_id for p in problem.policies),
        default_policy_version=problem.default_policy.version_id,
        solver=solver,
        components=components,
        arcs=arcs,
        pricing_rounds=pricing_rounds,
        replay=replay,
    )
