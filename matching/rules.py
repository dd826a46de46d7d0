"""Hard rules: one function per rule, each returning the pairs it EXCLUDES for a block of dwellings.

Every function takes a row block (dwellings sharing a policy and a year) and a set of registration columns
and returns a boolean mask broadcastable to (rows, columns): True = this rule excludes the pair. Masks are
built by broadcasting a dwelling column against a registration row, so no Python loop runs over pairs;
only sparse lists (avoid areas, avoid circles, rejections) are scattered in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matching.model import RULE_CODES, BoolArray, IntArray
from matching.prepare import Block, Csr, DwellingTables, RegistrationTables


@dataclass(frozen=True, eq=False)
class Cols:
    """A selection of registration columns: all of them, or an index array."""

    index: IntArray | None
    n: int
    n_total: int

    @classmethod
    def all(cls, n_total: int) -> Cols:
        """Select every registration."""
        return cls(None, n_total, n_total)

    @classmethod
    def subset(cls, n_total: int, index: IntArray) -> Cols:
        """Select the given registration indices, in that order."""
        index = np.asarray(index, np.int64)
        return cls(index, len(index), n_total)

    def take(self, arr: np.ndarray) -> np.ndarray:
        """Restrict a per-registration array (last axis) to the selection."""
        return arr if self.index is None else arr[..., self.index]

    def positions(self, regs: IntArray) -> tuple[BoolArray, IntArray]:
        """Map registration indices to column positions: (found mask, positions of the found ones)."""
        if self.index is None:
            return np.ones(len(regs), np.bool_), regs
        lookup = np.full(self.n_total, -1, np.int64)
        lookup[self.index] = np.arange(self.n)
        pos = lookup[regs]
        found = pos >= 0
        return found, pos[found]


RuleFn = Callable[[DwellingTables, RegistrationTables, Block, Cols], BoolArray]


def _full(mask: BoolArray, shape: tuple[int, int]) -> BoolArray:
    return mask if mask.shape == shape else np.broadcast_to(mask, shape).copy()


def _scatter(mask: BoolArray, csr: Csr, block: Block, cols: Cols) -> BoolArray:
    # Add sparse exclusions (dwelling, registration) of these rows to a mask.
    owner, regs = csr.rows_of(block.rows)
    if len(owner) == 0:
        return mask
    found, pos = cols.positions(regs)
    if not found.any():
        return mask
    out = _full(mask, (len(block.rows), cols.n))
    out[owner[found], pos] = True
    return out


def household_fit(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> BoolArray:
    """Exclude households larger than max_occupants, or with children lacking a child-fit dwelling."""
    rows = block.rows
    too_many = cols.take(rg.persons)[None, :] > dw.max_occupants[rows, None]
    # child_bedrooms is -1 for dwellings unsuitable for children; childless households need -1.
    short = cols.take(rg.bedrooms_needed)[None, :] > dw.child_bedrooms[rows, None]
    return too_many | short


def affordability(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> BoolArray:
    """Exclude rents above the ceiling for households at or below the income limit (passend toewijzen)."""
    ceiling = cols.take(rg.ceiling(block.year))
    return dw.rent[block.rows, None] > ceiling[None, :]


def surroundings(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> BoolArray:
    """Exclude avoided place categories within the radius, avoided areas and avoided circles."""
    rows = block.rows
    mask: BoolArray = np.zeros((1, cols.n), np.bool_)
    for c, used in enumerate(rg.avoid_any):
        if not used:
            continue
        # Exactly at the radius counts as within; a radius of -1 (no avoidance) never matches.
        mask = mask | (dw.nearest[c, rows, None] <= cols.take(rg.avoid_radius[c])[None, :])
    return _scatter(mask, dw.surroundings, block, cols)


def low_stimulus(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> BoolArray:
    """Exclude dwellings that are not low-stimulus for registrations that require it."""
    return np.asarray((~dw.ls_ok[block.rows])[:, None] & cols.take(rg.ls_required)[None, :], np.bool_)


def regional_ties(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> BoolArray:
    """Exclude registrations with fewer tie years than the dwelling's region requires."""
    return ~cols.take(rg.tie_ok[block.slot])[None, :]


def accessibility(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> BoolArray:
    """Exclude wheelchair needs without access, and no-stairs needs above ground without an elevator."""
    rows = block.rows
    wheel = cols.take(rg.wheelchair)[None, :] & ~dw.wheel_ok[rows, None]
    stairs = cols.take(rg.no_stairs)[None, :] & ~dw.stairs_ok[rows, None]
    return np.asarray(wheel | stairs, np.bool_)


def contract(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> BoolArray:
    """Exclude flip-required without a flip offer, and regular-only without a regular offer."""
    rows = block.rows
    flip = cols.take(rg.need_flip)[None, :] & ~dw.offers_flip[rows, None]
    regular = cols.take(rg.need_regular)[None, :] & ~dw.offers_regular[rows, None]
    return np.asarray(flip | regular, np.bool_)


def availability(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> BoolArray:
    """Exclude unavailable registrations, ready too late for the dwelling, or rejected for it earlier."""
    late = cols.take(rg.ready_from)[None, :] > dw.deadline[block.rows, None]
    mask = (~cols.take(rg.available))[None, :] | late
    return _scatter(mask, dw.rejected, block, cols)


RULES: tuple[tuple[str, RuleFn], ...] = (
    ("HOUSEHOLD_FIT", household_fit),
    ("AFFORDABILITY", affordability),
    ("SURROUNDINGS", surroundings),
    ("LOW_STIMULUS", low_stimulus),
    ("REGIONAL_TIES", regional_ties),
    ("ACCESSIBILITY", accessibility),
    ("CONTRACT", contract),
    ("AVAILABILITY", availability),
)
assert tuple(code for code, _ in RULES) == RULE_CODES


def rule_masks(dw: DwellingTables, rg: RegistrationTables, block: Block, cols: Cols) -> list[BoolArray]:
    """Return each rule's exclusion mask for the block, with registration exemptions lifted."""
    shape = (len(block.rows), cols.n)
    masks: list[BoolArray] = []
    for k, (_code, fn) in enumerate(RULES):
        mask = fn(dw, rg, block, cols)
        exempt = rg.exempt_cols[k]
        if len(exempt):
            found, pos = cols.positions(exempt)
            if found.any():
                mask = _full(mask, shape)
                mask[:, pos] = False
        masks.append(mask)
    return masks


def eligible_mask(masks: list[BoolArray], shape: tuple[int, int]) -> BoolArray:
    """Return True where no rule excludes the pair."""
    any_fail = np.zeros(shape, np.bool_)
    for mask in masks:
        any_fail |= mask
    return ~any_fail


def row_counts(mask: BoolArray, shape: tuple[int, int]) -> IntArray:
    """Count True per row of a mask broadcast to `shape`."""
    if mask.shape == (1, shape[1]):
        # Registration-only rule, or a block of one row: every row has the same count (and counting without an
        # axis is several times faster).
        return np.full(shape[0], int(np.count_nonzero(mask)), np.int64)
    if mask.shape == shape:
        return np.asarray(np.count_nonzero(mask, axis=1), np.int64)
    if mask.shape == (shape[0], 1):
        return mask[:, 0].astype(np.int64) * shape[1]
    return np.asarray(np.count_nonzero(np.broadcast_to(mask, shape), axis=1), np.int64)


def column_counts(mask: BoolArray, shape: tuple[int, int]) -> IntArray:
    """Count True per column of a mask broadcast to `shape`."""
    if mask.shape == shape:
        return np.asarray(np.count_nonzero(mask, axis=0), np.int64)
    if mask.shape == (shape[0], 1):
        return np.full(shape[1], int(np.count_nonzero(mask)), np.int64)
    if mask.shape == (1, shape[1]):
        return np.asarray(mask[0], np.int64) * shape[0]
    return np.asarray(np.count_nonzero(np.broadcast_to(mask, shape), axis=0), np.int64)
