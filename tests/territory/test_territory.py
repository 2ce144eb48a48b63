import json

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from geo_directory.territory.managers import OutsideRegion
from geo_directory.territory.models import Commune, CommuneArea
from importers.communes import import_territory
from importers.errors import SourceError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (5.3810, 43.2980, "13055"),  # La Canebière, Marseille
        (5.3698, 43.2951, "13055"),  # Vieux-Port quay, 76 m outside the simplified coast
        (7.2620, 43.6950, "06088"),  # Promenade des Anglais, Nice
        (4.8055, 43.9493, "84007"),  # Place de l'Horloge, Avignon
        (6.0790, 44.5594, "05061"),  # Gap
        (5.9280, 43.1242, "83137"),  # Toulon
    ],
)
def test_real_places_resolve_to_their_commune(lon, lat, code):
    assert Commune.objects.resolve_code(Point(lon, lat, srid=4326)) == code


def test_quay_outside_simplified_coast_is_within_tolerance():
    ((code, distance),) = Commune.objects.locate([(5.3698, 43.2951)])
    assert code == "13055"
    assert 50 < distance < 100


@pytest.mark.parametrize(
    ("lon", "lat", "says"),
    [
        (4.8357, 45.7640, "à 138."),
        (7.4246, 43.7311, "dans un territoire voisin (Monaco)"),
        (5.5000, 42.9000, "à 29."),
    ],
    ids=["lyon", "monaco-port-hercule", "open-sea"],
)
def test_points_outside_the_region_are_rejected_with_a_clear_message(lon, lat, says):
    with pytest.raises(OutsideRegion) as excinfo:
        Commune.objects.resolve_code(Point(lon, lat, srid=4326))
    message = str(excinfo.value)
    assert "hors de la Région Sud" in message
    assert says in message.replace(",", ".")


def test_the_946_current_communes_have_boundaries_and_marseille_has_arrondissements():
    assert Commune.objects.count() == 946
    assert not Commune.objects.filter(boundary__isnull=True).exists()
    assert not Commune.objects.filter(centre__isnull=True).exists()
    assert CommuneArea.objects.filter(commune_id="13055").count() == 16
    marseille = Commune.objects.get(code="13055")
    assert "13006" in marseille.postcodes
    assert marseille.population > 800_000
    assert marseille.departement.region_id == "93"
    # Every label point lies inside its commune.
    avignon = Commune.objects.get(code="84007")
    assert avignon.boundary.contains(avignon.centre)


def test_reimport_updates_in_place_and_reports_the_merged_boundary(data_dir):
    report = import_territory(data_dir)
    assert report.created == 0 and report.updated == 946
    assert any(line.startswith("05120 Ristolas") for line in report.boundaries_not_in_list)
    assert report.communes_without_boundary == []
    assert Commune.objects.count() == 946
    # Ristolas (merged into Abriès-Ristolas) is part of 05001 now.
    assert Commune.objects.resolve_code(Point(6.9530, 44.7660, srid=4326)) == "05001"


def _copy_data(tmp_path, data_dir, **replacements):
    for name in (
        "cog-regions.json",
        "cog-departements.json",
        "cog-communes.json",
        "paca-region.geojson",
        "paca-communes.geojson",
        "neighbours",
    ):
        target = tmp_path / name
        if name in replacements:
            if replacements[name] is not None:
                target.write_text(replacements[name])
        else:
            target.symlink_to(data_dir / name)
    return tmp_path


def _assert_nothing_written(before):
    assert Commune.objects.count() == 946
    assert Commune.objects.get(code="13055").name == before


def test_corrupt_geojson_is_refused_and_nothing_is_written(tmp_path, data_dir):
    broken = (data_dir / "paca-communes.geojson").read_text()[:5000]
    folder = _copy_data(tmp_path, data_dir, **{"paca-communes.geojson": broken})
    with pytest.raises(SourceError, match=r"JSON invalide à la ligne 1, colonne \d+"):
        import_territory(folder)
    _assert_nothing_written("Marseille")


def test_missing_file_is_refused(tmp_path, data_dir):
    folder = _copy_data(tmp_path, data_dir, **{"paca-communes.geojson": None})
    with pytest.raises(CommandError, match="paca-communes.geojson : fichier introuvable"):
        call_command("import_communes", "--data-dir", str(folder))
    _assert_nothing_written("Marseille")


def test_feature_without_code_is_refused_naming_the_feature(tmp_path, data_dir):
    collection = json.loads((data_dir / "paca-communes.geojson").read_text())
    # Rename Marseille first so a partial write would be visible.
    for feature in collection["features"]:
        if feature["properties"]["code"] == "13055":
            feature["properties"]["nom"] = "Marseille (modifié)"
    del collection["features"][3]["properties"]["code"]
    folder = _copy_data(tmp_path, data_dir, **{"paca-communes.geojson": json.dumps(collection)})
    with pytest.raises(SourceError, match=r"objet n° 4 : objet sans propriété « code »"):
        import_territory(folder)
    _assert_nothing_written("Marseille")


def test_missing_neighbours_are_refused_and_nothing_is_written(tmp_path, data_dir):
    from geo_directory.territory.models import Neighbour

    folder = _copy_data(tmp_path, data_dir, neighbours=None)
    with pytest.raises(SourceError, match="departements-voisins.geojson : fichier introuvable"):
        import_territory(folder)
    _assert_nothing_written("Marseille")
    assert Neighbour.objects.count() == 6


def test_a_border_line_out_of_range_is_refused_naming_the_file(tmp_path, data_dir):
    folder = _copy_data(tmp_path, data_dir, neighbours=None)
    (folder / "neighbours").mkdir()
    (folder / "neighbours" / "departements-voisins.geojson").symlink_to(
        data_dir / "neighbours" / "departements-voisins.geojson"
    )
    line = {"type": "LineString", "coordinates": [[7.41, 43.73], [1e300, 43.74]]}
    (folder / "neighbours" / "frontiere-france-monaco.geojson").write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": line})
    )
    with pytest.raises(SourceError, match=r"frontiere-france-monaco.geojson objet n° 1 : "):
        import_territory(folder)
    _assert_nothing_written("Marseille")


def test_the_report_lists_the_neighbouring_territories(data_dir):
    summary = import_territory(data_dir).summary()
    assert "territoires voisins : Drôme (26), Gard (30), Isère (38), Savoie (73)," in summary
    assert "Savoie (73), Italie (IT), Monaco (MC)" in summary
