"""Yearly targets: split by the distribution key with largest-remainder rounding, overrides beside the split."""

from tests.service.helpers import field_errors, forbidden, not_found

FIGURES = "code,households,care_pressure\nGM0344,100,0\nGM0356,50,0.2\nGM0355,40,-0.5\n"
YEAR = 2027


def _setup(client_for):  # type: ignore[no-untyped-def]
    coordinator = client_for("coordinator")
    big, small = client_for("corporation", "Groot Wonen"), client_for("corporation", "Klein Wonen")
    region = {"name": "U16", "municipality_codes": ["GM0344", "GM0356", "GM0355"], "policy": {}}
    assert coordinator.put("/v1/regions/U16", json=region).status_code == 200
    uploaded = coordinator.put("/v1/municipalities/figures", content=FIGURES, headers={"Content-Type": "text/csv"})
    assert uploaded.json() == {"stored": 3, "rejected": []}
    stock = f"corporation_id,dwellings\n{big.org.id},3000\n{small.org.id},1000\n"
    uploaded = coordinator.put("/v1/corporations/stock", params={"region": "U16"}, content=stock,
                               headers={"Content-Type": "text/csv"})
    assert uploaded.json() == {"stored": 2, "rejected": []}
    return coordinator, big, small


def _split(parts):  # type: ignore[no-untyped-def]
    return {p["key"]: (p["computed"], p["override"], p["effective"]) for p in parts}


def test_the_total_is_split_by_households_corrected_for_care_pressure_and_by_stock(client_for):
    coordinator, big, small = _setup(client_for)

    answer = coordinator.put(f"/v1/targets/{YEAR}", json={"region": "U16", "total": 10})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    # Weights 100, 60, 20 of 180: quotas 5.56, 3.33, 1.11 -> 5, 3, 1 and the one left to the largest remainder.
    assert _split(body["municipalities"]) == {"GM0344": (6, None, 6), "GM0356": (3, None, 3), "GM0355": (1, None, 1)}
    weights = {p["key"]: p["weight"] for p in body["municipalities"]}
    assert weights == {"GM0344": 100, "GM0356": 60, "GM0355": 20}
    # Stock 3000 and 1000: quotas 7.5 and 2.5; the tied remainder goes to the larger stock.
    assert _split(body["corporations"]) == {str(big.org.id): (8, None, 8), str(small.org.id): (2, None, 2)}
    assert {p["name"] for p in body["corporations"]} == {"Groot Wonen", "Klein Wonen"}
    assert body["warnings"] == [] and "largest remainder" in body["formula"]
    assert coordinator.get(f"/v1/targets/{YEAR}", params={"region": "U16"}).json() == body


def test_parts_always_sum_to_the_total(client_for):
    coordinator, _big, _small = _setup(client_for)
    for total in (0, 1, 2, 7, 385):
        body = coordinator.put(f"/v1/targets/{YEAR}", json={"region": "U16", "total": total}).json()
        assert sum(p["effective"] for p in body["municipalities"]) == total
        assert sum(p["computed"] for p in body["corporations"]) == total


def test_overrides_are_kept_and_the_rest_is_split_by_the_key(client_for):
    coordinator, big, small = _setup(client_for)
    body = coordinator.put(f"/v1/targets/{YEAR}", json={
        "region": "U16", "total": 10, "municipality_overrides": {"GM0356": 5},
        "corporation_overrides": {str(small.org.id): 0}}).json()
    # The 5 left go over weights 100 and 20: quotas 4.17 and 0.83 -> 4 and 0, the one left to GM0355.
    assert _split(body["municipalities"]) == {"GM0344": (6, None, 4), "GM0356": (3, 5, 5), "GM0355": (1, None, 1)}
    assert _split(body["corporations"]) == {str(big.org.id): (8, None, 10), str(small.org.id): (2, 0, 0)}


def test_a_corporation_sees_its_own_part_only_and_care_providers_none(client_for):
    coordinator, big, _small = _setup(client_for)
    stored = coordinator.put(f"/v1/targets/{YEAR}", json={"region": "U16", "total": 10}).json()
    seen = big.get(f"/v1/targets/{YEAR}", params={"region": "U16"}).json()
    assert [p["key"] for p in seen["corporations"]] == [str(big.org.id)]
    assert len(seen["municipalities"]) == 3
    refused = client_for("care_provider").get(f"/v1/targets/{YEAR}", params={"region": "U16"})
    forbidden(refused, "coordinator", "corporation", kind="care_provider")
    assert "municipalities" not in refused.json()
    forbidden(big.put(f"/v1/targets/{YEAR}", json={"region": "U16", "total": 99}), "coordinator", kind="corporation")
    assert coordinator.get(f"/v1/targets/{YEAR}", params={"region": "U16"}).json() == stored  # still 10
    assert coordinator.get("/v1/audit", params={"action": "put", "organisation_id": str(big.org.id)}).json() \
        ["total"] == 0
    not_found(coordinator.get(f"/v1/targets/{YEAR + 1}", params={"region": "U16"}),
              f"no target for region U16 in {YEAR + 1}")


def test_bad_overrides_and_bad_upload_lines_are_reported(client_for):
    coordinator, _big, _small = _setup(client_for)
    errors = field_errors(coordinator.put(f"/v1/targets/{YEAR}", json={
        "region": "U16", "total": 3, "municipality_overrides": {"GM0363": 1, "GM0344": 4}}))
    assert set(errors) == {"municipality_overrides.GM0363", "municipality_overrides"}
    report = coordinator.put("/v1/municipalities/figures", content="GM9999,10,0\nXX,1,0\nGM0344,-1,0\nGM0344,10,5\n",
                             headers={"Content-Type": "text/csv"}).json()
    assert report["stored"] == 0 and [r["line"] for r in report["rejected"]] == [1, 2, 3, 4]
    report = coordinator.put("/v1/corporations/stock", params={"region": "U16"}, content=f"{coordinator.org.id},5\n",
                             headers={"Content-Type": "text/csv"}).json()
    assert report["rejected"] == [{"line": 1, "reason": f"{coordinator.org.id} is not a corporation"}]
