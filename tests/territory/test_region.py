"""The coordinate guard: what may reach GEOS/GDAL, checked in plain Python."""

import math

import pytest

from geo_directory.territory.region import (
    DOMAIN,
    EXTENT,
    WORLD,
    BadCoordinates,
    check_geojson,
    check_lonlat,
    grown,
)


def test_accepts_marseille_as_numbers_or_strings():
    assert check_lonlat(5.3698, 43.2965) == (5.3698, 43.2965)
    assert check_lonlat("5.3698", "43.2965") == (5.3698, 43.2965)


@pytest.mark.parametrize(
    "lon, lat",
    [
        (1e300, 1e300),
        (1e150, 43.0),
        (math.inf, 43.0),
        (5.0, math.nan),
        ("abc", 43.0),
        (None, 43.0),
        (True, 43.0),
        (5.0, [43.0]),
        ("1e400", 43.0),
    ],
)
def test_refuses_what_is_not_a_finite_number_in_the_domain(lon, lat):
    with pytest.raises(BadCoordinates) as caught:
        check_lonlat(lon, lat)
    assert caught.value.args[0].startswith(("Les coordonnées", "Coordonnées"))


def test_the_box_is_the_callers():
    check_lonlat(-150.0, -80.0, WORLD)
    with pytest.raises(BadCoordinates, match="longitude de -20 à 30"):
        check_lonlat(-150.0, -80.0, DOMAIN)
    with pytest.raises(BadCoordinates):
        check_lonlat(2.35, 48.85, grown(EXTENT, 0.5))  # Paris is not near the region


def test_a_polygon_with_an_overflowing_vertex_is_refused():
    ring = [[5.3, 43.2], [5.4, 43.2], [1e300, 1e300], [5.3, 43.2]]
    with pytest.raises(BadCoordinates, match="hors limites"):
        check_geojson({"type": "Polygon", "coordinates": [ring]})


def test_valid_geometries_are_returned_unchanged():
    ring = [[5.3, 43.2], [5.4, 43.2], [5.4, 43.3], [5.3, 43.2]]
    polygon = {"type": "MultiPolygon", "coordinates": [[ring]]}
    assert check_geojson(polygon) is polygon
    point = {"type": "Point", "coordinates": [5.3, 43.2, 12.0]}
    assert check_geojson(point, types=["Point"]) is point


@pytest.mark.parametrize(
    "geometry, message",
    [
        ({"type": "Foo", "coordinates": [5, 43]}, "non pris en charge"),
        ({"type": "Point", "coordinates": "5,43"}, "mal formées"),
        ({"type": "Point", "coordinates": [5]}, "2 ou 3"),
        ({"type": "Polygon", "coordinates": []}, "vide"),
        ({"type": "Polygon", "coordinates": [[5, 43]]}, "mal formées"),
        (["Point"], "objet GeoJSON"),
    ],
)
def test_malformed_geometries_get_a_french_reason(geometry, message):
    with pytest.raises(BadCoordinates, match=message):
        check_geojson(geometry)


def test_types_and_vertex_count_are_bounded():
    with pytest.raises(BadCoordinates, match="Point"):
        check_geojson({"type": "Point", "coordinates": [5, 43]}, types=["Polygon"])
    ring = [[5.3 + i * 1e-6, 43.2] for i in range(50)]
    with pytest.raises(BadCoordinates, match="trop détaillée"):
        check_geojson({"type": "LineString", "coordinates": ring}, max_vertices=10)


def test_deep_nesting_does_not_recurse():
    deep: list = [5.0, 43.0]
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(BadCoordinates):
        check_geojson({"type": "MultiPolygon", "coordinates": deep})
