"""Issue #18 through the real importer: land borders, islands, swapped coordinates.

The same file is imported by the SQL path (a small file) and by the bulk path (points
located in memory, then the SQL on subdivided boundaries): both must give the same
listings and the same rejections.
"""

import json

import pytest

from geo_directory.businesses.models import Business
from importers import pipeline
from importers.geojson import import_geojson
from importers.pipeline import resolution, staging

pytestmark = pytest.mark.django_db

# (ref, lon, lat, postcode, expected): "created <code>", "outside" (counted, not loaded)
# or "rejected: <words of the reason>".
ROWS = [
    # Monaco shops without a postcode, within 250 m of Beausoleil, Cap-d'Ail, Roquebrune.
    ("mc-beausoleil", 7.42608, 43.74200, "", "outside"),
    ("mc-odeon", 7.4357, 43.7479, "", "outside"),
    ("mc-louis-ii", 7.4155, 43.7276, "", "outside"),
    ("mc-saint-roman", 7.4378, 43.7487, "", "outside"),
    # A Monaco shop whose address claims Beausoleil's postcode: said so, not loaded.
    ("mc-claims-06240", 7.42608, 43.74200, "06240", "rejected: territoire voisin (Monaco)"),
    ("it-ponte-san-ludovico", 7.5305, 43.7852, "", "outside"),
    ("it-ventimiglia", 7.6098, 43.7912, "", "outside"),
    ("gard-villeneuve", 4.7905, 43.9515, "", "outside"),
    ("gard-villeneuve-84000", 4.7905, 43.9515, "84000", "rejected: territoire voisin (Gard)"),
    ("menton", 7.5285, 43.7870, "06500", "created 06083"),
    ("avignon", 4.8055, 43.9493, "84000", "created 84007"),
    ("vieux-port-quay", 5.3698, 43.2951, "", "created 13055"),
    ("frioul", 5.2942, 43.2797, "13007", "created 13055"),
    ("frioul-var", 5.2942, 43.2797, "83400", "rejected: en contradiction avec les coordonnées"),
    ("tiboulen-13007", 5.2870, 43.2836, "13007", "created 13055"),
    ("tiboulen-var", 5.2870, 43.2836, "83400", "rejected: 0,5 km hors de la région"),
    ("tiboulen-none", 5.2870, 43.2836, "", "outside"),
    # A real swap (a Vieux-Port shop written lat, lon) and the Castellar false positive.
    ("swapped", 43.2951, 5.3698, "13001", "rejected: latitude et longitude inversées"),
    ("castellar-false-positive", 48.988943, 2.253311, "06500", "rejected: hors de la région"),
    ("paris-not-swapped", 2.253311, 48.988943, "13001", "rejected: hors de la région"),
]


def _file(tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "shop": "bakery",
                "name": f"Boulangerie {ref}",
                "ref:border": ref,
                **({"addr:postcode": postcode} if postcode else {}),
            },
        }
        for ref, lon, lat, postcode, _ in ROWS
    ]
    path = tmp_path / "borders.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _outcomes(report) -> dict[str, str]:
    created = dict(
        Business.objects.filter(source="geojson", external_id__startswith="borders:").values_list(
            "external_id", "commune_id"
        )
    )
    rejected = {r.line: r.reason for r in report.rejected}
    outcomes = {}
    for line, (ref, *_rest) in enumerate(ROWS, start=1):
        if f"borders:{ref}" in created:
            outcomes[ref] = f"created {created[f'borders:{ref}']}"
        elif line in rejected:
            outcomes[ref] = f"rejected: {rejected[line]}"
        else:
            outcomes[ref] = "outside"
    return outcomes


def _check(report):
    outcomes = _outcomes(report)
    for ref, *_rest, expected in ROWS:
        if expected.startswith("rejected: "):
            assert outcomes[ref].startswith("rejected: "), (ref, outcomes[ref])
            assert expected.removeprefix("rejected: ") in outcomes[ref], (ref, outcomes[ref])
        else:
            assert outcomes[ref] == expected, (ref, outcomes[ref])
    assert report.outside_region == sum(expected == "outside" for *_, expected in ROWS)


def test_borders_islands_and_swaps_through_the_sql_path(tmp_path):
    path = _file(tmp_path)
    assert path.stat().st_size < pipeline.LOCATE_IN_MEMORY_FROM
    _check(import_geojson(path))


def test_the_bulk_path_gives_the_same_answers(tmp_path, monkeypatch):
    # Points located in memory first, the rest against subdivided boundaries.
    built = []

    class Index(staging.CommunePointIndex):
        def codes_at(self, lons, lats, hints=None):
            codes = super().codes_at(lons, lats, hints)
            built.append(codes)
            return codes

    monkeypatch.setattr(staging, "CommunePointIndex", Index)
    monkeypatch.setattr(staging, "LOCATE_IN_MEMORY_FROM", 0)
    monkeypatch.setattr(resolution, "SUBDIVIDE_FROM", 0)
    report = import_geojson(_file(tmp_path))
    assert built and built[0].count("13055") == 2  # the two Frioul shops, inside Marseille
    _check(report)
