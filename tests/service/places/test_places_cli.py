"""`doorstroom places import FILE [--source S]` against a fresh database of each backend."""

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner

from service import db
from service.cli import app as cli

runner = CliRunner()

PLACES = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "id": "node/1", "geometry": {"type": "Point", "coordinates": [5.1214, 52.0907]},
         "properties": {"shop": "alcohol", "name": "Slijterij De Dom"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.118, 52.093]},
         "properties": {"category": "gambling"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.119, 52.094]},
         "properties": {"shop": "bakery"}},
    ],
}


def _write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def _import(*args: str) -> dict[str, Any]:
    result = runner.invoke(cli, ["places", "import", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _stored() -> list[tuple[str, str]]:
    with db.get_engine().connect() as connection:
        return [tuple(r) for r in connection.execute(text("SELECT source, category FROM place ORDER BY category"))]


def test_import_on_a_fresh_database_prints_the_report_and_stores_the_places(cli_env, tmp_path):
    report = _import(str(_write(tmp_path, "utrecht-osm.geojson", PLACES)))
    assert report["source"] == "utrecht-osm"  # the file's stem
    assert (report["imported"], report["replaced"]) == (2, 0)
    assert report["by_category"] == {"liquor_store": 1, "gambling": 1}
    assert [r["index"] for r in report["rejected"]] == [2]
    assert _stored() == [("utrecht-osm", "gambling"), ("utrecht-osm", "liquor_store")]


def test_import_names_the_source_with_the_source_option(cli_env, tmp_path):
    report = _import(str(_write(tmp_path, "export.json", PLACES)), "--source", "municipality")
    assert report["source"] == "municipality"
    assert {source for source, _ in _stored()} == {"municipality"}


def test_importing_the_same_file_again_replaces_its_places(cli_env, tmp_path):
    path = _write(tmp_path, "osm.geojson", PLACES)
    first = _import(str(path))
    again = _import(str(path))
    assert again["replaced"] == first["imported"] == 2
    assert len(_stored()) == 2


def test_a_file_that_is_not_json_exits_with_code_2_and_a_message(cli_env, tmp_path):
    path = _write(tmp_path, "broken.geojson", '{"type": "FeatureCollection", "features": [')
    result = runner.invoke(cli, ["places", "import", str(path)])
    assert result.exit_code == 2
    assert "not JSON" in result.stderr
    assert _stored() == []


def test_a_json_file_that_is_not_a_feature_collection_exits_with_code_2(cli_env, tmp_path):
    path = _write(tmp_path, "feature.geojson", PLACES["features"][0])
    result = runner.invoke(cli, ["places", "import", str(path)])
    assert result.exit_code == 2
    assert "FeatureCollection" in result.stderr


def test_a_file_name_that_is_no_valid_source_name_needs_the_source_option(cli_env, tmp_path):
    path = _write(tmp_path, "export (1).geojson", {"type": "FeatureCollection", "features": []})
    result = runner.invoke(cli, ["places", "import", str(path)])
    assert result.exit_code == 2
    assert "--source" in result.output
    assert _import(str(path), "--source", "export-1")["source"] == "export-1"
