import json

import osmium
import pytest

from geo_directory.businesses.models import Business
from importers.errors import SourceError
from importers.osm import import_osm

pytestmark = pytest.mark.django_db

# Real places of Marseille and Aix-en-Provence.
OVERPASS = {
    "version": 0.6,
    "elements": [
        {
            "type": "node",
            "id": 1001,
            "lat": 43.29520,
            "lon": 5.37460,
            "tags": {
                "shop": "bakery",
                "name": "Le Fournil du Vieux-Port",
                "addr:postcode": "13001",
                "addr:street": "Quai du Port",
                "addr:housenumber": "12",
                "opening_hours": "Mo-Sa 07:00-19:30; PH off",
                "phone": "+33 4 91 00 00 00",
            },
        },
        {
            "type": "way",
            "id": 2001,
            "center": {"lat": 43.52630, "lon": 5.44740},
            "nodes": [1, 2, 3, 1],
            "tags": {"amenity": "restaurant", "name": "Les Deux Garçons", "addr:postcode": "13100"},
        },
        {
            "type": "way",
            "id": 2002,
            "geometry": [
                {"lat": 43.2960, "lon": 5.3750},
                {"lat": 43.2960, "lon": 5.3756},
                {"lat": 43.2964, "lon": 5.3756},
                {"lat": 43.2964, "lon": 5.3750},
                {"lat": 43.2960, "lon": 5.3750},
            ],
            "tags": {"tourism": "hotel", "name": "Hôtel du Belvédère"},
        },
        {
            "type": "way",
            "id": 2003,
            "nodes": [11, 12, 13, 11],
            "tags": {"shop": "convenience", "name": "Épicerie de la Plaine"},
        },
        {"type": "node", "id": 11, "lat": 43.2940, "lon": 5.3850},
        {"type": "node", "id": 12, "lat": 43.2940, "lon": 5.3854},
        {"type": "node", "id": 13, "lat": 43.2943, "lon": 5.3852},
        {
            "type": "node",
            "id": 1002,
            "lat": 43.2950,
            "lon": 5.3740,
            "tags": {"amenity": "bench"},
        },  # skipped, counted
        {
            "type": "node",
            "id": 1003,
            "lat": 43.2950,
            "lon": 5.3740,
            "tags": {"amenity": "bank", "name": "Banque"},
        },  # skipped, counted
        {
            "type": "node",
            "id": 1004,
            "lat": 43.2951,
            "lon": 5.3741,
            "tags": {"shop": "bakery", "name": "Horaires faux", "opening_hours": "tous les jours"},
        },
        {"type": "node", "id": 1005, "lat": 43.2952, "lon": 5.3742, "tags": {"shop": "butcher"}},
        {
            "type": "node",
            "id": 1006,
            "lat": 48.8566,
            "lon": 2.3522,
            "tags": {"shop": "bakery", "name": "Paris"},
        },  # outside, counted
    ],
}


def osm(key):
    return Business.objects.get(source="osm", external_id=key)


def test_overpass_json_nodes_ways_and_areas(tmp_path):
    path = tmp_path / "overpass.json"
    path.write_text(json.dumps(OVERPASS))
    report = import_osm(path)
    assert report.created == 5, report.summary()
    assert report.skipped == {"type d’objet OSM hors de nos catégories": 2}
    assert report.outside_region == 1
    assert sorted((r.line, r.field) for r in report.rejected) == [(11, "name")]
    assert [(w.line, w.field) for w in report.warnings] == [(10, "opening_hours")]
    assert osm("node/1004").opening_hours_text == "tous les jours"
    bakery = osm("node/1001")
    assert (bakery.category.slug, bakery.commune_id, bakery.street) == (
        "boulangerie",
        "13055",
        "12 Quai du Port",
    )
    assert bakery.hours_week  # pre-computed for "open now" in SQL
    assert osm("way/2001").commune_id == "13001"
    hotel = osm("way/2002")
    assert 5.3750 < hotel.location.x < 5.3756 and 43.2960 < hotel.location.y < 43.2964
    epicerie = osm("way/2003")
    assert 5.3850 < epicerie.location.x < 5.3854
    again = import_osm(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_geojson_export_and_pbf_extract(tmp_path):
    features = [
        {
            "type": "Feature",
            "id": "node/3001",
            "geometry": {"type": "Point", "coordinates": [7.2700, 43.6974]},
            "properties": {"shop": "florist", "name": "Fleurs Masséna"},
        },
        {
            "type": "Feature",
            "id": "node/3002",
            "geometry": {"type": "Point", "coordinates": [7.2701, 43.6975]},
            "properties": {"amenity": "parking"},
        },
    ]
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    report = import_osm(path)
    assert report.created == 1 and osm("node/3001").commune_id == "06088"
    assert report.rejected_count == 0 and sum(report.skipped.values()) == 1

    pbf = tmp_path / "avignon.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        writer.add_node(
            osmium.osm.mutable.Node(
                id=4001,
                version=1,
                location=(4.8059, 43.9470),
                tags={"shop": "books", "name": "Librairie du Palais"},
            )
        )
        for i, (lon, lat) in enumerate([(4.8080, 43.9490), (4.8084, 43.9490), (4.8084, 43.9493)]):
            writer.add_node(osmium.osm.mutable.Node(id=10 + i, version=1, location=(lon, lat)))
        writer.add_way(
            osmium.osm.mutable.Way(
                id=5001,
                version=1,
                nodes=[10, 11, 12, 10],
                tags={"amenity": "cafe", "name": "Café de la Comédie"},
            )
        )
    report = import_osm(pbf)
    assert report.created == 2, report.summary()
    assert osm("node/4001").commune_id == "84007"
    cafe = osm("way/5001")
    assert cafe.category.slug == "cafe-bar" and 4.8080 < cafe.location.x < 4.8084


def test_unreadable_osm_files(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"foo": 1}')
    with pytest.raises(SourceError, match="ni du JSON Overpass"):
        import_osm(path)
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with pytest.raises(SourceError, match="fichier OSM illisible"):
        import_osm(broken)
