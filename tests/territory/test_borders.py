"""Land borders are not coast (issue #18): real places on each border of the region.

Distances are to the simplified commune boundaries of GEO_DATA_DIR. A point inside a
neighbouring territory (``territory.neighbours``) is outside the region however near a
commune; the tolerance only applies toward the sea, and grows only for an address whose
postcode is the nearest commune's.
"""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from geo_directory.territory.managers import OutsideRegion
from geo_directory.territory.models import Commune, Neighbour
from geo_directory.territory.point_index import CommunePointIndex

pytestmark = pytest.mark.django_db

# (lon, lat, neighbour's name): each within 250 m of a commune of the region, yet abroad.
ABROAD_NEAR_A_COMMUNE = {
    # Monaco, a few metres past Beausoleil's boundary on the way to the casino (20 m).
    "monaco-20m-past-beausoleil": (7.42608, 43.74200, "Monaco"),
    "monaco-tour-odeon": (7.4357, 43.7479, "Monaco"),  # 217 m from Beausoleil
    "monaco-stade-louis-ii": (7.4155, 43.7276, "Monaco"),  # 146 m from Cap-d'Ail
    "monaco-saint-roman": (7.4378, 43.7487, "Monaco"),  # 126 m from Roquebrune-Cap-Martin
    "italy-ponte-san-ludovico": (7.5305, 43.7852, "Italie"),  # 81 m from Menton
    "gard-villeneuve-les-avignon-bank": (4.7905, 43.9515, "Gard"),  # 77 m from Avignon
}
ABROAD_FAR = {
    "monaco-casino": (7.4286, 43.7392, "Monaco"),
    "italy-ventimiglia": (7.6098, 43.7912, "Italie"),
    "gard-tour-philippe-le-bel": (4.7929, 43.9601, "Gard"),
}


@pytest.mark.parametrize(
    ("lon", "lat", "name"), list(ABROAD_NEAR_A_COMMUNE.values()), ids=list(ABROAD_NEAR_A_COMMUNE)
)
def test_a_point_in_a_neighbouring_territory_is_outside_even_near_a_commune(lon, lat, name):
    ((code, distance),) = Commune.objects.locate([(lon, lat)])
    assert code is None
    with pytest.raises(OutsideRegion, match=rf"territoire voisin \({name}\)") as excinfo:
        Commune.objects.resolve_code(Point(lon, lat, srid=4326))
    assert excinfo.value.neighbour == name


@pytest.mark.parametrize(("lon", "lat", "name"), list(ABROAD_FAR.values()), ids=list(ABROAD_FAR))
def test_far_points_abroad_stay_outside(lon, lat, name):
    with pytest.raises(OutsideRegion, match=name):
        Commune.objects.resolve_code(Point(lon, lat, srid=4326))


def test_a_postcode_of_the_commune_never_pulls_a_point_back_from_abroad():
    # Beausoleil's own postcode on a shop in Monaco: still Monaco.
    lon, lat, _ = ABROAD_NEAR_A_COMMUNE["monaco-20m-past-beausoleil"]
    assert Commune.objects.get(code="06012").postcodes == ["06240"]
    with pytest.raises(OutsideRegion, match="Monaco"):
        Commune.objects.resolve_code(Point(lon, lat, srid=4326), postcode="06240")


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (7.5285, 43.7870, "06083"),  # Menton, on the French side of Pont Saint-Louis
        (7.5225, 43.7858, "06083"),  # Menton-Garavan
        (4.8055, 43.9493, "84007"),  # Avignon, across the Rhône from Villeneuve
        (5.3698, 43.2951, "13055"),  # Vieux-Port quay, 76 m off the simplified coast
        (5.306398, 43.279342, "13055"),  # Port-Frioul's quay (La Brazerade), 20 m off
        (5.2942, 43.2797, "13055"),  # the Frioul islands, inside Marseille's boundary
    ],
)
def test_the_french_side_and_the_coast_resolve_to_their_commune(lon, lat, code):
    assert Commune.objects.resolve_code(Point(lon, lat, srid=4326)) == code


TIBOULEN = (5.2870, 43.2836)  # Tiboulen de Ratonneau, a Frioul islet 0.5 km off the coast


@pytest.mark.parametrize(
    ("postcode", "code"),
    [
        ("13007", "13055"),  # Marseille's: the tolerance grows to 1 km
        ("13001", "13055"),
        (None, None),  # no postcode: 250 m only
        ("", None),
        ("83400", None),  # Hyères' (Var): never extends it
        ("13160", None),  # Châteaurenard's, a Bouches-du-Rhône postcode but not Marseille's
    ],
)
def test_an_agreeing_postcode_extends_the_coast_tolerance_for_islands(postcode, code):
    ((found, distance),) = Commune.objects.locate([TIBOULEN], [postcode])
    assert 250 < distance < 1000
    assert found == code
    point = Point(*TIBOULEN, srid=4326)
    if code:
        assert Commune.objects.resolve_code(point, postcode=postcode) == code
    else:
        with pytest.raises(OutsideRegion, match=r"à 0\.5 km"):
            Commune.objects.resolve_code(point, postcode=postcode)


def test_beyond_the_extended_tolerance_even_the_right_postcode_is_outside():
    # In the open sea 1.5 km west of Tiboulen de Ratonneau.
    ((code, distance),) = Commune.objects.locate([(5.2680, 43.2836)], ["13007"])
    assert code is None and distance > 1000


def test_the_castellar_false_positive_point_is_no_commune():
    # PostGIS' geography distance put POINT(48.988943 2.253311), off Somalia, at distance
    # 0 of Castellar's boundary: no distance is measured outside DOMAIN any more.
    ((code, distance),) = Commune.objects.locate([(48.988943, 2.253311)])
    assert (code, distance) == (None, None)
    with pytest.raises(OutsideRegion, match="hors de la Région Sud"):
        Commune.objects.resolve_code(Point(48.988943, 2.253311, srid=4326))


def test_the_neighbours_are_loaded_and_never_cover_a_commune_s_land():
    assert dict(Neighbour.objects.values_list("code", "name")) == {
        "26": "Drôme",
        "30": "Gard",
        "38": "Isère",
        "73": "Savoie",
        "IT": "Italie",
        "MC": "Monaco",
    }
    with connection.cursor() as cursor:
        # Monaco and Italy are built outside every commune (the départements' simplified
        # boundaries overlap the communes by slivers: the commune wins there).
        cursor.execute(
            "SELECT n.code, sum(ST_Area(ST_Intersection(n.boundary, c.boundary)::geography))"
            " FROM territory_neighbour n JOIN territory_commune c"
            " ON ST_Intersects(n.boundary, c.boundary) WHERE n.code IN ('MC', 'IT')"
            " GROUP BY n.code"
        )
        overlaps = dict(cursor.fetchall())
    assert all(area < 1 for area in overlaps.values()), overlaps


def test_the_in_memory_index_agrees_with_the_sql_on_the_border_points():
    points = [
        (lon, lat) for lon, lat, _ in [*ABROAD_NEAR_A_COMMUNE.values(), *ABROAD_FAR.values()]
    ] + [(7.5285, 43.7870), (5.3698, 43.2951), (5.2942, 43.2797), TIBOULEN, (4.8055, 43.9493)]
    located = Commune.objects.locate(points)
    index = CommunePointIndex()
    in_memory = index.codes_at([p[0] for p in points], [p[1] for p in points])
    # The index answers points inside a boundary; the others go to the SQL, whose answer
    # for them is "no commune" unless the coast tolerance applies (distance > 0).
    assert in_memory == [code if distance == 0 else None for code, distance in located]
    assert in_memory.count(None) == len(ABROAD_NEAR_A_COMMUNE) + len(ABROAD_FAR) + 2


def test_border_pieces_are_chained_whatever_their_order_and_direction():
    from geo_directory.territory.neighbours import chain

    # Three ways of one border, given out of order, one reversed, with a gap of 0.1.
    pieces = [[(2, 0), (3, 0)], [(1, 0), (0, 0)], [(1.1, 0), (2, 0)]]
    expected = [(0, 0), (1, 0), (1.1, 0), (2, 0), (3, 0)]
    assert chain(pieces) in (expected, expected[::-1])
