import csv
import random

import pytest
from django.contrib.gis.geos import Point

from geo_directory.businesses.models import Business, Category
from geo_directory.import_runs.models import ImportRun
from importers.errors import SourceError
from importers.pipeline import GEOCODE_NOTE
from importers.sirene import import_sirene

from . import sirene_rows as sr

pytestmark = pytest.mark.django_db

REPUBLIQUE = (5.36760, 43.30030)  # rue de la République, Marseille 2e
MIRABEAU = (5.44740, 43.52630)  # cours Mirabeau, Aix-en-Provence
MASSENA = (7.27000, 43.69740)  # place Masséna, Nice
AVIGNON = (4.80590, 43.94700)  # rue de la République, Avignon


def sirene(n):
    return Business.objects.get(source="sirene", external_id=sr.make_siret(n))


def base_rows():
    return [
        sr.row(1, name="BOULANGERIE DU VIEUX PORT", lonlat=REPUBLIQUE),
        sr.row(
            2,
            name="LE BISTROT DU COURS",
            naf="56.10A",
            commune="13001",
            postcode="13100",
            street=("10", "CRS", "MIRABEAU"),
            geo=MIRABEAU,
        ),
        sr.row(3, name="BANQUE DU MIDI", naf="64.19Z", lonlat=REPUBLIQUE),  # not ours
        sr.row(
            4,
            name="FLEURS MASSENA",
            naf="47.76Z",
            commune="06088",
            postcode="06000",
            street=("2", "PL", "MASSENA"),
            lonlat=MASSENA,
            etat="F",
        ),  # closed, unlisted
        sr.row(
            5,
            name="",
            naf="96.02A",
            commune="84007",
            postcode="84000",
            diffusion="P",
            denominationUsuelleEtablissement="COIFFURE ELISE",
            lonlat=AVIGNON,
            libelleVoieEtablissement="[ND]",
            numeroVoieEtablissement="[ND]",
        ),
        sr.row(
            6,
            name="LIBRAIRIE SANS POSITION",
            naf="47.61Z",
            commune="13201",
            postcode="13001",
            street=("5", "RUE", "DES RECOLETTES"),
        ),  # no coordinates
        sr.row(7, name="SIRET FAUX", siret="12345678901234", lonlat=REPUBLIQUE),
        sr.row(8, name="COMMUNE INCONNUE", commune="13999", lonlat=REPUBLIQUE),
        sr.row(9, name="BOULANGERIE DE PARIS", commune="75056", postcode="75001"),
        sr.row(10, name="", lonlat=REPUBLIQUE),  # no name at all
        sr.row(11, name="EN MER", geo=(5.45, 42.95)),
        sr.row(12, name="INVERSEE", geo=(MIRABEAU[1], MIRABEAU[0]), commune="13001"),
        sr.row(
            13,
            name="CAVE DU GERS",
            naf="47.25Z",
            commune="13055",
            postcode="13002",
            geo=(0.586, 43.646),
        ),  # Auch: coordinates far from the Marseille address
    ]


@pytest.fixture
def loaded(tmp_path):
    path = sr.write(tmp_path / "StockEtablissement_utf8.csv", base_rows(), geo=True)
    return path, import_sirene(path)


def test_official_rows_are_loaded_skipped_or_rejected_precisely(loaded):
    path, report = loaded
    assert report.read == 13
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert report.skipped == {
        "activité (NAF) hors de nos catégories": 1,
        "fermé dans la source et absent de l’annuaire": 1,
    }
    assert report.outside_region == 1  # Paris, by its commune code
    reasons = {(r.line, r.field): r.reason for r in report.rejected}
    assert sorted(reasons) == [
        (8, "siret"),
        (9, "codeCommuneEtablissement"),
        (11, "name"),
        (12, "coordonnees"),
        (13, "coordonnees"),
        (14, "coordonnees"),
    ]
    assert "Luhn" in reasons[(8, "siret")]
    assert "13999" in reasons[(9, "codeCommuneEtablissement")]
    assert "hors de la région" in reasons[(12, "coordonnees")]
    assert "inversées" in reasons[(13, "coordonnees")]
    assert "13002" in reasons[(14, "coordonnees")]

    bakery = sirene(1)
    assert (bakery.name, bakery.commune_id, bakery.status) == (
        "BOULANGERIE DU VIEUX PORT",
        "13055",
        "published",
    )
    assert bakery.street == "12 Rue DE LA REPUBLIQUE"
    assert bakery.category.slug == "boulangerie" and bakery.siret == sr.make_siret(1)
    # Lambert-93 reprojected back to within a few centimetres of the original point.
    assert bakery.location.distance(Point(*REPUBLIQUE, srid=4326)) < 1e-6
    bistrot = sirene(2)
    assert (bistrot.commune_id, bistrot.geocode_precision, bistrot.geocode_score) == (
        "13001",
        "housenumber",
        0.93,
    )
    hidden = sirene(5)
    assert (hidden.name, hidden.street, hidden.postcode) == ("COIFFURE ELISE", "", "")
    assert hidden.location.equals_exact(hidden.commune.centre, 1e-9)
    pending = sirene(6)
    assert (pending.status, pending.geocode_precision, pending.location) == ("pending", "", None)
    assert pending.commune_id == "13055" and pending.moderation_note == GEOCODE_NOTE
    run = ImportRun.objects.get(file_sha256=report.sha256, status="succeeded")
    assert (run.source, run.created, run.rejected, run.skipped) == ("sirene", 4, 6, 2)


def test_reimport_is_idempotent_then_changes_and_closures_are_applied(loaded, tmp_path):
    path, _ = loaded
    again = import_sirene(path)
    assert (again.created, again.updated, again.closed, again.unchanged) == (0, 0, 0, 4)

    bakery = sirene(1)
    bakery.name = "Boulangerie du Vieux-Port (nom choisi par le commerçant)"
    bakery.owned_fields = ["name"]
    bakery.save()
    rows = base_rows()
    rows[0]["enseigne1Etablissement"] = "BVP"  # owned by the merchant: kept
    rows[0]["libelleVoieEtablissement"] = "DE LA REPUBLIQUE PROLONGEE"  # applied
    rows[1]["etatAdministratifEtablissement"] = "F"  # the bistrot closed
    changed = sr.write(tmp_path / "v2.csv", rows, geo=True)
    report = import_sirene(changed)
    assert (report.created, report.updated, report.closed, report.unchanged) == (0, 1, 1, 2)
    bakery.refresh_from_db()
    assert bakery.name.startswith("Boulangerie du Vieux-Port")
    assert bakery.street == "12 Rue DE LA REPUBLIQUE PROLONGEE"
    assert sirene(2).status == "closed"
    assert import_sirene(changed).updated == 0


def test_a_pending_listing_is_published_once_the_source_places_it(loaded, tmp_path):
    rows = base_rows()
    rows[5].update(
        longitude="5.377000", latitude="43.299000", geo_type="housenumber", geo_score="0.88"
    )
    report = import_sirene(sr.write(tmp_path / "v2.csv", rows, geo=True))
    assert report.updated == 1
    librairie = sirene(6)
    assert (librairie.status, librairie.moderation_note) == ("published", "")
    assert (librairie.geocode_precision, librairie.commune_id) == ("housenumber", "13055")


def test_full_refresh_closes_vanished_listings(loaded, tmp_path):
    rows = [r for r in base_rows() if r["siret"] != sr.make_siret(2)]
    report = import_sirene(sr.write(tmp_path / "v2.csv", rows, geo=True), full_refresh=True)
    assert report.vanished == 1 and sirene(2).status == "closed"
    assert sirene(1).status == "published"


def test_dry_run_counts_and_writes_nothing(tmp_path):
    before = Business.objects.count()
    path = sr.write(tmp_path / "dry.csv", base_rows(), geo=True)
    report = import_sirene(path, dry_run=True)
    assert report.created == 4 and report.rejected_count == 6
    assert Business.objects.count() == before
    assert ImportRun.objects.get(file_sha256=report.sha256).status == "dry_run"
    import_sirene(path)
    rows = base_rows()
    rows[0]["enseigne1Etablissement"] = "BOULANGERIE DU PORT"
    report = import_sirene(sr.write(tmp_path / "dry2.csv", rows, geo=True), dry_run=True)
    assert report.updated == 1
    assert report.diffs == [
        {
            "external_id": sr.make_siret(1),
            "changes": {"name": ("BOULANGERIE DU VIEUX PORT", "BOULANGERIE DU PORT")},
        }
    ]
    assert sirene(1).name == "BOULANGERIE DU VIEUX PORT"


def test_errors_file_lists_line_field_reason_raw(loaded, tmp_path):
    path, _ = loaded
    errors = tmp_path / "errors.csv"
    import_sirene(path, errors_path=errors)
    with errors.open(newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["line", "field", "reason", "raw", "kind"]
    assert {line[4] for line in lines[1:]} == {"rejected"}
    firsts = [(line, field) for line, field, *_ in lines[1:3]]
    assert firsts == [("8", "siret"), ("9", "codeCommuneEtablissement")]
    assert "12345678901234" in lines[1][3]


def test_latin1_and_shuffled_columns(tmp_path):
    rows = [
        sr.row(
            20,
            name="PÂTISSERIE ÉLODIE",
            lonlat=MIRABEAU,
            commune="13001",
            postcode="13100",
            street=("3", "RUE", "D'ITALIE"),
        )
    ]
    columns = list(sr.COLUMNS)
    random.Random(6).shuffle(columns)
    path = sr.write(tmp_path / "latin1.csv", rows, encoding="latin-1", columns=columns)
    report = import_sirene(path)
    assert report.created == 1, report.summary()
    assert sirene(20).name == "PÂTISSERIE ÉLODIE"


def test_bad_encoding_late_in_a_utf8_file_rejects_that_row_only(tmp_path):
    rows = [sr.row(100 + i, name=f"BOULANGERIE Nº{i} ÉTÉ", lonlat=REPUBLIQUE) for i in range(1000)]
    path = sr.write(tmp_path / "mixed.csv", rows)
    # A Latin-1 "ÉTÉ" in row 900, well past the 64 KiB used to detect the encoding.
    data = path.read_bytes().replace("Nº900 ÉTÉ".encode(), "Nº900 ".encode() + b"\xc9T\xc9")
    path.write_bytes(data)
    report = import_sirene(path)
    assert report.created == 999
    assert [(r.line, r.field) for r in report.rejected] == [(902, "enseigne1Etablissement")]
    assert "encodage incorrect" in report.rejected[0].reason and "0xC9" in report.rejected[0].reason


def test_huge_fields_and_truncated_last_line(tmp_path):
    rows = [
        sr.row(30, name="B" * 300_000, lonlat=REPUBLIQUE),
        sr.row(31, name="BOULANGERIE COUPEE", lonlat=REPUBLIQUE),
    ]
    path = sr.write(tmp_path / "huge.csv", rows)
    path.write_bytes(path.read_bytes()[:-120])  # the file ends in the middle of a row
    report = import_sirene(path)
    assert report.created == 1
    assert len(sirene(30).name) == 200
    assert [(r.line, r.field) for r in report.rejected] == [(3, "row")]
    assert "tronquée" in report.rejected[0].reason


def test_not_a_sirene_file_is_a_source_error(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,city\nfoo,bar\n")
    with pytest.raises(SourceError, match="colonnes obligatoires absentes"):
        import_sirene(path)
    with pytest.raises(SourceError, match="fichier introuvable"):
        import_sirene(tmp_path / "missing.csv")


def test_duplicates_across_sources_are_linked_not_listed_twice(tmp_path):
    paul = Business.objects.filter(
        source="geojson", name__iexact="paul", commune_id="13055"
    ).first()
    merchant = Business.objects.create(
        name="Le Fournil de Léa",
        category=Category.objects.get(slug="boulangerie"),
        siret=sr.make_siret(41),
        location=Point(5.3900, 43.2900, srid=4326),
        status="published",
        source="merchant",
    )
    near = paul.location.transform(2154, clone=True)
    near.x += 20
    near.transform(4326)
    rows = [
        sr.row(40, name="PAUL", geo=(near.x, near.y), postcode=paul.postcode or "13001"),
        sr.row(41, name="SARL FOURNIL", geo=(5.40, 43.30)),  # same SIRET as the merchant
        sr.row(
            42, name="BOULANGERIE VOISINE", geo=(near.x, near.y), postcode=paul.postcode or "13001"
        ),  # near, but another name
    ]
    report = import_sirene(sr.write(tmp_path / "dup.csv", rows, geo=True))
    assert (report.created, report.merged) == (3, 2)
    assert sirene(40).merged_into_id == paul.id
    linked = sirene(41)
    assert linked.merged_into_id == merchant.id and linked.siret is None
    assert sirene(42).merged_into_id is None
    published = Business.objects.published()
    assert not published.filter(id__in=[sirene(40).id, linked.id]).exists()
    assert published.filter(id=sirene(42).id).exists()
