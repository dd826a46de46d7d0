"""Derived arrays the hot path reads: per registration, per dwelling, sparse exclusions and row blocks."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Final

import numpy as np

from matching.cbs import areas_of, municipality_of, validate_area_code
from matching.figures import FiguresTable
from matching.geo import points_within
from matching.model import (
    BAR_NIGHTLIFE,
    CATEGORIES,
    CONTRACT_FLIP,
    CONTRACT_FLIP_REQUIRED,
    CONTRACT_REGULAR,
    CONTRACT_REGULAR_ONLY,
    HIGH_SUPPORT_MIN,
    LOW_STIMULUS_PREFERRED,
    LOW_STIMULUS_REQUIRED,
    PENSION_AGE,
    RULE_CODES,
    BoolArray,
    IntArray,
    Problem,
    RegionPolicy,
    Registrations,
)

NO_CEILING: Final = np.iinfo(np.int64).max


@dataclass(frozen=True, eq=False)
class Csr:
    """Sparse (dwelling -> registrations) pairs in compressed-row form."""

    indptr: IntArray
    cols: IntArray

    @classmethod
    def from_pairs(cls, n_rows: int, rows: IntArray, cols: IntArray) -> Csr:
        """Build from parallel row/column arrays; duplicates are dropped."""
        if len(rows):
            key = np.unique(rows.astype(np.int64) * (int(cols.max()) + 1) + cols.astype(np.int64))
            rows, cols = key // (int(cols.max()) + 1), key % (int(cols.max()) + 1)
        counts = np.bincount(rows, minlength=n_rows) if len(rows) else np.zeros(n_rows, np.int64)
        indptr = np.zeros(n_rows + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr, cols.astype(np.int64))

    def rows_of(self, rows: IntArray) -> tuple[IntArray, IntArray]:
        """Return (position in `rows`, registration) for every stored pair of the given rows."""
        starts, stops = self.indptr[rows], self.indptr[rows + 1]
        lengths = stops - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        owner = np.repeat(np.arange(len(rows)), lengths)
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return owner, self.cols[np.repeat(starts, lengths) + offsets]


class RegistrationTables:
    """Per-registration arrays derived once and shared by every dwelling evaluated against them."""

    def __init__(self, regs: Registrations, policies: tuple[RegionPolicy, ...], default_policy: RegionPolicy,
                 figures: FiguresTable) -> None:
        self.source = regs
        self.n = n = len(regs)
        self.slots: tuple[RegionPolicy, ...] = (*policies, default_policy)
        self.figures = figures
        self.persons = regs.adults + regs.children_count
        # -1 for childless households so that "needed > available" never fires for them.
        self.bedrooms_needed = np.where(regs.children_count > 0, 1 + (regs.children_count + 1) // 2, -1)
        self._ceilings: dict[int, IntArray] = {}
        self.orders: dict[int, IntArray] = {}
        radius = regs.avoid_radius_m.T.copy()
        self.avoid_radius = np.where(radius > 0, radius, -1.0)
        self.avoid_any = tuple(bool((radius[c] > 0).any()) for c in range(len(CATEGORIES)))
        self.ls_required = regs.low_stimulus == LOW_STIMULUS_REQUIRED
        self.ls_preferred = regs.low_stimulus == LOW_STIMULUS_PREFERRED
        self.wheelchair = regs.needs_wheelchair
        self.no_stairs = regs.needs_no_stairs
        self.need_flip = regs.contract == CONTRACT_FLIP_REQUIRED
        self.need_regular = regs.contract == CONTRACT_REGULAR_ONLY
        self.ready_from = regs.ready_from
        self.available = regs.available
        self.support = regs.support_intensity
        self.high_support = regs.support_intensity >= HIGH_SUPPORT_MIN
        self.small = self.persons <= 2
        self.waiting = regs.waiting_days
        self.urgent = regs.urgent
        # Row g: ties suffice for region g; the extra last row (no region) has no requirement.
        tie_ok = np.ones((len(self.slots), n), dtype=np.bool_)
        for g, policy in enumerate(policies):
            tie_ok[g] = regs.ties_years[:, g] >= policy.min_tie_years
        self.tie_ok = tie_ok
        # Row g: on region g's list (the extra last row: on no region's list); None when lists are not used.
        self.on_list: BoolArray | None = None
        if regs.region_index is not None:
            listed = np.where((regs.region_index >= 0) & (regs.region_index < len(policies)), regs.region_index,
                              len(policies))
            self.on_list = listed[None, :] == np.arange(len(self.slots))[:, None]
        self.exempt_cols = tuple(
            np.flatnonzero(regs.exempt_rules & (1 << k)).astype(np.int64) for k in range(len(RULE_CODES)))
        # Tie-break order: longer wait, then older registration, then index (rank 0 is preferred).
        order = np.lexsort((np.arange(n), regs.registered_at, -regs.waiting_days))
        self.tb_rank = np.empty(n, np.int64)
        self.tb_rank[order] = np.arange(n)
        self.base = np.stack([self._base_score(p) for p in self.slots]) if n else np.zeros((len(self.slots), 0),
                                                                                            np.int64)
        self.avoid_area_regs = _group_codes(regs.avoid_areas, check=True)
        self.preferred_regs = _group_codes(regs.preferred_municipalities, check=True)
        points = regs.avoid_points
        self.point_reg, self.point_lat, self.point_lon, self.point_radius = (
            points.registration_index, points.lat, points.lon, points.radius_m)

    def with_available(self, available: BoolArray) -> RegistrationTables:
        """The same prepared registrations with another availability (nothing else depends on it)."""
        mask = np.array(available, np.bool_, copy=True)
        if mask.shape != (self.n,):
            raise ValueError(f"available: expected length {self.n}, got shape {mask.shape}")
        mask.setflags(write=False)
        twin = copy.copy(self)
        twin.available = mask
        return twin

    def _base_score(self, policy: RegionPolicy) -> IntArray:
        # The registration-only part of the score: waiting time and urgency.
        return (int(policy.weight_waiting_per_day) * self.waiting
                + int(policy.weight_urgency) * self.urgent.astype(np.int64))

    def ceiling(self, year: int) -> IntArray:
        """Per registration, the highest bare rent allowed in `year` (NO_CEILING where the rule is off)."""
        cached = self._ceilings.get(year)
        if cached is not None:
            return cached
        fig = self.figures.for_year(year)
        regs = self.source
        limit = fig.income_limits(self.persons, (year - regs.birth_year) >= PENSION_AGE)
        applies = regs.annual_income_cents <= limit
        ceiling = np.where(self.persons <= 2, fig.rent_ceiling_low, fig.rent_ceiling_high)
        out = np.where(applies, ceiling, NO_CEILING).astype(np.int64)
        self._ceilings[year] = out
        return out


def _group_codes(entries: tuple[tuple[int, str], ...], check: bool) -> dict[str, IntArray]:
    # Each distinct code is validated once, not once per entry: a prepared pool of tens of thousands of
    # registrations holds far more entries than distinct codes, and this runs on every rebuild.
    grouped: dict[str, list[int]] = {}
    for r, code in entries:
        grouped.setdefault(code, []).append(r)
    if check:
        for code in grouped:
            validate_area_code(code)
    return {code: np.unique(np.array(rs, np.int64)) for code, rs in grouped.items()}


@dataclass(frozen=True, eq=False)
class Block:
    """A run of dwelling rows sharing one policy slot and one availability year."""

    rows: IntArray
    slot: int
    year: int


class DwellingTables:
    """Per-dwelling arrays (policy applied), sparse exclusions, and the row blocks of the sweep."""

    def __init__(self, problem: Problem, rg: RegistrationTables, block_cells: int = 2_000_000) -> None:
        dws = problem.dwellings
        self.n = n = len(dws)
        n_regions = len(problem.policies)
        self.slot = np.where(dws.region_index < 0, n_regions, dws.region_index).astype(np.int64)
        slots = rg.slots

        def per_dwelling(values: list[float]) -> np.ndarray:
            """Spread one value per policy slot over the dwellings of that slot."""
            return np.asarray(values)[self.slot] if n else np.zeros(0)

        days = dws.available_from.astype("datetime64[D]")
        self.year = days.astype("datetime64[Y]").astype(np.int64) + 1970
        self.rent = dws.bare_rent_cents
        self.max_occupants = dws.max_occupants
        self.child_bedrooms = np.where(dws.suitable_for_children, dws.bedrooms, -1)
        self.wheel_ok = dws.wheelchair_accessible
        self.stairs_ok = (dws.floor == 0) | dws.has_elevator
        self.offers_flip = (dws.contract_types & CONTRACT_FLIP) != 0
        self.offers_regular = (dws.contract_types & CONTRACT_REGULAR) != 0
        self.nearest = dws.nearest_place_m.T.copy()
        max_entrance = per_dwelling([p.low_stimulus_max_entrance_households for p in slots])
        nightlife = per_dwelling([p.low_stimulus_nightlife_radius_m for p in slots])
        self.ls_ok = (~dws.gallery_access & (dws.shared_entrance_households <= max_entrance)
                      & ~dws.next_to_business & ~dws.busy_road & (self.nearest[BAR_NIGHTLIFE] > nightlife))
        self.deadline = dws.available_from + per_dwelling([p.ready_date_slack_days for p in slots]).astype(np.int64)
        nb_codes = dws.neighbourhood_code
        self.nb_codes = tuple(sorted(set(nb_codes)))
        nb_pos = {c: i for i, c in enumerate(self.nb_codes)}
        self.nb_index = np.array([nb_pos[c] for c in nb_codes], np.int64)
        munis = [municipality_of(c) for c in nb_codes]
        self.muni_codes = tuple(sorted(set(munis)))
        muni_pos = {c: i for i, c in enumerate(self.muni_codes)}
        self.muni_index = np.array([muni_pos[c] for c in munis], np.int64)
        vuln = problem.neighbourhood_vulnerability
        recent = problem.recent_placements
        self.vulnerability = np.array([vuln.get(c, 0) for c in nb_codes], np.int64)
        self.recent = np.array([recent.get(c, 0) for c in nb_codes], np.int64)
        threshold = per_dwelling([p.oversize_threshold_m2 for p in slots])
        self.excess_m2 = np.floor(np.maximum(dws.floor_area_m2 - threshold, 0.0)).astype(np.int64)
        self.cap = per_dwelling([-1 if p.max_high_support_per_neighbourhood is None
                                 else p.max_high_support_per_neighbourhood for p in slots]).astype(np.int64)
        # Score coefficients per dwelling (its region's weights applied to its own features).
        self.w_wait = per_dwelling([p.weight_waiting_per_day for p in slots]).astype(np.int64)
        self.w_urgent = per_dwelling([p.weight_urgency for p in slots]).astype(np.int64)
        self.c_pref = per_dwelling([p.weight_preferred_municipality for p in slots]).astype(np.int64)
        w_ls = per_dwelling([p.weight_low_stimulus_preferred for p in slots]).astype(np.int64)
        self.c_ls = np.where(self.ls_ok, w_ls, 0)
        self.c_over = per_dwelling([p.weight_oversize_per_m2 for p in slots]).astype(np.int64) * self.excess_m2
        self.c_live = per_dwelling([p.weight_support_vulnerability for p in slots]).astype(np.int64) \
            * self.vulnerability
        self.c_recent = per_dwelling([p.weight_recent_placement for p in slots]).astype(np.int64) * self.recent
        self.pref_matrix = np.zeros((len(self.muni_codes), rg.n), np.bool_)
        for i, code in enumerate(self.muni_codes):
            regs = rg.preferred_regs.get(code)
            if regs is not None:
                self.pref_matrix[i, regs] = True
        self.surroundings = self._surroundings(problem, rg)
        rej = np.array(problem.rejected_pairs, np.int64).reshape(-1, 2)
        self.rejected = Csr.from_pairs(n, rej[:, 0], rej[:, 1])
        self.blocks = self._blocks(rg.n, block_cells)

    def _surroundings(self, problem: Problem, rg: RegistrationTables) -> Csr:
        # Avoid areas by CBS containment (GM contains its WK and BU codes, WK its BUs), then avoid circles.
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        if rg.avoid_area_regs:
            for d, code in enumerate(problem.dwellings.neighbourhood_code):
                for area in areas_of(code):
                    regs = rg.avoid_area_regs.get(area)
                    if regs is not None:
                        rows.append(np.full(len(regs), d, np.int64))
                        cols.append(regs)
        if len(rg.point_reg) and self.n:
            dws = problem.dwellings
            di, pi = points_within(dws.lat, dws.lon, rg.point_lat, rg.point_lon, rg.point_radius)
            rows.append(di)
            cols.append(rg.point_reg[pi])
        if not rows:
            return Csr.from_pairs(self.n, np.zeros(0, np.int64), np.zeros(0, np.int64))
        return Csr.from_pairs(self.n, np.concatenate(rows), np.concatenate(cols))

    def _blocks(self, n_regs: int, block_cells: int) -> tuple[Block, ...]:
        # Region- and year-homogeneous blocks: one policy and one affordability table per block, so the
        # rules broadcast a single registration row instead of gathering per dwelling.
        per_block = max(1, block_cells // max(n_regs, 1))
        order = np.lexsort((np.arange(self.n), self.year, self.slot))
        blocks: list[Block] = []
        start = 0
        while start < self.n:
            slot, year = self.slot[order[start]], self.year[order[start]]
            stop = start
            while (stop < self.n and stop - start < per_block and self.slot[order[stop]] == slot
                   and self.year[order[stop]] == year):
                stop += 1
            blocks.append(Block(np.sort(order[start:stop]), int(slot), int(year)))
            start = stop
        return tuple(blocks)
