"""The monthly monitor over a small scripted history, as JSON, CSV and an SVG chart."""

import csv
import io
from datetime import UTC, datetime

from tests.service.helpers import forbidden
from tests.service.stuck.scenario import TODAY, offer, register, setup, single, ties

NOW = datetime.now(UTC)


def _history(client_for):  # type: ignore[no-untyped-def]
    """Two dwellings this month: one let after its first selected candidate declined, one shortlisted."""
    coordinator, big, care = setup(client_for)
    small = client_for("corporation", "Klein Wonen")
    stock = f"corporation_id,dwellings\n{big.org.id},100\n{small.org.id},100\n"
    coordinator.put("/v1/corporations/stock", params={"region": "U16"}, content=stock,
                    headers={"Content-Type": "text/csv"})
    # 120 a year: 10 a month pro rata; the small corporation's part is overridden to 0.
    assert coordinator.put(f"/v1/targets/{NOW.year}", json={
        "region": "U16", "total": 120, "corporation_overrides": {str(small.org.id): 0}}).status_code == 200
    first, second = (register(care, coordinator, single(regional_ties=ties(4)), days) for days in (300, 200))
    let_dwelling = offer(big)
    assert coordinator.post(f"/v1/dwellings/{let_dwelling}/shortlist/publish").status_code == 200
    assert big.post(f"/v1/dwellings/{let_dwelling}/shortlist/select",
                    json={"registration_id": first}).status_code == 200
    assert care.post(f"/v1/registrations/{first}/offer/decline",
                     json={"reason_code": "location"}).status_code == 200
    assert big.post(f"/v1/dwellings/{let_dwelling}/shortlist/select",
                    json={"registration_id": second}).status_code == 200
    assert care.post(f"/v1/registrations/{second}/offer/accept").status_code == 200
    let = big.post(f"/v1/dwellings/{let_dwelling}/let", json={"registration_id": second, "contract_type": "regular",
                                                               "start_date": TODAY.isoformat()})
    assert let.status_code == 200, let.text
    shortlisted = offer(small)  # `first` is free again and is shortlisted at once
    assert small.get(f"/v1/dwellings/{shortlisted}").json()["status"] == "shortlisted"
    return coordinator, big, small, care


def _line(body, scope, key):  # type: ignore[no-untyped-def]
    [line] = [line for line in body["lines"] if (line["scope"], line["key"]) == (scope, key)]
    return line


def test_the_monthly_counts_and_pace_of_a_scripted_history(client_for):
    coordinator, big, small, _care = _history(client_for)

    answer = coordinator.get("/v1/monitor", params={"region": "U16", "year": NOW.year})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    month = NOW.month
    region = _line(body, "region", "U16")
    this = region["months"][month - 1]
    assert (this["offered"], this["shortlisted"], this["let"], this["fallen_through"]) == (2, 2, 1, 1)
    assert this["median_days_to_let"] == (TODAY - NOW.date()).days  # offered and let today
    assert (region["target"], this["cumulative_offered"], this["pro_rata_target"]) == (120, 2, 10 * month)
    assert this["pace"] == "behind"
    assert all(m["offered"] == 0 for m in region["months"] if m["month"] != month)
    assert all(m["pace"] is None for m in region["months"] if m["month"] > month)

    mine = _line(body, "corporation", str(big.org.id))["months"][month - 1]
    theirs = _line(body, "corporation", str(small.org.id))
    assert (mine["offered"], mine["shortlisted"], mine["let"], mine["fallen_through"]) == (1, 1, 1, 1)
    assert (theirs["target"], theirs["months"][month - 1]["offered"], theirs["months"][month - 1]["pace"]) == \
        (0, 1, "on_track")
    utrecht = _line(body, "municipality", "GM0344")["months"][month - 1]
    assert (utrecht["offered"], utrecht["let"]) == (2, 1)
    assert _line(body, "municipality", "GM0356")["months"][month - 1]["offered"] == 0


def test_the_csv_is_the_json_row_by_row(client_for):
    coordinator, *_ = _history(client_for)
    params = {"region": "U16", "year": NOW.year}
    body = coordinator.get("/v1/monitor", params=params).json()

    answer = coordinator.get("/v1/monitor", params=params, headers={"Accept": "text/csv"})

    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    expected = [{"scope": line["scope"], "key": line["key"], "name": line["name"], "target": line["target"], **month}
                for line in body["lines"] for month in line["months"]]
    assert rows == [{k: "" if v is None else str(v) for k, v in row.items()} for row in expected]
    assert len(rows) == 12 * len(body["lines"])


def test_a_corporation_sees_its_own_line_and_the_total_unless_the_monitor_is_open(client_for):
    coordinator, big, small, care = _history(client_for)
    params = {"region": "U16", "year": NOW.year}
    seen = big.get("/v1/monitor", params=params).json()
    assert [(line["scope"], line["key"]) for line in seen["lines"]] == [("region", "U16"),
                                                                        ("corporation", str(big.org.id))]
    for path in ("/v1/monitor", "/v1/monitor/chart.svg"):
        refused = care.get(path, params=params)
        forbidden(refused, "coordinator", "corporation", kind="care_provider")
        assert "lines" not in refused.json() and "<svg" not in refused.text

    region = coordinator.get("/v1/regions/U16").json()
    opened = {"name": region["name"], "municipality_codes": region["municipality_codes"],
              "policy": {**region["policy"], "monitor_open": True}}
    assert coordinator.put("/v1/regions/U16", json=opened).status_code == 200
    keys = {line["key"] for line in big.get("/v1/monitor", params=params).json()["lines"]}
    assert {str(big.org.id), str(small.org.id), "GM0344"} <= keys


def test_the_chart_draws_one_series_per_visible_line(client_for):
    coordinator, big, small, _care = _history(client_for)
    params = {"region": "U16", "year": NOW.year}

    svg = coordinator.get("/v1/monitor/chart.svg", params={**params, "by": "corporation"})

    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    text = svg.text
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    for series in ("series-region-U16", f"series-corporation-{big.org.id}", f"series-corporation-{small.org.id}",
                   "target-region-U16"):
        assert f'id="{series}"' in text
    assert 'id="series-municipality-GM0344"' not in text
    assert ">Klein Wonen<" in text and "target pro rata (120 a year)" in text

    own = big.get("/v1/monitor/chart.svg", params=params).text
    assert f'id="series-corporation-{big.org.id}"' in own and str(small.org.id) not in own
