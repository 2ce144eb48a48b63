"""One bad record never fails a whole import: it is a rejected row with a reason.

Through the real commands, on real files: a geometry type GDAL does not know, an Overpass
position that is not a number, positions at 1e300 or NaN (checked by territory.region
before any GEOS/GDAL/shapely call). A JSON file nested too deep to parse is refused as a
whole, with a French message, a non-zero exit and nothing written.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from geo_directory.businesses.models import Business
from geo_directory.import_runs.models import ImportRun
from tests.importers import sirene_rows as sr

pytestmark = pytest.mark.django_db

VIEUX_PORT = [5.3746, 43.2952]


def _feature(ref: str, geometry: dict, name: str = "Boulangerie") -> dict:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"shop": "bakery", "name": name, "addr:postcode": "13001", "ref:x": ref},
    }


def _write_geojson(path, features) -> str:
    # allow_nan: the file holds the literal NaN, as a careless exporter writes it.
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def _import(command: str, path: str, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, path, "--no-progress", *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _rejections(errors_path) -> dict[int, tuple[str, str]]:
    import csv

    with open(errors_path, encoding="utf-8", newline="") as handle:
        return {int(r["line"]): (r["field"], r["reason"]) for r in csv.DictReader(handle)}


def test_an_unknown_geometry_type_is_one_rejected_feature(tmp_path):
    path = _write_geojson(
        tmp_path / "foo.geojson",
        [
            _feature("1", {"type": "Foo", "coordinates": [[5.37, 43.29], [5.38, 43.30]]}),
            _feature("2", {"type": "Point", "coordinates": VIEUX_PORT}, "Le Fournil"),
        ],
    )
    errors = tmp_path / "errors.csv"
    out, _ = _import("import_geojson", path, "--errors", str(errors))
    assert "1 fiche créée" in out and "1 ligne rejetée" in out
    field, reason = _rejections(errors)[1]
    assert field == "geometry" and "« Foo »" in reason
    assert Business.objects.filter(source="geojson", external_id="foo:2").exists()


def test_positions_at_1e300_or_nan_are_rejected_before_any_geometry_is_built(tmp_path):
    far = 1e300
    square = [[5.37, 43.29], [5.38, 43.29], [5.38, far], [5.37, 43.29]]
    nan_square = [[5.37, 43.29], [5.38, 43.29], [float("nan"), 43.30], [5.37, 43.29]]
    path = _write_geojson(
        tmp_path / "far.geojson",
        [
            _feature("1", {"type": "Point", "coordinates": [far, far]}),
            _feature("2", {"type": "Polygon", "coordinates": [square]}),
            _feature("3", {"type": "Polygon", "coordinates": [nan_square]}),
            _feature("4", {"type": "Point", "coordinates": VIEUX_PORT}, "Le Fournil"),
        ],
    )
    errors = tmp_path / "errors.csv"
    out, _ = _import("import_geojson", path, "--errors", str(errors))
    assert "1 fiche créée" in out and "3 lignes rejetées" in out
    reasons = _rejections(errors)
    assert {line: field for line, (field, _) in reasons.items()} == {
        1: "geometry",
        2: "geometry",
        3: "geometry",
    }
    assert "hors limites" in reasons[1][1] and "hors limites" in reasons[2][1]
    assert "finis" in reasons[3][1]


def test_an_overpass_position_that_is_not_a_number_is_one_rejected_element(tmp_path):
    tags = {"shop": "bakery", "addr:postcode": "13001"}
    path = tmp_path / "overpass.json"
    elements = [
        {"type": "node", "id": 1, "lat": "abc", "lon": 5.3746, "tags": {**tags, "name": "A"}},
        {"type": "node", "id": 2, "lat": 1e300, "lon": 5.3746, "tags": {**tags, "name": "B"}},
        {"type": "node", "id": 3, "lat": 43.2952, "lon": 5.3746, "tags": {**tags, "name": "C"}},
        # A way whose nodes are listed apart, one of them unreadable: placed without it.
        {"type": "node", "id": 10, "lat": "x", "lon": "y"},
        {"type": "node", "id": 11, "lat": 43.2960, "lon": 5.3750},
        {"type": "way", "id": 20, "nodes": [10, 11], "tags": {**tags, "name": "D"}},
    ]
    path.write_text(json.dumps({"version": 0.6, "elements": elements}))
    errors = tmp_path / "errors.csv"
    out, _ = _import("import_osm", str(path), "--errors", str(errors))
    assert "2 fiches créées" in out and "2 lignes rejetées" in out
    reasons = _rejections(errors)
    assert sorted(reasons) == [1, 2]
    assert "node/1" in reasons[1][1] and "hors limites" in reasons[2][1]
    created = Business.objects.filter(source="osm", external_id__in=["node/3", "way/20"])
    assert created.count() == 2


def test_a_sirene_position_at_1e300_is_a_rejected_row(tmp_path):
    rows = [
        sr.row(9101, name="LOIN", longitude="1e300", latitude="43.3"),
        sr.row(9102, name="ICI", geo=(5.3676, 43.3003)),
    ]
    path = sr.write(tmp_path / "far.csv", rows, geo=True)
    errors = tmp_path / "errors.csv"
    out, _ = _import("import_sirene", str(path), "--errors", str(errors))
    assert "1 fiche créée" in out and "1 ligne rejetée" in out and "0 hors de la région" in out
    out_of_range = "Coordonnées hors limites (longitude de -180 à 180, latitude de -90 à 90)."
    assert _rejections(errors) == {2: ("coordonnees", out_of_range)}


@pytest.mark.parametrize("command", ["import_geojson", "import_osm"])
def test_json_nested_too_deep_refuses_the_file_and_writes_nothing(tmp_path, command):
    depth = 200_000
    path = tmp_path / "deep.geojson"
    nested = "[" * depth + "]" * depth
    path.write_text('{"type": "FeatureCollection", "features": [' + nested + "]}")
    listings, runs = Business.objects.count(), ImportRun.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 fichier illisible"):
        call_command(command, str(path), "--no-progress", stderr=err)
    assert "JSON imbriqué trop profondément" in err.getvalue()
    assert (Business.objects.count(), ImportRun.objects.count()) == (listings, runs)
