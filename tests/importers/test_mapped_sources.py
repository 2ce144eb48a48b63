"""Real partner files in, nothing lost (issue #18): one mapping format for CSV, GeoJSON and
JSON lists; optional values that cannot be read are warnings, never rejections."""

import csv
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from geo_directory.businesses.models import Business
from geo_directory.import_runs.models import ImportRun
from importers.csv_mapped import import_csv
from importers.geojson import import_geojson
from importers.json_list import import_json
from importers.mapping import load_mapping

pytestmark = pytest.mark.django_db

RESTAURANTS = Path(settings.GEO_DATA_DIR) / "restaurants-bouches-du-rhone-2012.geojson"
RESTAURANTS_MAPPING = (
    Path(settings.BASE_DIR) / "fixtures" / "mappings" / "restaurants-bouches-du-rhone-2012.yaml"
)
PARSER_INTERNALS = ("Failed to parse", "-->", "expression")


def _place(properties: dict) -> tuple:
    """What identifies a restaurant of the real file, folded as a person would compare."""
    fields = ("raisonsociale", "numro", "complmentnumro", "typedevoie", "voie", "codepostal")
    return tuple(" ".join(str(properties.get(f) or "").split()).casefold() for f in fields)


def test_real_restaurants_geojson_through_the_demo_mapping():
    features = json.loads(RESTAURANTS.read_text(encoding="utf-8"))["features"]
    twice = len(features) - len({_place(f["properties"]) for f in features})
    assert twice > 60  # the README: 72 name+postcode pairs, most of them true copies

    report = import_geojson(RESTAURANTS, mapping=RESTAURANTS_MAPPING)

    assert report.read == len(features) == 1195
    assert report.created + report.rejected_count == report.read, report.summary()
    reasons = [r.reason for r in report.rejected]
    duplicates = [r for r in reasons if r.startswith("doublon de la ligne ")]
    contradictions = [r for r in reasons if "en contradiction avec les coordonnées" in r]
    assert len(duplicates) == twice
    assert len(duplicates) + len(contradictions) == report.rejected_count, reasons
    assert not any("nom manquant" in r for r in reasons)
    assert report.created > 1100
    # The 6 pairs of websites in one field: the first kept, a warning each, French.
    assert report.warning_count == len(report.warnings) > 0
    assert {w.field for w in report.warnings} == {"adresseweb"}
    assert all("\n" in w.value and "première" in w.reason for w in report.warnings)

    atrium = Business.objects.get(name="Best Western l'Atrium")
    assert (atrium.street, atrium.postcode, atrium.commune_id, atrium.category.slug) == (
        "1 Rue Emile Fassin",
        "13200",
        "13004",
        "restaurant",
    )
    assert atrium.website == "http://www.hotelatrium.com"
    assert atrium.status == "published" and atrium.external_id.startswith(
        "dataprovence-restaurants:"
    )
    galiniere = Business.objects.get(name="La Galinière - Mercure")
    assert galiniere.website == "http://www.restaurantlagaliniere.fr"
    assert galiniere.street == "RD7"

    again = import_geojson(RESTAURANTS, mapping=RESTAURANTS_MAPPING)
    assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)


def test_seed_demo_puts_the_real_restaurants_on_the_map_once(client, capsys):
    before = Business.objects.count()
    call_command("seed_demo")
    mapping = load_mapping(RESTAURANTS_MAPPING)
    restaurants = Business.objects.published().filter(
        external_id__startswith=f"{mapping['id_prefix']}:"
    )
    loaded = restaurants.count()
    assert loaded > 1100 and Business.objects.count() == before + loaded
    assert "restaurants-bouches-du-rhone-2012.geojson : 1195 lignes lues" in capsys.readouterr().out
    call_command("seed_demo")  # idempotent: nothing added
    assert Business.objects.count() == before + loaded
    # On the map: the API of the residents' map finds them in Arles's viewport.
    body = client.get(
        "/api/v1/businesses/", {"in_bbox": "4.60,43.66,4.66,43.70", "page_size": 200}
    ).json()
    names = {feature["properties"]["name"] for feature in body["features"]}
    assert "Best Western l'Atrium" in names


TOURIST_OFFICE_MAPPING = """\
columns:
  id: {hash: [Nom, Adresse, Code postal]}   # the export has no stable key
  name: Nom
  category: Type
  street: {fields: [N°, Adresse], separator: " "}
  postcode: Code postal
  lat: Latitude
  lon: Longitude
  phone: Téléphone
  website: Site web
  opening_hours: Horaires
categories:
  Restaurant: restaurant
  Pizzeria: restaurant
  Bar à vin: cafe-bar
default_category: restaurant
"""
TOURIST_OFFICE_HEADER = [
    "Nom",
    "Type",
    "N°",
    "Adresse",
    "Code postal",
    "Commune",
    "Latitude",
    "Longitude",
    "Téléphone",
    "Site web",
    "Horaires",
]


def tourist_office_csv(path: Path, rows: list[list[str]]) -> Path:
    """A tourist office's export: UTF-8 with BOM, « ; », decimal commas, French hours on
    several lines inside quotes (CRLF line ends, as spreadsheets write them)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(TOURIST_OFFICE_HEADER)
        writer.writerows(rows)
    return path


TOURIST_ROWS = [
    [  # line 2: OSM syntax already
        "Chez Fonfon",
        "Restaurant",
        "140",
        "Rue du Vallon des Auffes",
        "13007",
        "Marseille",
        "43,2853",
        "5,3502",
        "04 91 52 14 38",
        "www.chez-fonfon.com",
        "Tu-Sa 12:00-14:00,19:30-22:00",
    ],
    [  # lines 3-6: two labels in one field, French hours over three lines (translated)
        "Le Miramar",
        "Restaurant\nPoissons",
        "12",
        "Quai du Port",
        "13002",
        "Marseille",
        "43,2955",
        "5,3732",
        "+33 (0)4 91 91 10 40",
        "https://www.lemiramar.fr",
        "Du lundi au samedi\nde 12h à 14h15, de 19h30 à 22h.\nFermé le dimanche.",
    ],
    [  # line 7: translated with a convention: the text is kept too
        "Pizzeria Etienne",
        "Pizzeria",
        "43",
        "Rue de Lorette",
        "13002",
        "Marseille",
        "43,2996",
        "5,3700",
        "",
        "",
        "Midi et soir du mardi au samedi",
    ],
    [  # lines 8-9: hours nobody can read, a malformed phone and website: all warnings
        "La Cave à Vins",
        "Bar à vin",
        "",
        "Cours Julien",
        "13006",
        "Marseille",
        "43,2937",
        "5,3834",
        "04 91 XX",
        "pas de site",
        "Sur rendez-vous,\nsauf l'été",
    ],
    [  # line 10: no name: rejected (a required field)
        "",
        "Restaurant",
        "1",
        "Rue Paradis",
        "13001",
        "Marseille",
        "43,2950",
        "5,3770",
        "",
        "",
        "",
    ],
]


def test_tourist_office_csv_french_hours_are_kept_never_rejected(tmp_path, capsys):
    mapping = tmp_path / "ot-marseille.yaml"
    mapping.write_text(TOURIST_OFFICE_MAPPING, encoding="utf-8")
    path = tourist_office_csv(tmp_path / "restaurants-marseille.csv", TOURIST_ROWS)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    errors = tmp_path / "errors.csv"

    call_command(
        "import_csv", str(path), "--mapping", str(mapping), "--errors", str(errors), "--no-progress"
    )

    out = capsys.readouterr().out
    assert "4 fiches créées" in out and "1 ligne rejetée" in out and "3 avertissements" in out
    ours = Business.objects.filter(source="csv", external_id__startswith="ot-marseille:")
    by_name = {b.name: b for b in ours}
    assert sorted(by_name) == ["Chez Fonfon", "La Cave à Vins", "Le Miramar", "Pizzeria Etienne"]
    fonfon = by_name["Chez Fonfon"]
    assert (fonfon.opening_hours, fonfon.opening_hours_text) == (
        "Tu-Sa 12:00-14:00,19:30-22:00",
        "",
    )
    assert fonfon.website == "http://www.chez-fonfon.com"
    assert fonfon.street == "140 Rue du Vallon des Auffes"
    assert abs(fonfon.location.y - 43.2853) < 1e-9 and abs(fonfon.location.x - 5.3502) < 1e-9
    assert fonfon.hours_week  # « ouvert maintenant » is computed
    miramar = by_name["Le Miramar"]
    assert miramar.opening_hours == "Mo-Sa 12:00-14:15,19:30-22:00; Su off"
    assert miramar.opening_hours_text == "" and miramar.hours_week
    assert miramar.phone == "+33 (0)4 91 91 10 40"
    etienne = by_name["Pizzeria Etienne"]
    assert etienne.opening_hours == "Tu-Sa 12:00-14:00,19:00-22:00"
    assert etienne.opening_hours_text == "Midi et soir du mardi au samedi"
    cave = by_name["La Cave à Vins"]
    assert (cave.opening_hours, cave.hours_week) == ("", None)
    assert cave.opening_hours_text == "Sur rendez-vous,\nsauf l'été"
    assert (cave.phone, cave.website, cave.category.slug) == ("", "", "cafe-bar")

    with errors.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rejected = [r for r in rows if r["kind"] == "rejected"]
    warnings = [r for r in rows if r["kind"] == "warning"]
    assert [(r["line"], r["field"]) for r in rejected] == [("10", "name")]
    # Reported by the line the row starts on (its quoted hours end on line 9).
    assert sorted((r["line"], r["field"]) for r in warnings) == [
        ("8", "Horaires"),
        ("8", "Site web"),
        ("8", "Téléphone"),
    ]
    hours = next(r for r in warnings if r["field"] == "Horaires")
    assert "rendez-vous" in hours["reason"]
    assert not any(word in r["reason"] for r in warnings for word in PARSER_INTERNALS)
    run = ImportRun.objects.get(file_name=str(path))
    assert (run.created, run.rejected, run.warnings) == (4, 1, len(warnings))

    # The same export a month later: one phone fixed, one hours changed: updated, no copy.
    TOURIST_ROWS_LATER = [list(row) for row in TOURIST_ROWS]
    TOURIST_ROWS_LATER[3][8] = "04 91 48 00 00"
    TOURIST_ROWS_LATER[1][10] = "Tous les jours de 12h à 14h30"
    tourist_office_csv(path, TOURIST_ROWS_LATER)
    again = import_csv(path, mapping)
    assert (again.created, again.updated, again.unchanged) == (0, 2, 2), again.summary()
    assert ours.count() == 4
    assert ours.get(name="La Cave à Vins").phone == "04 91 48 00 00"
    assert ours.get(name="Le Miramar").opening_hours == "Mo-Su 12:00-14:30"


JSON_MAPPING = {
    "id_prefix": "cci13",
    "list_key": "data.commerces",
    "columns": {
        "id": ["raison_sociale", "cp"],  # a composite key
        "name": "raison_sociale",
        "category": "activite",
        "street": {"fields": ["type_voie", "nom_voie"], "separator": " "},
        "postcode": "cp",
        "lon": "lng",
        "lat": "lat",
        "phone": "tel",
        "opening_hours": "horaires",
    },
    "categories": {"Boulangerie-pâtisserie": "boulangerie", "Primeur": "primeur"},
    "default_category": "epicerie",
}


def commerces(phone_of_the_baker: str) -> dict:
    return {
        "data": {
            "commerces": [
                {
                    "raison_sociale": "Boulangerie du Panier",
                    "activite": "Boulangerie-pâtisserie",
                    "type_voie": "Rue",
                    "nom_voie": "du Panier",
                    "cp": 13002,  # a number in JSON
                    "lng": "5,3686",  # a string with a decimal comma
                    "lat": "43,2985",
                    "tel": phone_of_the_baker,
                    "horaires": "Du mardi au dimanche de 7h à 13h",
                },
                {
                    "raison_sociale": "Primeur Noailles",
                    "activite": "Primeur",
                    "nom_voie": "Rue Longue des Capucins",
                    "cp": "13001",
                    "lng": 5.3808,
                    "lat": 43.2963,
                    "horaires": None,
                },
                {
                    "raison_sociale": "Épicerie fine",
                    "activite": "Autre",  # not in the label map: the default
                    "cp": "13006",
                    "lng": "5.3800",
                    "lat": "43.2900",
                },
                "not an object",
            ]
        }
    }


def test_json_list_with_composite_key_joined_street_and_reimport(tmp_path):
    path = tmp_path / "commerces.json"
    path.write_text(json.dumps(commerces("04 91 00 00 00")), encoding="utf-8")

    report = import_json(path, JSON_MAPPING)

    assert (report.read, report.created, report.rejected_count) == (4, 3, 1), report.summary()
    assert [(r.line, r.field) for r in report.rejected] == [(4, "item")]
    baker = Business.objects.get(source="csv", external_id="cci13:Boulangerie du Panier|13002")
    assert (baker.street, baker.postcode, baker.category.slug, baker.commune_id) == (
        "Rue du Panier",
        "13002",
        "boulangerie",
        "13055",
    )
    assert baker.opening_hours == "Tu-Su 07:00-13:00"
    assert abs(baker.location.x - 5.3686) < 1e-9
    fine = Business.objects.get(source="csv", external_id="cci13:Épicerie fine|13006")
    assert (fine.category.slug, fine.street) == ("epicerie", "")

    path.write_text(json.dumps(commerces("04 91 11 11 11")), encoding="utf-8")
    again = import_json(path, JSON_MAPPING)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    assert Business.objects.filter(external_id__startswith="cci13:").count() == 3
    baker.refresh_from_db()
    assert baker.phone == "04 91 11 11 11"


def partner_geojson(path: Path, features: list[tuple]) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": geometry,
                        "properties": properties,
                    }
                    for geometry, properties in features
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def test_geojson_without_ids_keyed_by_a_stable_hash(tmp_path):
    mapping = tmp_path / "marche-provencal.yaml"
    mapping.write_text(
        "columns:\n"
        "  id: {hash: [enseigne, adresse, code_postal]}\n"
        "  name: enseigne\n"
        "  category: rayon\n"
        "  street: adresse\n"
        "  postcode: code_postal\n"
        "  website: site\n"
        "  lon: x_wgs84\n"
        "  lat: y_wgs84\n"
        "categories: {Fromages: fromagerie, Poissons: poissonnerie}\n",
        encoding="utf-8",
    )
    point = {"type": "Point", "coordinates": [5.3812, 43.2951]}
    features = [
        (point, {"enseigne": "La Fromagerie", "rayon": "Fromages", "adresse": "3 rue Vacon",
                 "code_postal": "13001", "site": "http://fromagerie.example.fr"}),
        # No geometry: the x/y properties, strings with decimal commas, place it.
        (None, {"enseigne": "Marée du jour", "rayon": "Poissons", "adresse": "Quai des Belges",
                "code_postal": "13001", "x_wgs84": "5,3745", "y_wgs84": "43,2951"}),
    ]  # fmt: skip
    path = partner_geojson(tmp_path / "marche.geojson", features)

    report = import_geojson(path, mapping=mapping)

    assert (report.created, report.rejected_count) == (2, 0), report.summary()
    ours = Business.objects.filter(source="geojson", external_id__startswith="marche-provencal:")
    keys = dict(ours.values_list("name", "external_id"))
    assert len(keys["La Fromagerie"]) == len("marche-provencal:") + 16
    maree = ours.get(name="Marée du jour")
    assert abs(maree.location.x - 5.3745) < 1e-9 and maree.category.slug == "poissonnerie"

    # The partner's next file: other case and spacing in the name, a new website. Same
    # hash (folded), so the listing is updated, not duplicated.
    features[0][1].update(enseigne="LA  FROMAGERIE", site="https://www.fromagerie.example.fr")
    partner_geojson(path, features)
    again = import_geojson(path, mapping=mapping)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1), again.summary()
    assert dict(ours.values_list("name", "external_id")) == {
        "LA  FROMAGERIE": keys["La Fromagerie"],
        "Marée du jour": keys["Marée du jour"],
    }
    assert ours.get(external_id=keys["La Fromagerie"]).website == (
        "https://www.fromagerie.example.fr"
    )


def test_geojson_command_takes_a_mapping(tmp_path, capsys):
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps({"fields": {"id": "code", "name": "nom"}, "default_category": "epicerie"}),
        encoding="utf-8",
    )
    point = {"type": "Point", "coordinates": [5.3812, 43.2951]}
    path = partner_geojson(tmp_path / "p.geojson", [(point, {"code": 7, "nom": "Chez Paul"})])
    call_command("import_geojson", str(path), "--mapping", str(mapping), "--no-progress")
    assert "1 fiche créée" in capsys.readouterr().out
    assert Business.objects.get(source="geojson", external_id="m:7").name == "Chez Paul"
