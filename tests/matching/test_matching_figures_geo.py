"""Housing figures parsing and lookup; ground distances."""

from __future__ import annotations

import numpy as np
import pytest
from matching_builders import figures, haversine

from matching import MissingFiguresError, haversine_m, nearest_place_distances, points_within
from matching.figures import euros_to_cents


def test_shipped_figures_parse_to_exact_cents() -> None:
    table = figures()
    assert table.years == (2024, 2025, 2026)
    f = table.for_year(2026)
    assert (f.income_limit_single, f.income_limit_multi) == (2_940_000, 3_992_500)
    assert (f.rent_ceiling_low, f.rent_ceiling_high) == (71_302, 76_414)
    assert table.for_year(2024).income_limit_pension_multi is None
    assert table.for_year(2024).income_limit(2, pension_age=True) == 3_762_500


def test_missing_year_raises_with_the_year() -> None:
    with pytest.raises(MissingFiguresError, match="2023"):
        figures().for_year(2023)


def test_euros_to_cents_rejects_fractions_of_cents() -> None:
    assert euros_to_cents("650.43") == 65_043
    with pytest.raises(ValueError):
        euros_to_cents("1.005")


def test_haversine_matches_a_scalar_reference() -> None:
    utrecht, amsterdam = (52.0907, 5.1214), (52.3731, 4.8926)
    expected = haversine(*utrecht, *amsterdam)
    assert abs(float(haversine_m(*utrecht, *amsterdam)) - expected) < 1e-6
    assert 34_000 < expected < 36_000
    assert float(haversine_m(52.0, 5.0, 52.0, 5.0)) == 0.0


def test_nearest_place_per_category_chunked() -> None:
    rng = np.random.default_rng(3)
    dlat, dlon = rng.uniform(52, 52.1, 50), rng.uniform(5, 5.1, 50)
    plat, plon = rng.uniform(52, 52.1, 30), rng.uniform(5, 5.1, 30)
    cat = rng.integers(0, 3, 30)  # no gambling places at all
    got = nearest_place_distances(dlat, dlon, plat, plon, cat, chunk_cells=7)
    for i in range(50):
        for c in range(4):
            dists = [haversine(dlat[i], dlon[i], plat[k], plon[k]) for k in range(30) if cat[k] == c]
            assert got[i, c] == pytest.approx(min(dists)) if dists else got[i, c] == np.inf


def test_points_within_includes_the_boundary() -> None:
    lat, lon = np.array([52.0, 52.01]), np.array([5.0, 5.0])
    radius = float(haversine_m(52.0, 5.0, 52.0, 5.01))
    d, p = points_within(lat, lon, [52.0], [5.01], [radius])
    assert d.tolist() == [0] and p.tolist() == [0]
