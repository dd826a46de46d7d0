"""From places import to shortlist, over HTTP, as the partners would do it."""

from dataclasses import replace
from datetime import timedelta

from tests import factories
from tests.service.helpers import forbidden, not_found

TODAY = factories.TODAY
DWELLING_AT = {"lat": 52.0907, "lon": 5.0985}
# 0.0009 degrees of latitude is about 100 m.
LIQUOR_STORE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.0985, 52.0916]},
                "properties": {"shop": "alcohol", "name": "Slijterij"}}
MINIMISED_KEYS = {"registration_id", "household", "age_band", "support_intensity", "care_provider",
                  "passend_toewijzen", "contract", "rank", "score"}


def _single(**overrides):
    """A single adult without children, eligible for the factory dwelling unless overridden."""
    doc = factories.registration(household={"adults": 1, "children": []}, avoid_nearby=[], avoid_areas=[],
                                 avoid_points=[], ready_from=TODAY.isoformat())
    doc.update(overrides)
    return doc


def _setup(client_for):
    coordinator = client_for("coordinator")
    corporation = client_for("corporation")
    care = client_for("care_provider")
    region = {"name": "U16", "municipality_codes": ["GM0344", "GM0356"],
              "policy": {"min_tie_years": 2, "weight_waiting_per_day": 1}}
    assert coordinator.put("/v1/regions/U16", json=region).status_code == 200
    imported = coordinator.post("/v1/places/import?source=osm-utrecht",
                                json={"type": "FeatureCollection", "features": [LIQUOR_STORE]})
    assert imported.json()["imported"] == 1
    return coordinator, corporation, care


def _register(care, coordinator, doc, waited_days):
    created = care.post("/v1/registrations", json=doc)
    assert created.status_code == 201, created.text
    since = (TODAY - timedelta(days=waited_days)).isoformat() + "T00:00:00Z"
    assert coordinator.put(f"/v1/registrations/{created.json()['id']}/waiting-since",
                           json={"waiting_since": since, "reason": "imported list"}).status_code == 200
    return created.json()["id"]


def test_an_offered_dwelling_gets_an_explained_shortlist_at_once(client_for):
    coordinator, corporation, care = _setup(client_for)
    avoids_liquor = _register(care, coordinator, _single(avoid_nearby=[{"category": "liquor_store",
                                                                        "radius_m": 300}]), 900)
    no_ties = _register(care, coordinator, _single(regional_ties=[{"municipality_code": "GM0034",
                                                                   "years_resident": 5,
                                                                   "years_work_or_study": 0}]), 800)
    wheelchair = _register(care, coordinator, _single(accessibility={"wheelchair": True, "no_stairs": False}), 700)
    longest, middle, shortest = (_register(care, coordinator, _single(), days) for days in (400, 300, 200))
    newest_wait = _register(care, coordinator, _single(), 100)

    offer = corporation.post("/v1/dwellings", json=factories.dwelling(location=DWELLING_AT,
                                                                     available_from=TODAY.isoformat()))
    assert offer.status_code == 201, offer.text
    dwelling_id = offer.json()["id"]
    assert corporation.get(f"/v1/dwellings/{dwelling_id}").json()["status"] == "shortlisted"

    shortlist = coordinator.get(f"/v1/dwellings/{dwelling_id}/shortlist").json()
    ranked = [c["registration_id"] for c in shortlist["candidates"]]
    assert ranked == [longest, middle, shortest]  # waiting time is the main term
    assert [c["rank"] for c in shortlist["candidates"]] == [1, 2, 3]
    scores = [c["score"] for c in shortlist["candidates"]]
    assert scores == sorted(scores, reverse=True)
    assert shortlist["candidates"][0]["score_breakdown"]["waiting"] == 400
    assert shortlist["excluded"]["SURROUNDINGS"] == 1
    assert shortlist["excluded"]["REGIONAL_TIES"] == 1
    assert shortlist["excluded"]["ACCESSIBILITY"] == 1
    assert shortlist["eligible_count"] == 4 and shortlist["shortfall"] is None
    assert shortlist["policy_version"] == f"U16@v{coordinator.get('/v1/regions/U16').json()['policy_version']}"
    for excluded in (avoids_liquor, no_ties, wheelchair, newest_wait):
        assert excluded not in ranked
    for nominated in ranked:
        assert care.get(f"/v1/registrations/{nominated}").json()["status"] == "nominated"
    assert care.get(f"/v1/registrations/{newest_wait}").json()["status"] == "active"


def test_a_corporation_sees_only_published_shortlists_and_only_the_minimised_profile(client_for):
    coordinator, corporation, care = _setup(client_for)
    _register(care, coordinator, _single(notes="relapse risk near bars"), 300)
    dwelling_id = corporation.post("/v1/dwellings", json=factories.dwelling(
        location=DWELLING_AT, available_from=TODAY.isoformat())).json()["id"]
    unpublished = corporation.get(f"/v1/dwellings/{dwelling_id}/shortlist")
    assert unpublished.status_code == 404
    not_found(unpublished, f"dwelling {dwelling_id} has no shortlist you can see yet")
    assert "candidates" not in unpublished.json() and "relapse" not in unpublished.text
    refused = care.get(f"/v1/dwellings/{dwelling_id}/shortlist")
    assert refused.status_code == 403
    forbidden(refused, "coordinator", "corporation", kind="care_provider")
    assert "candidates" not in refused.json()

    assert coordinator.post(f"/v1/dwellings/{dwelling_id}/shortlist/publish").status_code == 200
    seen = corporation.get(f"/v1/dwellings/{dwelling_id}/shortlist")
    assert seen.status_code == 200
    candidate = seen.json()["candidates"][0]
    assert set(candidate["profile"]) == MINIMISED_KEYS
    assert "relapse" not in seen.text and "client_ref" not in seen.text and "avoid" not in seen.text
    other = client_for("corporation")
    foreign = other.get(f"/v1/dwellings/{dwelling_id}/shortlist")
    assert foreign.status_code == 404
    not_found(foreign, f"no dwelling {dwelling_id}")  # as if it did not exist
    assert candidate["registration_id"] not in foreign.text


def test_a_short_shortlist_says_why(client_for):
    coordinator, corporation, care = _setup(client_for)
    _register(care, coordinator, _single(), 10)
    _register(care, coordinator, _single(contract="regular_only"), 20)
    dwelling_id = corporation.post("/v1/dwellings", json=factories.dwelling(
        location=DWELLING_AT, available_from=TODAY.isoformat(), contract_types=["flip"])).json()["id"]
    shortlist = coordinator.get(f"/v1/dwellings/{dwelling_id}/shortlist").json()
    assert len(shortlist["candidates"]) == 1
    assert shortlist["excluded"]["CONTRACT"] == 1
    assert "1 of 3 slots filled" in shortlist["shortfall"] and "CONTRACT 1" in shortlist["shortfall"]


def test_a_registration_is_on_at_most_one_open_shortlist(client_for):
    coordinator, corporation, care = _setup(client_for)
    only = _register(care, coordinator, _single(), 50)
    first = corporation.post("/v1/dwellings", json=factories.dwelling(
        location=DWELLING_AT, available_from=TODAY.isoformat())).json()["id"]
    second = corporation.post("/v1/dwellings", json=factories.dwelling(
        location=DWELLING_AT, available_from=TODAY.isoformat())).json()["id"]
    assert [c["registration_id"] for c in coordinator.get(f"/v1/dwellings/{first}/shortlist").json()
            ["candidates"]] == [only]
    second_list = coordinator.get(f"/v1/dwellings/{second}/shortlist").json()
    assert second_list["candidates"] == [] and second_list["excluded"]["AVAILABILITY"] == 1
    assert corporation.get(f"/v1/dwellings/{second}").json()["status"] == "offered"


def test_a_matching_round_reoptimises_reports_its_figures_and_replays_identically(client_for):
    coordinator, corporation, care = _setup(client_for)
    for days in (30, 60, 90, 120):
        _register(care, coordinator, _single(), days)
    ids = [corporation.post("/v1/dwellings", json=factories.dwelling(
        location=DWELLING_AT, available_from=TODAY.isoformat())).json()["id"] for _ in range(2)]
    # The first dwelling took three candidates instantly; the second got the one left.
    assert len(coordinator.get(f"/v1/dwellings/{ids[1]}/shortlist").json()["candidates"]) == 1

    started = coordinator.post("/v1/matching-rounds", json={"max_seconds": 5})
    # Accepted and queued; the test client runs the background task before it answers, so it has finished.
    assert started.status_code == 202, started.text
    assert started.json()["state"] == "queued" and started.json()["filled_slots"] is None
    assert started.headers["location"] == f"/v1/matching-rounds/{started.json()['id']}"
    run = coordinator.get(started.headers["location"]).json()
    assert run["state"] == "finished" and run["progress"] == 1 and run["error"] is None
    # Both dwellings are unpublished (shortlisted), so the round re-optimises exactly those two.
    assert run["kind"] == "round" and run["dwellings"] == 2 and run["solver_status"] == "OPTIMAL"
    assert run["filled_slots"] == 4 and run["gap"] == 0 and run["bound"] == run["objective"]
    assert {"load", "eligibility", "scoring", "optimise"} <= set(run["seconds"])
    assert run["policy_versions"] == {"U16": coordinator.get("/v1/regions/U16").json()["policy_version"]}
    assert coordinator.get(f"/v1/matching-rounds/{run['id']}").json() == run
    counts = sorted(len(coordinator.get(f"/v1/dwellings/{d}/shortlist").json()["candidates"]) for d in ids)
    assert sum(counts) == 4
    replay = coordinator.post(f"/v1/matching-rounds/{run['id']}/replay").json()
    assert replay["identical"] is True and replay["differing_dwellings"] == []
    assert corporation.post("/v1/matching-rounds").status_code == 403
    forbidden(corporation.post("/v1/matching-rounds", json={"max_seconds": 5}), "coordinator", kind="corporation")
    assert [r["id"] for r in coordinator.get("/v1/matching-rounds").json()["items"] if r["kind"] == "round"] == \
        [run["id"]]


def test_a_dwelling_in_a_year_without_figures_is_blocked_with_a_clear_reason(client_for, monkeypatch):
    coordinator, corporation, care = _setup(client_for)
    _register(care, coordinator, _single(), 10)
    from matching.figures import FiguresTable
    from service.shortlists import service as shortlists_service

    monkeypatch.setattr(shortlists_service, "housing_figures", lambda: FiguresTable({}))
    dwelling_id = corporation.post("/v1/dwellings", json=factories.dwelling(
        location=DWELLING_AT, available_from=TODAY.isoformat())).json()["id"]
    shortlist = coordinator.get(f"/v1/dwellings/{dwelling_id}/shortlist").json()
    assert shortlist["candidates"] == []
    assert f"no passend-toewijzen figures for {TODAY.year}" in shortlist["blocked_reason"]


def test_a_capped_round_its_limit_stopped_replays_identically(client_for, monkeypatch):
    # One high-support candidate per neighbourhood: three of them wait longest, four low-support ones less.
    coordinator, corporation, care = _setup(client_for)
    region = {"name": "U16", "municipality_codes": ["GM0344", "GM0356"],
              "policy": {"min_tie_years": 2, "weight_waiting_per_day": 1, "max_high_support_per_neighbourhood": 1}}
    assert coordinator.put("/v1/regions/U16", json=region).status_code == 200
    for days in (500, 450, 400):
        _register(care, coordinator, _single(support={"intensity": "intensive", "guaranteed_after_move": True}),
                  days)
    for days in (300, 200, 100, 50):
        _register(care, coordinator, _single(support={"intensity": "none", "guaranteed_after_move": False}), days)
    for _ in range(2):
        corporation.post("/v1/dwellings", json=factories.dwelling(location=DWELLING_AT,
                                                                  available_from=TODAY.isoformat()))
    from service.shortlists import service as shortlists_service

    # The round's limit strikes before its first dual step (as a tiny time limit would on a large round), and
    # CP-SAT is off: what it proposes is not what a round with time to spare would.
    given = shortlists_service.solve_params
    monkeypatch.setattr(shortlists_service, "solve_params",
                        lambda seconds: replace(given(seconds), max_lagrange_steps=0, max_cpsat_arcs=0))
    started = coordinator.post("/v1/matching-rounds", json={"max_seconds": 5})
    assert started.status_code == 202, started.text
    run = coordinator.get(started.headers["location"]).json()
    assert run["state"] == "finished" and run["filled_slots"] > 0
    monkeypatch.setattr(shortlists_service, "solve_params", given)
    unstopped = shortlists_service.replay_params(None)
    assert unstopped.max_lagrange_steps > 0 and unstopped.max_cpsat_arcs > 0
    replay = coordinator.post(f"/v1/matching-rounds/{run['id']}/replay").json()
    assert replay["identical"] is True and replay["differing_dwellings"] == []
