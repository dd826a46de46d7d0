"""Ground distances in metres (haversine on the mean Earth radius), vectorised and chunked."""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from matching.model import CATEGORIES, FloatArray, IntArray

EARTH_RADIUS_M: Final = 6_371_008.8
# Metres per degree of latitude; a lower bound on the distance of any latitude difference, used to skip
# pairs that cannot be within a radius before paying for the trigonometry.
_M_PER_DEG_LAT: Final = np.pi * EARTH_RADIUS_M / 180.0


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> FloatArray:
    """Return the ground distance in metres between points, broadcasting like NumPy arithmetic."""
    p1, p2 = np.radians(np.asarray(lat1, np.float64)), np.radians(np.asarray(lat2, np.float64))
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2, np.float64) - np.asarray(lon1, np.float64))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def nearest_place_distances(
    dwelling_lat: Any,
    dwelling_lon: Any,
    place_lat: Any,
    place_lon: Any,
    place_category: Any,
    n_categories: int = len(CATEGORIES),
    chunk_cells: int = 1_000_000,
) -> FloatArray:
    """Return D x C metres from each dwelling to the nearest place of each category (inf when none).

    Work is chunked over dwellings so that at most `chunk_cells` distances are held at once.
    """
    dlat = np.asarray(dwelling_lat, np.float64)
    dlon = np.asarray(dwelling_lon, np.float64)
    plat = np.asarray(place_lat, np.float64)
    plon = np.asarray(place_lon, np.float64)
    pcat = np.asarray(place_category, np.int64)
    out = np.full((len(dlat), n_categories), np.inf)
    for c in range(n_categories):
        sel = pcat == c
        if not sel.any():
            continue
        clat, clon = plat[sel], plon[sel]
        step = max(1, chunk_cells // len(clat))
        for start in range(0, len(dlat), step):
            stop = start + step
            dist = haversine_m(dlat[start:stop, None], dlon[start:stop, None], clat[None, :], clon[None, :])
            out[start:stop, c] = dist.min(axis=1)
    return out


def points_within(
    dwelling_lat: Any,
    dwelling_lon: Any,
    point_lat: Any,
    point_lon: Any,
    radius_m: Any,
    chunk_cells: int = 1_000_000,
) -> tuple[IntArray, IntArray]:
    """Return (dwelling_index, point_index) pairs whose ground distance is <= the point's radius."""
    dlat = np.asarray(dwelling_lat, np.float64)
    dlon = np.asarray(dwelling_lon, np.float64)
    plat = np.asarray(point_lat, np.float64)
    plon = np.asarray(point_lon, np.float64)
    rad = np.asarray(radius_m, np.float64)
    found_d: list[IntArray] = []
    found_p: list[IntArray] = []
    if len(dlat) == 0 or len(plat) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    step = max(1, chunk_cells // len(dlat))
    for start in range(0, len(plat), step):
        stop = start + step
        # Cheap latitude pre-filter: the ground distance is never below the latitude difference in metres.
        near = np.abs(dlat[:, None] - plat[None, start:stop]) * _M_PER_DEG_LAT <= rad[None, start:stop] + 1.0
        di, pi = np.nonzero(near)
        if len(di) == 0:
            continue
        pi = pi + start
        dist = haversine_m(dlat[di], dlon[di], plat[pi], plon[pi])
        keep = dist <= rad[pi]
        found_d.append(di[keep].astype(np.int64))
        found_p.append(pi[keep].astype(np.int64))
    if not found_d:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(found_d), np.concatenate(found_p)
