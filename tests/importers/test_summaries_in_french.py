"""What the data team reads of an import is French, plurals right: the command's summary,
the ``--errors`` line, the stored ``ImportRun`` (and its admin pages), the skipped rows'
reasons, and a whole file refused (garbled, not UTF-8, a required column missing) with
nothing written. Real files of GEO_DATA_DIR through the real commands."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from geo_directory.businesses.models import Business
from geo_directory.import_runs.models import ImportRun
from importers import json_stream
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DATA = Path(settings.GEO_DATA_DIR)
RESTAURANTS = DATA / "restaurants-bouches-du-rhone-2012.geojson"
MAPPING = (
    Path(settings.BASE_DIR) / "fixtures" / "mappings" / "restaurants-bouches-du-rhone-2012.yaml"
)
RATE = re.compile(r", [\d\u202f]+ lignes/s")


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _counts_line(out: str) -> str:
    """The summary's first line without its speed (which varies)."""
    first = out.splitlines()[0]
    assert RATE.search(first), first
    return RATE.sub("", first)


def _errors_file(path: Path) -> dict[str, list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {kind: [r for r in rows if r["kind"] == kind] for kind in ("rejected", "warning")}


def _restaurants(tmp_path, features: list[dict], name="quelques-restaurants.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_the_real_restaurants_file_summarised_in_french(tmp_path, client):
    features = json.loads(RESTAURANTS.read_text(encoding="utf-8"))["features"]
    errors = tmp_path / "erreurs.csv"
    before = Business.objects.count()

    out, _ = _run(
        "import_geojson", str(RESTAURANTS), "--mapping", str(MAPPING), "--errors", str(errors)
    )

    created = Business.objects.count() - before
    written = _errors_file(errors)
    rejected, warned = len(written["rejected"]), len(written["warning"])
    assert created > 1 and rejected > 1 and warned > 1  # the plurals below are plurals
    assert _counts_line(out) == (
        f"restaurants-bouches-du-rhone-2012.geojson : {len(features)} lignes lues, "
        f"{created} fiches créées, 0 mise à jour, 0 inchangée, 0 fermée, "
        "0 fermée car absente du fichier, 0 rattachée à une fiche existante, "
        "0 hors de la région (non chargée), 0 ligne ignorée, "
        f"{rejected} lignes rejetées, "
        f"{warned} avertissements (fiches chargées sans une valeur)"
    )
    first = written["rejected"][0]
    assert f"\n  rejetée #{first['line']} [{first['field']}] {first['reason']}\n" in out
    warning = written["warning"][0]
    assert f"\n  avertissement #{warning['line']} [{warning['field']}] {warning['reason']}\n" in out
    assert (
        f"\n  {rejected} lignes rejetées et {warned} avertissements écrits dans {errors}\n" in out
    )
    # The map's derived clusters, refreshed after the import, said in French too.
    assert re.fullmatch(r"regroupements de la carte recalculés en \d+,\d s", out.splitlines()[-1])

    # The journal keeps the same French summary, and the admin shows it in French.
    run = ImportRun.objects.latest("started_at")
    assert run.message.splitlines()[0] == out.splitlines()[0]
    assert (run.status, run.get_status_display()) == ("succeeded", "terminé")
    client.force_login(make_user("donnees", is_staff=True, is_superuser=True))
    listing = client.get("/admin/imports/importrun/").content.decode()
    page = client.get(f"/admin/imports/importrun/{run.pk}/change/").content.decode()
    for label in ("Fichier", "Lues", "Créées", "Rejetées", "Hors de la région", "Commencé le"):
        assert f">{label}<" in listing or f"{label}</a>" in listing, label
    for label in ("Compte rendu", "Sha256 du fichier", "Taille (octets)", "Fini le", "État"):
        assert re.search(rf"<label>{re.escape(label)}(\s|&nbsp;)*:</label>", page), label
    for english in ("File name", "Outside region", "Started at", "Rejected", "rejected #"):
        assert english not in listing + page, english

    again, _ = _run("import_geojson", str(RESTAURANTS), "--mapping", str(MAPPING))
    assert _counts_line(again) == (
        f"restaurants-bouches-du-rhone-2012.geojson : {len(features)} lignes lues, "
        f"0 fiche créée, 0 mise à jour, {created} inchangées, 0 fermée, "
        "0 fermée car absente du fichier, 0 rattachée à une fiche existante, "
        "0 hors de la région (non chargée), 0 ligne ignorée, "
        f"{rejected} lignes rejetées, "
        f"{warned} avertissements (fiches chargées sans une valeur)"
    )


def test_one_of_each_is_singular_and_a_dry_run_says_so(tmp_path):
    """Three real restaurants, one of them without its name: « 1 ligne rejetée »."""
    features = json.loads(RESTAURANTS.read_text(encoding="utf-8"))["features"][:3]
    features[1]["properties"]["raisonsociale"] = ""
    path = _restaurants(tmp_path, features)
    before = Business.objects.count()

    out, _ = _run("import_geojson", str(path), "--mapping", str(MAPPING), "--dry-run")

    assert Business.objects.count() == before
    assert out.splitlines()[:2] == [
        "SIMULATION (rien n’est écrit) : quelques-restaurants.geojson : 3 lignes lues, "
        "2 fiches créées, 0 mise à jour, 0 inchangée, 0 fermée, "
        "0 fermée car absente du fichier, 0 rattachée à une fiche existante, "
        "0 hors de la région (non chargée), 0 ligne ignorée, 1 ligne rejetée, "
        "1 avertissement (fiche chargée sans une valeur)" + RATE.search(out).group(),
        "  rejetée #2 [name] nom manquant",
    ]
    assert ImportRun.objects.latest("started_at").get_status_display() == (
        "simulation (rien écrit)"
    )


def test_skipped_rows_are_told_in_french(tmp_path):
    """Real OSM features: a bakery of our categories (the session loaded it from the chains'
    GeoJSON: linked to that listing), a bench (not ours), a bakery outside the region."""
    chain = json.loads((DATA / "osm-chains" / "paul.geojson").read_text(encoding="utf-8"))
    features = chain["features"]
    inside, outside = (
        next(
            f
            for f in features
            if f["properties"].get("addr:postcode", "").startswith(department)
            and f["geometry"]["coordinates"] != [0, 0]
        )
        for department in ("13", "75")
    )
    bench = json.loads(json.dumps(inside))
    bench["properties"] = {"amenity": "bench", "name": "Banc du boulanger"}
    path = _restaurants(tmp_path, [inside, bench, outside], name="osm.geojson")

    out, _ = _run("import_osm", str(path), "--dry-run")

    assert RATE.sub("", out.splitlines()[0]) == (
        "SIMULATION (rien n’est écrit) : osm.geojson : 3 lignes lues, 1 fiche créée, "
        "0 mise à jour, 0 inchangée, 0 fermée, 0 fermée car absente du fichier, "
        "1 rattachée à une fiche existante, 1 hors de la région (non chargée), "
        "1 ligne ignorée, 0 ligne rejetée, 0 avertissement (fiche chargée sans une valeur)"
    )
    assert out.splitlines()[1] == "  1 ignorée : type d’objet OSM hors de nos catégories"


def _refused(args, monkeypatch=None) -> str:
    """The command fails in French, and writes nothing; its stderr."""
    before = Business.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(*args, "--no-progress", stderr=err, stdout=io.StringIO())
    assert str(refused.value) == "1 fichier illisible : rien n’en est importé"
    assert Business.objects.count() == before
    return err.getvalue()


def test_a_garbled_file_is_refused_in_french_with_nothing_written(tmp_path, monkeypatch):
    """The real file cut half-way, read as a stream (as a big file is): its first
    features are staged before the cut is found, and none of them is written."""
    text = RESTAURANTS.read_text(encoding="utf-8")
    path = tmp_path / "coupe.geojson"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    monkeypatch.setattr(json_stream, "STREAM_FROM", 0)

    err = _refused(["import_geojson", str(path), "--mapping", str(MAPPING)])

    why = f"{path} : JSON invalide (fichier tronqué ou mal formé)"
    assert err == f"rien n’est importé de {path} : {why}\n"
    run = ImportRun.objects.latest("started_at")
    assert (run.file_name, run.status) == (str(path), "failed")
    assert run.read > 100  # it was under way
    assert run.message == f"fichier refusé, rien n’est écrit : {why}"

    # Read whole (a small file): where the JSON stops.
    monkeypatch.setattr(json_stream, "STREAM_FROM", 16 << 20)
    err = _refused(["import_geojson", str(path), "--mapping", str(MAPPING)])
    lines = text[: len(text) // 2].count("\n") + 1
    assert re.fullmatch(
        rf"rien n’est importé de {re.escape(str(path))} : {re.escape(str(path))} : JSON invalide"
        rf" à la ligne {lines}, colonne \d+ \(fichier tronqué ou mal formé\)\n",
        err,
    ), err


def test_a_file_not_in_utf8_is_refused_in_french(tmp_path):
    path = tmp_path / "latin1.geojson"
    text = RESTAURANTS.read_text(encoding="utf-8")
    path.write_bytes(text.encode("latin-1", "replace"))
    first = next(i for i, byte in enumerate(path.read_bytes()) if byte > 0x7F)

    err = _refused(["import_geojson", str(path), "--mapping", str(MAPPING)])

    assert err == f"rien n’est importé de {path} : {path} : pas du texte UTF-8 (octet {first})\n"


def test_a_missing_required_column_is_refused_in_french(tmp_path):
    """The real postcode list is no SIRENE file, nor has it the column a mapping names."""
    postcodes = DATA / "codes-postaux-paca.csv"
    header = "code_commune_insee, nom_commune, code_postal, libelle_acheminement"

    err = _refused(["import_sirene", str(postcodes)])

    assert err == (
        f"rien n’est importé de {postcodes} : {postcodes} : pas un fichier d’établissements"
        " SIRENE, 4 colonnes obligatoires absentes : « siret »,"
        " « activitePrincipaleEtablissement », « etatAdministratifEtablissement »,"
        f" « codeCommuneEtablissement » (en-tête : {header})\n"
    )
    mapping = tmp_path / "correspondance.yaml"
    mapping.write_text("columns:\n  id: code_commune_insee\n  name: enseigne\n")
    err = _refused(["import_csv", str(postcodes), "--mapping", str(mapping)])
    assert err == (
        f"rien n’est importé de {postcodes} : {postcodes} : pas un fichier conforme à sa"
        f" correspondance, 1 colonne obligatoire absente : « enseigne » (en-tête : {header})\n"
    )


def test_two_refused_files_and_a_broken_mapping(tmp_path):
    mapping = tmp_path / "correspondance.yaml"
    mapping.write_text("columns:\n  id: ref\n  name: [nom\n")
    missing = tmp_path / "absent.csv"
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_csv",
            str(missing),
            str(DATA / "codes-postaux-paca.csv"),
            "--mapping",
            str(mapping),
            "--no-progress",
            stderr=err,
        )
    assert str(refused.value) == "2 fichiers illisibles : rien n’en est importé"
    assert err.getvalue().splitlines() == [
        f"rien n’est importé de {path} : {mapping} : fichier de correspondance invalide"
        " (erreur de syntaxe à la ligne 4, colonne 1)"
        for path in (missing, DATA / "codes-postaux-paca.csv")
    ]
