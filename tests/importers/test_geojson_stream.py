"""A big GeoJSON file is read feature by feature (importers/json_stream.py), with the
very same outcome as the whole file parsed at once; its memory is measured by the bench
(``python -m bench import --geojson``), not here."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from geo_directory.businesses.models import Business
from importers import json_stream
from importers.geojson import import_geojson

pytestmark = pytest.mark.django_db


def _outcome(report):
    return (
        report.read,
        report.created,
        report.unchanged,
        report.outside_region,
        report.rejected_count,
        [(r.line, r.field, r.reason) for r in report.rejected],
    )


def test_streamed_features_import_as_the_whole_file(data_dir, monkeypatch, tmp_path):
    path = tmp_path / "paul.geojson"
    path.write_bytes((data_dir / "osm-chains" / "paul.geojson").read_bytes())
    whole = import_geojson(path, dry_run=True)
    monkeypatch.setattr(json_stream, "STREAM_FROM", 0)
    assert json_stream.features_of(path)[1] is None  # the streamed path: count unknown
    streamed = import_geojson(path, dry_run=True)
    assert _outcome(streamed) == _outcome(whole)
    assert whole.unchanged > 0 and whole.rejected_count > 0 and whole.outside_region > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "FeatureCollection", "features": [{"type": "Feature"', "JSON invalide"),
        ('{"type": "Topology", "objects": {}}', "pas une FeatureCollection GeoJSON"),
        ('{"type": "FeatureCollection", "feature": []}', "sans liste « features »"),
    ],
)
def test_a_streamed_file_that_is_unreadable_writes_nothing(tmp_path, monkeypatch, content, message):
    monkeypatch.setattr(json_stream, "STREAM_FROM", 0)
    good = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [5.3746, 43.2952]},
        "properties": {"shop": "bakery", "name": "Le Fournil", "ref:x": "1"},
    }
    # A good feature first: a syntax error found after it still loads nothing.
    content = content.replace('"features": [', '"features": [' + json.dumps(good) + ", ")
    path = tmp_path / "broken.geojson"
    path.write_text(content)
    before = Business.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 fichier illisible"):
        call_command("import_geojson", str(path), "--no-progress", stderr=err)
    assert message in err.getvalue()
    assert Business.objects.count() == before
