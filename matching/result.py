"""Output model of the matcher: frozen shortlists, solver status, bound and timings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matching.model import SolveParams


@dataclass(frozen=True)
class Candidate:
    """One ranked candidate on a shortlist, with the points of each score term."""

    rank: int
    registration_index: int
    registration_id: str
    score: int
    score_breakdown: Mapping[str, int]


@dataclass(frozen=True)
class Shortlist:
    """Up to `slots` candidates for one dwelling, and per rule code how many registrations it excluded."""

    dwelling_index: int
    dwelling_id: str
    candidates: tuple[Candidate, ...]
    excluded: Mapping[str, int]
    eligible_count: int


@dataclass(frozen=True)
class MatchResult:
    """Result of one matching round.

    `objective` is the total score of all candidates; `bound` an upper bound on it among solutions that
    fill as many slots as this one (equal to `objective` when proven optimal); `gap` is
    (bound - objective) / max(1, |objective|). `filled_slots_bound` bounds the slots any solution fills.
    `replay` is the settings that reproduce these shortlists from the same inputs even when the time limit cut
    the run short: the given ones with the pricing rounds, dual steps and CP-SAT deterministic time it took.
    """

    shortlists: tuple[Shortlist, ...]
    status: str
    objective: int
    bound: int
    gap: float
    filled_slots: int
    filled_slots_bound: int
    eligible_pairs: int
    timings: Mapping[str, float]
    policy_versions: tuple[str, ...]
    default_policy_version: str
    solver: str
    components: int
    arcs: int
    pricing_rounds: int
    replay: SolveParams


@dataclass(frozen=True)
class RegistrationDiagnosis:
    """Why one registration is (not) matched: per rule, dwellings passing it and what lifting it frees."""

    registration_index: int
    registration_id: str
    dwellings: int
    eligible: int
    passing: Mapping[str, int]
    eligible_without: Mapping[str, int]

    @property
    def sole_blockers(self) -> tuple[str, ...]:
        """Rule codes whose lifting alone would make at least one more dwelling eligible."""
        return tuple(code for code, n in self.eligible_without.items() if n > self.eligible)
