import json

import pytest

from geo_directory.businesses.models import Business
from importers.errors import SourceError
from importers.geojson import import_geojson

pytestmark = pytest.mark.django_db


def test_demo_listings_are_loaded_with_their_commune():
    loaded = Business.objects.filter(source="geojson")
    # Every chain shop whose own postcode is in the region, less the two whose address
    # contradicts their coordinates (see the next tests).
    assert loaded.count() == 212
    assert not loaded.filter(commune__isnull=True).exists()
    assert loaded.filter(commune_id="13055").count() >= 10
    assert loaded.filter(category__slug="boulangerie").count() > 100


def test_reimport_is_idempotent_and_reports_what_was_not_loaded(data_dir):
    report = import_geojson(data_dir / "osm-chains" / "paul.geojson")
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == 49
    reasons = {(r.line, r.field): r.reason for r in report.rejected}
    assert "(0, 0)" in reasons[(2, "geometry")]
    # A Paul whose coordinates are in Marseille but whose address is Orly airport.
    assert "94542" in reasons[(266, "addr:postcode")]
    assert report.outside_region == 354


def test_string_coordinates_and_glued_numbers_are_handled(data_dir):
    report = import_geojson(data_dir / "osm-chains" / "action.geojson")
    assert report.unchanged == 6
    # Action stores coordinates as strings; an Antibes address placed in the Gers is reported.
    assert [r.field for r in report.rejected] == ["geometry"]
    assert "06600" in report.rejected[0].reason
    gifi = Business.objects.filter(source="geojson", external_id__startswith="gifi:")
    assert not gifi.filter(street__regex=r"[A-Za-z]\d+$").exists()


def test_changes_are_applied_and_merchant_owned_fields_kept(tmp_path, data_dir):
    collection = json.loads((data_dir / "osm-chains" / "stokomani.geojson").read_text())
    business = Business.objects.filter(
        source="geojson", external_id__startswith="stokomani:"
    ).first()
    ref = business.external_id.split(":", 1)[1]
    business.phone = "+33 4 00 00 00 00"
    business.owned_fields = ["phone"]
    business.save()
    for feature in collection["features"]:
        if str(feature["properties"].get("ref:FR:Stokomani:id")) == ref:
            feature["properties"]["phone"] = "+33 4 11 11 11 11"
            feature["properties"]["opening_hours"] = "Mo-Sa 09:00-20:00"
    path = tmp_path / "stokomani.geojson"
    path.write_text(json.dumps(collection))
    report = import_geojson(path)
    assert report.updated == 1 and report.created == 0
    business.refresh_from_db()
    assert business.opening_hours == "Mo-Sa 09:00-20:00"
    assert business.phone == "+33 4 00 00 00 00"


def test_bad_features_are_rejected_precisely(tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.38, 43.29]},
            "properties": {"shop": "bakery", "ref:x": "1"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [43.29, 5.38]},
            "properties": {"shop": "bakery", "name": "Inversée", "ref:x": "2"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": ["abc", 43.29]},
            "properties": {"shop": "bakery", "name": "Texte", "ref:x": "3"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.38, 43.29]},
            "properties": {"shop": "bank", "name": "Banque", "ref:x": "4"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.38, 43.29]},
            "properties": {
                "shop": "bakery",
                "name": "Horaires",
                "opening_hours": "9h-12h",
                "ref:x": "5",
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.45, 42.95]},
            "properties": {
                "shop": "bakery",
                "name": "En mer",
                "addr:postcode": "13008",
                "ref:x": "6",
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.38, 43.29]},
            "properties": {"shop": "bakery", "name": "Bonne", "ref:x": "7"},
        },
    ]
    path = tmp_path / "partner.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    report = import_geojson(path)
    assert sorted((r.line, r.field) for r in report.rejected) == [
        (1, "name"),
        (2, "geometry"),
        (3, "geometry"),
        (4, "category"),
        (6, "geometry"),
    ]
    # Hours nobody can read never reject a listing: kept as text, with a warning.
    assert [(w.line, w.field, w.value) for w in report.warnings] == [(5, "opening_hours", "9h-12h")]
    assert "les jours ne sont pas précisés" in report.warnings[0].reason
    reasons = {r.line: r.reason for r in report.rejected}
    assert "inversées" in reasons[2]
    assert "non numériques" in reasons[3]
    assert "shop=bank" in reasons[4]
    assert "hors de la région" in reasons[6]
    assert report.created == 2
    assert Business.objects.get(source="geojson", external_id="partner:7").commune_id == "13055"
    vague = Business.objects.get(source="geojson", external_id="partner:5")
    assert (vague.opening_hours, vague.opening_hours_text) == ("", "9h-12h")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "FeatureCollection", "features": [', "JSON invalide à la ligne 1"),
        ('{"type": "Topology"}', "pas une FeatureCollection GeoJSON"),
    ],
)
def test_unreadable_files_raise_and_write_nothing(tmp_path, content, message):
    path = tmp_path / "broken.geojson"
    path.write_text(content)
    before = Business.objects.count()
    with pytest.raises(SourceError, match=message):
        import_geojson(path)
    assert Business.objects.count() == before
