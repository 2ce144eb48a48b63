import signal
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from geo_directory.businesses.models import Business
from geo_directory.import_runs.models import ImportRun
from importers import pipeline, sirene_columns
from importers.csv_mapped import import_csv, load_mapping
from importers.errors import SourceError
from importers.pipeline import columnar, staging
from importers.sirene import import_sirene

from . import sirene_rows as sr
from .import_child import dsn, start_import, wait_until_copying

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)

MAPPING = """\
columns:
  id: N° adhérent
  name: Raison sociale
  category: Activité
  siret: SIRET
  street: Adresse
  postcode: CP
  commune: Code INSEE
  lon: Longitude
  lat: Latitude
  opening_hours: Horaires
categories:
  Boulangerie artisanale: boulangerie
delimiter: ";"
decimal_comma: true
"""
HEADER = (
    "Latitude;Activité;N° adhérent;Raison sociale;SIRET;Adresse;CP;Code INSEE;Longitude;Horaires"
)


def partner_file(path: Path, lines: list[str], encoding="latin-1") -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding=encoding)
    return path


def test_partner_csv_with_mapping(tmp_path):
    mapping = tmp_path / "cci84.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    siret = sr.make_siret(700)
    path = partner_file(
        tmp_path / "adherents.csv",
        [
            f"43,9470;Boulangerie artisanale;1;Boulangerie Pâtisserie Saint-Agricol;{siret};"
            "12 rue Saint-Agricol;84000;84007;4,8059;Mo-Sa 07:00-19:00",
            ";47.61Z;2;Librairie des Carmes;;3 place des Carmes;84000;84007;;",  # no point
            "43,9471;shop=florist;3;Fleurs d'Avignon;12345678901234;;84000;84007;4,8060;",
            "43,9472;56.10A;4;Chez Mireille;;;84000;84999;4,8061;",
            "43,9473;56.10A;5;;;;84000;84007;4,8062;",
            "43,9474;56.10A;6;Le Temps Perdu;;;84000;84007;4,8063;tous les jours",
            "4,8064;56.10A;7;Inversé;;;84000;84007;43,9475;",
            "43,9476;Banque;8;Crédit Provençal;;;84000;84007;4,8065;",
        ],
    )
    report = import_csv(path, mapping)
    assert (report.created, report.rejected_count) == (4, 4), report.summary()
    reasons = {(r.line, r.field): r.reason for r in report.rejected}
    assert sorted(reasons) == [
        (5, "Code INSEE"),
        (6, "name"),
        (8, "coordinates"),
        (9, "category"),
    ]
    # Optional values never reject a row (issue #18): kept without them, with a warning.
    warnings = {(w.line, w.field): w for w in report.warnings}
    assert sorted(warnings) == [(4, "SIRET"), (7, "Horaires")]
    assert warnings[(7, "Horaires")].value == "tous les jours"
    assert "Failed" not in warnings[(7, "Horaires")].reason
    florist = Business.objects.get(source="csv", external_id="cci84:3")
    assert florist.siret is None
    vague = Business.objects.get(source="csv", external_id="cci84:6")
    assert (vague.opening_hours, vague.opening_hours_text) == ("", "tous les jours")
    assert "inversées" in reasons[(8, "coordinates")]
    assert "« Banque »" in reasons[(9, "category")]
    bakery = Business.objects.get(source="csv", external_id="cci84:1")
    assert (bakery.name, bakery.category.slug, bakery.siret, bakery.commune_id) == (
        "Boulangerie Pâtisserie Saint-Agricol",
        "boulangerie",
        siret,
        "84007",
    )
    pending = Business.objects.get(source="csv", external_id="cci84:2")
    assert (pending.status, pending.location, pending.category.slug) == (
        "pending",
        None,
        "librairie",
    )
    again = import_csv(path, mapping)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_mapping_errors_are_source_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  name: Nom\n")
    with pytest.raises(SourceError, match="colonne « id »"):
        load_mapping(bad)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  id: Code\n  name: Nom absent\n")
    path = partner_file(tmp_path / "a.csv", [])
    with pytest.raises(SourceError, match="« Nom absent »"):
        import_csv(path, mapping)


def test_commands_dry_run_errors_file_and_exit_status(tmp_path, capsys):
    mapping = tmp_path / "cci84.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    path = partner_file(
        tmp_path / "a.csv",
        [
            "43,9470;Boulangerie artisanale;1;Au Bon Pain;;;84000;84007;4,8059;",
            "43,9470;Boulangerie artisanale;2;;;;84000;84007;4,8059;",
        ],
    )
    errors = tmp_path / "errors.csv"
    before = Business.objects.count()
    call_command(
        "import_csv",
        str(path),
        "--mapping",
        str(mapping),
        "--dry-run",
        "--errors",
        str(errors),
        "--no-progress",
    )
    out = capsys.readouterr().out
    assert "SIMULATION" in out and "1 fiche créée" in out and "1 ligne rejetée" in out
    assert Business.objects.count() == before
    assert errors.read_text(encoding="utf-8").splitlines()[1].startswith("3,name,nom manquant,")
    with pytest.raises(CommandError, match="1 fichier illisible"):
        call_command("import_sirene", str(tmp_path / "absent.csv"), "--no-progress")


def _many_rows(n, start=10_000):
    republique = (5.3676, 43.3003)
    return [sr.row(start + i, name=f"BOULANGERIE {i}", lonlat=republique) for i in range(n)]


def test_an_exception_late_in_the_file_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    """Row lane (a Latin-1 file is read row by row)."""
    rows = [
        sr.row(10_000 + i, name=f"BOULANGERIE ÉTÉ {i}", lonlat=(5.3676, 43.3003))
        for i in range(5000)
    ]
    path = sr.write(tmp_path / "late.csv", rows, encoding="latin-1")
    before = Business.objects.count()
    check = staging.check_record

    def failing(record, *args):
        if record.line == 4800:  # after thousands of good rows already COPied
            raise RuntimeError("injected failure at line 4800")
        return check(record, *args)

    monkeypatch.setattr(staging, "check_record", failing)
    with pytest.raises(RuntimeError, match="line 4800"):
        import_sirene(path)
    assert Business.objects.count() == before
    run = ImportRun.objects.filter(file_name=str(path)).get()
    assert run.status == "failed" and "line 4800" in run.message


def test_an_exception_in_a_late_batch_of_the_column_lane_leaves_the_database_as_it_was(
    tmp_path, monkeypatch
):
    path = sr.write(tmp_path / "late.csv", _many_rows(5000))
    before = Business.objects.count()
    monkeypatch.setattr(sirene_columns, "CHUNK_BYTES", 1 << 16)  # chunks of ~300 rows
    finish = columnar.finish_batch
    batches = []

    def failing(batch, *args):
        batches.append(batch.read)
        if 4800 in batch.table["line"].to_pylist():  # earlier batches already COPied
            raise RuntimeError("injected failure at line 4800")
        return finish(batch, *args)

    monkeypatch.setattr(columnar, "finish_batch", failing)
    with pytest.raises(RuntimeError, match="line 4800"):
        import_sirene(path)
    assert len(batches) > 10
    assert Business.objects.count() == before
    run = ImportRun.objects.filter(file_name=str(path)).get()
    assert run.status == "failed" and "line 4800" in run.message


def test_a_failure_after_the_upsert_rolls_everything_back(tmp_path, monkeypatch):
    path = sr.write(tmp_path / "late.csv", _many_rows(300))

    def boom(self, cursor, full_refresh):
        raise RuntimeError("disk full while linking duplicates")

    original = pipeline.Pipeline.collect_rejections
    monkeypatch.setattr(pipeline.Pipeline, "collect_rejections", boom)
    before = Business.objects.count()
    with pytest.raises(RuntimeError):
        import_sirene(path)
    assert Business.objects.count() == before
    monkeypatch.setattr(pipeline.Pipeline, "collect_rejections", original)
    assert import_sirene(path).created == 300


def test_a_process_killed_mid_import_changes_nothing(tmp_path):
    """SIGKILL during the import: nothing of it is in the database (no half import)."""
    path = sr.write(tmp_path / "big.csv", _many_rows(60_000, start=200_000))
    child = start_import(path)
    with psycopg.connect(**dsn(), autocommit=True) as probe:
        copying = wait_until_copying(child, probe)
        time.sleep(0.5)
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
        time.sleep(0.5)  # the server notices the dead client and rolls back
        sample = [sr.make_siret(200_000 + i) for i in range(0, 60_000, 997)]
        count = probe.execute(
            "SELECT count(*) FROM businesses_business WHERE source = 'sirene'"
            " AND external_id = ANY(%s)",
            [sample],
        ).fetchone()[0]
        status = probe.execute(
            "SELECT status FROM imports_importrun WHERE file_name = %s", [str(path)]
        ).fetchone()
    assert copying, "the import finished or failed before it could be killed mid-way"
    assert count == 0
    assert status == ("running",)  # recorded as started, never finished


def test_rows_without_coordinates_are_geocoded_in_batch(tmp_path, fake_ban):
    from importers.geocode import geocode_pending, waiting

    known = sr.row(
        900,
        name="LIBRAIRIE A GEOCODER",
        naf="47.61Z",
        postcode="13001",
        street=("2", "", "LA CANEBIERE"),
    )
    unknown = sr.row(
        901,
        name="LIBRAIRIE INTROUVABLE",
        naf="47.61Z",
        postcode="13001",
        street=("7", "IMPASSE", "DES SANTONS PERDUS"),
    )
    import_sirene(sr.write(tmp_path / "nopoint.csv", [known, unknown]))
    assert waiting("sirene").count() == 2

    report = geocode_pending("sirene")
    # The real door of 2 La Canebière (from the local address API): placed and published.
    placed = Business.objects.get(siret=known["siret"])
    assert placed.status == Business.Status.PUBLISHED
    assert (round(placed.location.x, 4), round(placed.location.y, 4)) == (5.3776, 43.2966)
    assert placed.commune_id == "13055"
    # An address the API does not know: not placed silently, sent to the review queue.
    doubtful = Business.objects.get(siret=unknown["siret"])
    assert doubtful.status == Business.Status.PENDING
    assert doubtful.review_items.exists()
    assert (report.placed, report.flagged, report.waiting) == (1, 1, 0)


def test_import_runs_are_visible_in_the_admin(tmp_path, admin_client, admin_user):
    path = sr.write(tmp_path / "admin.csv", _many_rows(3, start=950))
    call_command("import_sirene", str(path), "--no-progress", "--user", admin_user.username)
    report = import_sirene(path)
    assert report.unchanged == 3
    recorded = ImportRun.objects.filter(file_sha256=report.sha256).order_by("started_at")
    assert [(r.user_id, r.created) for r in recorded] == [(admin_user.pk, 3), (None, 0)]
    page = admin_client.get("/admin/imports/importrun/")
    assert page.status_code == 200
    assert "admin.csv" in page.content.decode() and report.sha256
    run = recorded.first()
    detail = admin_client.get(f"/admin/imports/importrun/{run.pk}/change/")
    assert detail.status_code == 200 and report.sha256 in detail.content.decode()
