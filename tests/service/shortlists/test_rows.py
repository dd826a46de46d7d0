"""The snapshot's typed rows: their JSON form is the one runs have always stored, so earlier runs still replay.

The documents below are written out as the earlier code stored them (plain dicts, key for key), not made with the
records' own `to_json`: a change to the stored shape fails here, not in a replay months later.
"""

import copy
import json
import math
import zlib
from dataclasses import asdict, replace
from datetime import date

import pytest

from service.shortlists import service as shortlists
from service.shortlists.models import MatchingRun, RunKind
from service.shortlists.problem import build_problem
from service.shortlists.rows import AvoidNearby, Context, DwellingRow, RegistrationRow

DWELLING_ID = "6f1c2b1e-0000-4000-8000-000000000001"
FIRST, SECOND, THIRD = (f"0b9e7c2a-0000-4000-8000-00000000000{i}" for i in (1, 2, 3))

# A dwelling row as every run has stored it: these keys, in this order.
STORED_DWELLING = {
    "id": DWELLING_ID, "max_occupants": 2, "bedrooms": 1, "suitable_for_children": False, "bare_rent_cents": 59840,
    "floor_area_m2": 42, "floor": 1, "has_elevator": False, "wheelchair_accessible": False, "gallery_access": False,
    "shared_entrance_households": 4, "next_to_business": False, "busy_road": False, "lat": 52.0907, "lon": 5.0985,
    "neighbourhood_code": "BU03440302", "municipality_code": "GM0344", "contract_types": ["flip", "regular"],
    "available_from": "2025-03-01", "nearest_place_m": [150.0, None, None, 2400.5],
}
STORED_CONTEXT = {
    "reference_date": "2025-02-10",
    "regions": [{"code": "U16", "policy_version": 3, "municipality_codes": ["GM0344", "GM0356"],
                 # Terms of other concerns are stored too; the matcher takes the ones it knows.
                 "policy": {"min_tie_years": 0, "weight_waiting_per_day": 1, "exemption_contingent": 12}}],
    "vulnerability": {"BU03440302": 2},
    "recent_placements": {"BU03440302": 1},
}


def _registration(rid: str, **changes: object) -> dict:
    """A registration row as runs stored them before change numbers (and before regions: no "region" key)."""
    row = {"id": rid, "birth_year": 2000, "adults": 1, "annual_income_cents": 2140000, "support_intensity": "medium",
           "low_stimulus": "not_needed", "needs_wheelchair": False, "needs_no_stairs": False, "contract": "any",
           "avoid_nearby": [], "avoid_areas": [], "avoid_points": [],
           "regional_ties": [{"municipality_code": "GM0344", "years_resident": 4, "years_work_or_study": 0}],
           "preferred_municipalities": [], "children": 0, "ready_from": "2025-02-20", "waiting_days": 100,
           "registered_at": 1700000000000000, "available": True, "exempt_rules": [], "urgent": False}
    row.update(changes)
    return row


def _format_one_run() -> dict:
    """The whole inputs document of an instant run stored before change numbers: every row copied in."""
    return {
        "dwellings": [STORED_DWELLING],
        "registrations": [
            _registration(FIRST, waiting_days=400),
            # Keeps 300 m from liquor stores: the dwelling has one at 150 m.
            _registration(SECOND, waiting_days=900, avoid_nearby=[{"category": "liquor_store", "radius_m": 300}]),
            # Rejected for this dwelling by the corporation earlier.
            _registration(THIRD, waiting_days=800, registered_at=1600000000000000),
        ],
        "context": {**STORED_CONTEXT, "rejected_pairs": [[DWELLING_ID, THIRD]]},
    }


def test_a_stored_dwelling_row_reads_into_the_record_and_writes_back_the_same_json():
    row = DwellingRow.from_json(STORED_DWELLING)
    assert row.available_from == date(2025, 3, 1) and row.contract_types == ("flip", "regular")
    assert row.nearest_place_m == (150.0, math.inf, math.inf, 2400.5)
    assert json.dumps(row.to_json()) == json.dumps(STORED_DWELLING)


def test_a_stored_context_reads_into_the_record_and_writes_back_the_same_canonical_json():
    context = Context.from_json(STORED_CONTEXT)
    (region,) = context.regions
    assert (context.reference_date, region.municipality_codes, region.version_id) == (
        date(2025, 2, 10), ("GM0344", "GM0356"), "U16@v3")
    # The digest of a stored context is of its canonical JSON: equal contents keep sharing one blob.
    assert json.dumps(context.to_json(), sort_keys=True) == json.dumps(STORED_CONTEXT, sort_keys=True)


def test_a_registration_row_of_a_run_before_regions_reads_as_matched_with_every_region():
    stored = _registration(FIRST, avoid_nearby=[{"category": "liquor_store", "radius_m": 300}])
    row = RegistrationRow.from_json(stored)
    assert (row.before_regions, row.region) == (True, None)
    assert row.avoid_nearby == (AvoidNearby(category="liquor_store", radius_m=300.0),)
    assert "region" not in row.to_json() and row.to_json() == stored
    placed = RegistrationRow.from_json({**stored, "region": "U16"})
    assert (placed.before_regions, placed.to_json()["region"]) == (False, "U16")
    # Rows from before regions match every region's dwellings; a row with a region only its own.
    context = Context.from_json(STORED_CONTEXT)
    dwelling = [DwellingRow.from_json(STORED_DWELLING)]
    assert build_problem(dwellings=dwelling, registrations=[row], context=context).registrations.region_index is None
    unplaced = RegistrationRow.from_json({**stored, "region": None})
    listed = build_problem(dwellings=dwelling, registrations=[placed, unplaced], context=context)
    assert listed.registrations.region_index.tolist() == [0, -1]


def test_the_inputs_of_a_run_stored_before_change_numbers_replay(session):
    doc = _format_one_run()
    run = MatchingRun(kind=RunKind.instant.value, solver_status="OPTIMAL", dwellings=1, registrations=3,
                      eligible_pairs=1, filled_slots=1, objective=0, bound=0.0, gap=0.0, seconds={},
                      policy_versions={"U16": 3}, inputs=zlib.compress(json.dumps(doc).encode()))
    result = shortlists.replay_run(session=session, run=run)
    assert result is not None
    (shortlist,) = result.shortlists
    assert shortlist.dwelling_id == DWELLING_ID
    # The second keeps away from the liquor store, the third was rejected: only the first is left.
    assert [c.registration_id for c in shortlist.candidates] == [FIRST]
    assert shortlist.excluded["SURROUNDINGS"] == 1


@pytest.mark.parametrize("pairs", [[], [[DWELLING_ID, THIRD]]])
def test_a_replay_of_old_inputs_sees_their_rejected_pairs(session, pairs):
    doc = copy.deepcopy(_format_one_run())
    doc["context"]["rejected_pairs"] = pairs
    run = MatchingRun(kind=RunKind.instant.value, solver_status="OPTIMAL", dwellings=1, registrations=3,
                      eligible_pairs=1, filled_slots=1, objective=0, bound=0.0, gap=0.0, seconds={},
                      policy_versions={"U16": 3}, inputs=zlib.compress(json.dumps(doc).encode()))
    result = shortlists.replay_run(session=session, run=run)
    assert result is not None
    ranked = [c.registration_id for c in result.shortlists[0].candidates]
    assert ranked == ([FIRST] if pairs else [THIRD, FIRST])


def test_the_inputs_a_run_stores_now_hold_dwelling_rows_in_the_stored_shape():
    inputs = shortlists.Inputs(dwellings=[DwellingRow.from_json(STORED_DWELLING)], context_digest="d" * 64,
                               rejected_pairs=[], as_of_seq=7, overlay=[], withheld=[],
                               params={"max_lagrange_steps": 3})
    doc = json.loads(zlib.decompress(inputs.encode()))
    assert doc == {"format": shortlists.INPUTS_FORMAT, "dwellings": [STORED_DWELLING], "context_digest": "d" * 64,
                   "rejected_pairs": [], "as_of_seq": 7, "overlay": [], "withheld": [],
                   "params": {"max_lagrange_steps": 3}}


def test_a_replay_stops_where_the_run_did_with_time_to_spare():
    # The recorded settings, the rounds and steps the run took among them, with a time limit that does not bite;
    # runs stored before settings were recorded replay with the defaults.
    recorded = replace(shortlists.solve_params(0.5), max_pricing_rounds=2, max_lagrange_steps=1,
                       max_cpsat_deterministic_time=0.25)
    again = shortlists.replay_params(json.loads(json.dumps(asdict(recorded))))
    assert again == replace(recorded, max_time_in_seconds=again.max_time_in_seconds)
    assert again.max_time_in_seconds >= 6 * shortlists.DEFAULT_ROUND_SECONDS
    assert shortlists.replay_params(None) == shortlists.solve_params(shortlists.DEFAULT_ROUND_SECONDS)
