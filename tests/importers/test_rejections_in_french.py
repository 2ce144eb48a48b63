"""Every kind of rejected row is told in French, in the ``--errors`` file and in the
summary the command prints (and the import run keeps), like the warnings: a partner's
staff reads them.

Through the real commands on real files: a partner CSV with one row of each kind the
pipeline rejects (the row, its identifier, its position, its name, its category, the
region, duplicates), then the kinds only a GeoJSON, an Overpass answer, a JSON list or a
SIRENE file can have. Each expected reason is written out in full.
"""

import csv
import io
import json

import pytest
from django.core.management import call_command

from tests.importers import sirene_rows as sr

pytestmark = pytest.mark.django_db

PARTNER_MAPPING = """\
columns:
  id: ref
  name: nom
  category: activite
  siret: siret
  postcode: cp
  commune: insee
  lon: lon
  lat: lat
categories:
  Boulangerie: boulangerie
id_prefix: partenaire
encoding: utf-8
"""
SIRET = sr.make_siret(4242)
# The rows of the partner file from line 2 (line 1 is the header), each with the field and
# the reason the --errors file must give; None: the row is loaded.
PARTNER_ROWS = [
    ("1,Fournil du Port,Boulangerie,,13001,13055,5.3746,43.2952", None),
    (",Sans référence,Boulangerie,,13001,13055,5.3747,43.2953", ("ref", "identifiant vide")),
    (
        "3,Commune inconnue,Boulangerie,,13001,13999,5.3748,43.2954",
        ("insee", "code commune « 13999 » inconnu : pas une commune de la région"),
    ),
    (
        "4,Position en lettres,Boulangerie,,13001,13055,cinq,43.2955",
        ("coordinates", "coordonnées non numériques"),
    ),
    (
        "5,Nulle part,Boulangerie,,13001,,,",
        ("coordinates", "ni coordonnées ni code commune"),
    ),
    (
        "6,Ligne coupée",
        ("row", "2 champs alors que l’en-tête en a 8 (ligne tronquée ou mal formée)"),
    ),
    (
        "7,Une seule,Boulangerie,,13001,13055,5.3749,",
        ("coordinates", "une seule coordonnée : il faut la longitude et la latitude"),
    ),
    (
        "8,Infinie,Boulangerie,,13001,13055,inf,43.2956",
        ("coordinates", "coordonnées non finies (infini ou NaN)"),
    ),
    (
        "9,Golfe de Guinée,Boulangerie,,13001,13055,0,0",
        ("coordinates", "coordonnées (0, 0) : pas une vraie position"),
    ),
    (
        f"{'9' * 101},Référence trop longue,Boulangerie,,13001,13055,5.3750,43.2957",
        ("ref", "identifiant de plus de 100 caractères (112)"),
    ),
    ("11,,Boulangerie,,13001,13055,5.3751,43.2958", ("name", "nom manquant")),
    (
        "12,Crédit Provençal,Banque,,13001,13055,5.3752,43.2959",
        ("category", "aucune catégorie pour « Banque »"),
    ),
    (
        "13,Sans activité,,,13001,13055,5.3753,43.2960",
        ("category", "catégorie vide ou absente"),
    ),
    (
        "14,Adresse du Var,Boulangerie,,83400,13055,5.3754,43.2961",
        (
            "cp",
            "code postal 83400 en contradiction avec les coordonnées"
            " (commune 13055, département 13)",
        ),
    ),
    (
        "15,Inversée,Boulangerie,,13001,,43.2951,5.3698",
        ("coordinates", "latitude et longitude inversées"),
    ),
    (
        "16,New York,Boulangerie,,13001,,-73.9857,40.7484",
        ("coordinates", "coordonnées hors de la région, alors que l’adresse indique 13001"),
    ),
    (
        "17,Tiboulen,Boulangerie,,83400,,5.2870,43.2836",
        (
            "coordinates",
            "coordonnées à 0,5 km hors de la région, alors que l’adresse indique 83400",
        ),
    ),
    (
        "18,Monaco,Boulangerie,,06240,,7.42608,43.74200",
        (
            "coordinates",
            "coordonnées dans un territoire voisin (Monaco), hors de la région,"
            " alors que l’adresse indique 06240",
        ),
    ),
    (
        "1,Fournil du Port bis,Boulangerie,,13001,13055,5.3755,43.2962",
        ("ref", "doublon de la ligne 2 (même identifiant partenaire:1)"),
    ),
    (f"20,Maison A,Boulangerie,{SIRET},13001,13055,5.3756,43.2963", None),
    (
        f"21,Maison A bis,Boulangerie,{SIRET},13001,13055,5.3757,43.2964",
        ("siret", f"doublon de la ligne 21 (même SIRET {SIRET})"),
    ),
]


def _import(command: str, path, tmp_path, *extra: str) -> tuple[dict, str]:
    """(line → (field, reason) of the --errors file's rejections, the printed summary)."""
    errors = tmp_path / f"{command}-errors.csv"
    out = io.StringIO()
    call_command(command, str(path), "--no-progress", "--errors", str(errors), *extra, stdout=out)
    with errors.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] == "rejected"]
    return {int(r["line"]): (r["field"], r["reason"]) for r in rows}, out.getvalue()


def _check(expected: dict, rejections: dict, summary: str):
    assert rejections == expected
    for line, (field, reason) in expected.items():
        assert f"rejetée #{line} [{field}] {reason}\n" in summary + "\n", (line, summary)


def test_each_rejection_of_a_partner_file_is_french(tmp_path):
    mapping = tmp_path / "partenaire.yaml"
    mapping.write_text(PARTNER_MAPPING, encoding="utf-8")
    lines = ["ref,nom,activite,siret,cp,insee,lon,lat"] + [row for row, _ in PARTNER_ROWS]
    data = "\n".join(lines).encode() + b"\n"
    # Two rows whose bytes are no text: a NUL byte, and a Latin-1 É in a UTF-8 file.
    data += b"22,Nul\x00,Boulangerie,,13001,13055,5.3758,43.2965\n"
    data += b"23,\xc9picerie,Boulangerie,,13001,13055,5.3759,43.2966\n"
    path = tmp_path / "partenaire.csv"
    path.write_bytes(data)
    expected = {line: r for line, (_, r) in enumerate(PARTNER_ROWS, start=2) if r}
    expected[23] = ("nom", "octet NUL (0x00) dans le champ : pas du texte")
    expected[24] = (
        "nom",
        "encodage incorrect : l’octet 0xC9 n’est pas du utf-8 valide (fichier lu en utf-8 ;"
        " s’il est en Latin-1, dites-le : --encoding latin-1 pour SIRENE,"
        " « encoding: latin-1 » dans la correspondance d’un partenaire)",
    )
    rejections, summary = _import("import_csv", path, tmp_path, "--mapping", str(mapping))
    _check(expected, rejections, summary)
    assert "2 fiches créées" in summary


def test_each_rejection_of_a_geojson_an_overpass_answer_and_a_json_list_is_french(tmp_path):
    shop = {"shop": "bakery", "name": "Le Fournil", "addr:postcode": "13001"}

    def feature(geometry, properties=shop):
        return {"type": "Feature", "geometry": geometry, "properties": properties}

    geojson = tmp_path / "sources.geojson"
    features = [
        feature({"type": "Point", "coordinates": [5.3746, 43.2952]}),
        ["pas", "un", "objet"],
        {"type": "Feature", "geometry": None, "properties": ["pas", "un", "objet"]},
        feature(None),
        feature({"type": "Point", "coordinates": [5.3746]}),
        feature({"type": "Point", "coordinates": ["cinq", "quarante-trois"]}),
        feature({"type": "LineString", "coordinates": []}),
        feature({"type": "Point", "coordinates": [5.3747, 43.2953]}, {**shop, "shop": None}),
        feature({"type": "Point", "coordinates": [5.3748, 43.2954]}, {**shop, "shop": "bank"}),
    ]
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    rejections, summary = _import("import_geojson", geojson, tmp_path)
    _check(
        {
            2: ("feature", "pas un objet Feature GeoJSON"),
            3: ("properties", "« properties » n’est pas un objet"),
            4: ("geometry", "pas de géométrie"),
            5: ("geometry", "coordonnées mal formées : [5.3746]"),
            6: ("geometry", "coordonnées non numériques (« cinq », « quarante-trois »)"),
            7: ("geometry", "Géométrie vide."),  # territory.region's words
            8: ("category", "catégorie vide ou absente"),
            9: ("category", "aucune catégorie pour shop=bank"),
        },
        rejections,
        summary,
    )

    overpass = tmp_path / "overpass.json"
    elements = [
        {"type": "node", "id": 1, "lat": 43.2952, "lon": 5.3746, "tags": shop},
        "pas un objet",
        {"type": "way", "id": 2, "tags": shop},
        {"type": "node", "id": 3, "lon": 5.3746, "tags": shop},
    ]
    overpass.write_text(json.dumps({"version": 0.6, "elements": elements}))
    rejections, summary = _import("import_osm", overpass, tmp_path)
    _check(
        {
            2: ("element", "pas un élément OSM (objet attendu)"),
            3: ("geometry", "way/2 : aucune position (ni center, ni geometry, ni nodes)"),
            4: ("geometry", "node/3 : position illisible"),
        },
        rejections,
        summary,
    )

    listing = tmp_path / "liste.json"
    listing.write_text(json.dumps([{"ref": "1", "nom": "Le Fournil"}, "pas un objet"]))
    mapping = tmp_path / "liste.yaml"
    mapping.write_text(
        "columns:\n  id: ref\n  name: nom\n  commune: insee\ndefault_category: boulangerie\n",
        encoding="utf-8",
    )
    rejections, summary = _import("import_json", listing, tmp_path, "--mapping", str(mapping))
    assert rejections[2] == ("item", "pas un objet JSON")
    assert "rejetée #2 [item] pas un objet JSON" in summary


def test_each_rejection_of_a_sirene_file_is_french(tmp_path):
    rows = [
        sr.row(1, name="BOULANGERIE DU PORT", geo=(5.3676, 43.3003)),
        sr.row(2, name="SIRET FAUX", siret="12345678901234", geo=(5.3677, 43.3004)),
        sr.row(3, name="COMMUNE INCONNUE", commune="13999", geo=(5.3678, 43.3005)),
        sr.row(4, name="EN LETTRES", longitude="cinq", latitude="43.3"),
    ]
    path = sr.write(tmp_path / "StockEtablissement_utf8.csv", rows, geo=True)
    rejections, summary = _import("import_sirene", path, tmp_path)
    _check(
        {
            3: ("siret", "SIRET « 12345678901234 » invalide : SIREN invalide (clé de Luhn)."),
            4: (
                "codeCommuneEtablissement",
                "code commune « 13999 » inconnu : pas une commune de la région",
            ),
            5: ("coordonnees", "coordonnées non numériques (« cinq », « 43.3 »)"),
        },
        rejections,
        summary,
    )
