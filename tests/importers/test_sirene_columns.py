"""The column lane (pyarrow) stages exactly what the row lane (csv module) stages.

The row reader is the reference for every SIRENE rule; the column lane is the fast one
the big files take. Both stage the same file here and the staging tables are compared
row for row, column for column (all but ``raw``, which the column lane reads back for
rejected rows only), with the tallies the pipeline keeps.
"""

import numpy as np
import pyarrow as pa
import pytest
from django.db import connection, transaction
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from importers.errors import ImportReport
from importers.pipeline import LOCATE_IN_MEMORY_FROM, STAGING_COLUMNS, Pipeline, columnar
from importers.sirene import SIRENE_FIELDS, SireneReader, import_sirene
from importers.sirene_columns import SireneColumns

from . import sirene_rows as sr

pytestmark = pytest.mark.django_db

REPUBLIQUE = (5.36760, 43.30030)
MIRABEAU = (5.44740, 43.52630)
NICE = (7.27000, 43.69740)
COMPARED = [name for name, _ in STAGING_COLUMNS if name != "raw"]


def edge_rows():
    """Every branch of SireneReader.records, and values the two parsers could read apart."""
    la_poste = "35600000000001"  # La Poste: digit sum a multiple of 5, no Luhn key
    rows = [
        sr.row(1, name="BOULANGERIE DU VIEUX PORT", lonlat=REPUBLIQUE),
        sr.row(2, name="LE BISTROT", naf="56.10A", commune="13001", geo=MIRABEAU),
        sr.row(3, name="BANQUE", naf="64.19Z", lonlat=REPUBLIQUE),  # not ours
        sr.row(4, name='  FLEURS, "CHEZ ÉLODIE"  ', naf=" 47.76z ", geo=NICE, commune="06088"),
        sr.row(5, name="[ND]", denominationUsuelleEtablissement="DENOMINATION", lonlat=REPUBLIQUE),
        sr.row(6, name="", denominationUsuelleEtablissement="[ND]", lonlat=REPUBLIQUE),
        sr.row(7, name="   ", lonlat=REPUBLIQUE),
        sr.row(8, name="SIRET FAUX", siret="12345678901234", lonlat=REPUBLIQUE),
        sr.row(9, name="SIRET COURT", siret="1234", lonlat=REPUBLIQUE),
        sr.row(10, name="LA POSTE", siret=la_poste, naf="47.11B", lonlat=REPUBLIQUE),
        sr.row(11, name="LA POSTE FAUSSE", siret=la_poste[:-1] + "2", lonlat=REPUBLIQUE),
        sr.row(12, name="INCONNUE", commune="13999", lonlat=REPUBLIQUE),
        sr.row(13, name="PARIS", commune="75056", postcode="75001"),
        sr.row(14, name="ARRONDISSEMENT", commune="13206", postcode="13006", lonlat=REPUBLIQUE),
        sr.row(15, name="FERMEE", etat="F", lonlat=REPUBLIQUE),
        sr.row(16, name="CACHEE", diffusion="P", street=("[ND]", "[ND]", "[ND]")),
        sr.row(17, name="SANS POSITION", street=("5 ", " bis", "RUE")),
        sr.row(18, name="TEXTE", longitude="abc", latitude="43.3"),
        sr.row(19, name="SCORE", geo=MIRABEAU, geo_score="haut"),
        sr.row(20, name="SCORE ND", geo=MIRABEAU, geo_score="[ND]", geo_type="inconnu"),
        sr.row(21, name="NAN", longitude="nan", latitude="43.3"),
        sr.row(22, name="ZERO", longitude="0", latitude="0.0"),
        sr.row(23, name="SOULIGNE", longitude="5_367", latitude="43.3"),
        sr.row(24, name="LAMBERT TEXTE", coordonneeLambertAbscisseEtablissement="x"),
        sr.row(25, name="LAMBERT ND", longitude="[ND]", latitude="43.3", lonlat=MIRABEAU),
        sr.row(26, name="LONG " + "É" * 300, street=("1", "AV", "X" * 300), lonlat=NICE),
        sr.row(27, name="CP", postcode="1300", lonlat=REPUBLIQUE),
        sr.row(28, name="CP LETTRES", postcode="13OO2", lonlat=REPUBLIQUE),
        sr.row(29, name="TYPE INCONNU", street=("3", "XYZ", "DU PORT"), geo=(5.45, 42.95)),
        sr.row(30, name="INVERSEE", geo=(REPUBLIQUE[1], REPUBLIQUE[0])),
        sr.row(31, name="AILLEURS", geo=(0.586, 43.646), postcode="13002"),
        sr.row(1, name="DOUBLON DE LA LIGNE 2", lonlat=REPUBLIQUE),
        sr.row(32, name="INDICE", street=("7", "[nd]", "RUE"), indiceRepetitionEtablissement="B"),
    ]
    return rows


def staged(path, lane: str, size: int):
    """(staging rows by line, tallies) of one lane, in a transaction rolled back."""
    report = ImportReport(file_name=path.name)
    pipeline = Pipeline("sirene", SIRENE_FIELDS, report, path)
    reader = SireneReader(path)
    columns = SireneColumns(reader).batches if lane == "columns" else None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            pipeline.stage(cursor, reader.records(), False, None, size, columns)
            cursor.execute(f"SELECT {', '.join(COMPARED)} FROM import_staging ORDER BY line")
            rows = cursor.fetchall()
            transaction.set_rollback(True)
    finally:
        reader.close()
    tallies = (
        report.read,
        report.outside_region,
        dict(report.skipped),
        pipeline.closed_rows,
        pipeline.hidden_rows,
        pipeline.siret_not_id,
        pipeline.to_locate,
        pipeline.raw_from_file,
    )
    return rows, tallies


@pytest.mark.parametrize("size", [0, LOCATE_IN_MEMORY_FROM], ids=["in SQL", "in memory"])
def test_both_lanes_stage_the_same_rows(tmp_path, size):
    path = sr.write(tmp_path / "edges.csv", edge_rows(), geo=True)
    by_rows, row_tallies = staged(path, "rows", size)
    by_columns, column_tallies = staged(path, "columns", size)
    assert len(by_rows) == len(edge_rows()) - 2  # the bank and Paris: counted, not staged
    for expected, got in zip(by_rows, by_columns, strict=True):
        assert dict(zip(COMPARED, got, strict=True)) == dict(zip(COMPARED, expected, strict=True))
    assert column_tallies[:-1] == row_tallies[:-1]
    assert (row_tallies[-1], column_tallies[-1]) == (False, True)
    reasons = {row[0]: row[COMPARED.index("reject_reason")] for row in by_columns}
    assert "Luhn" in reasons[9] and "14 chiffres" in reasons[10] and reasons[11] is None
    assert "La Poste" in reasons[12]
    assert "13999" in reasons[13] and "non numériques" in reasons[19]
    assert reasons[8] == "nom manquant" and reasons[24] is None  # 1_000: Python's float
    assert "non numériques" in reasons[20]
    assert reasons[22] == "coordonnées non finies (infini ou NaN)"


def test_files_the_csv_module_reads_differently_take_the_row_lane(tmp_path):
    rows = [sr.row(i, name=f"BOULANGERIE {i}", lonlat=REPUBLIQUE) for i in range(1, 6)]
    path = sr.write(tmp_path / "quoted.csv", rows)
    text = path.read_text()
    # A line break inside a quoted name: one record on two lines for the csv module.
    path.write_text(text.replace("BOULANGERIE 3", '"BOULANGERIE\n3"', 1), encoding="utf-8")
    report = import_sirene(path)
    assert report.created == 5 and report.rejected_count == 0
    assert any("ligne à ligne" in note for note in report.notes)
    # An empty line: skipped by the csv module, line numbers still count it.
    rows = [sr.row(i, name=f"BOULANGERIE {i}", lonlat=REPUBLIQUE) for i in range(6, 11)]
    path = sr.write(tmp_path / "blank.csv", rows)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:3], "\r\n", *lines[3:]]), encoding="utf-8")
    report = import_sirene(path, dry_run=True)
    assert (report.read, report.created) == (5, 5), report.summary()
    assert any("ligne à ligne" in note for note in report.notes)


def test_rejections_of_the_column_lane_carry_their_raw_line(tmp_path):
    rows = [sr.row(i, name=f"BOULANGERIE {i}", lonlat=REPUBLIQUE) for i in range(1, 4)]
    rows.append(sr.row(4, name="SIRET FAUX", siret="12345678901234", lonlat=REPUBLIQUE))
    rows.append(sr.row(5, name="", lonlat=REPUBLIQUE))
    path = sr.write(tmp_path / "raw.csv", rows)
    report = import_sirene(path, dry_run=True)
    assert not report.notes  # the column lane
    lines = path.read_text().splitlines()
    assert [(r.line, r.field, r.raw) for r in report.rejected] == [
        (5, "siret", lines[4]),
        (6, "name", lines[5]),
    ]
    assert columnar.lines_of(path, [2, 6], 20) == {2: lines[1][:20], 6: lines[5][:20]}


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.text(
            st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=40
        ),
        min_size=1,
    ),
    ending=st.sampled_from(["\n", "\r\n"]),
    last_break=st.booleans(),
    chunk=st.sampled_from([1, 7, 64, 1 << 20]),
    data=st.data(),
)
def test_lines_of_reads_any_line_back_whatever_the_block_size(
    tmp_path_factory, lines, ending, last_break, chunk, data
):
    assume(last_break or lines[-1])  # else the last "line" is not in the file
    path = tmp_path_factory.mktemp("lines") / "file.csv"
    path.write_bytes((ending.join(lines) + (ending if last_break else "")).encode())
    numbers = data.draw(st.lists(st.integers(1, len(lines)), unique=True))
    assert columnar.lines_of(path, numbers, 1000, chunk) == {n: lines[n - 1] for n in numbers}


def test_the_column_lane_still_rejects_a_repeated_siret(tmp_path):
    rows = [sr.row(i, name=f"BOULANGERIE {i}", lonlat=REPUBLIQUE) for i in range(1, 4)]
    rows.append(sr.row(2, name="BOULANGERIE 2 BIS", lonlat=REPUBLIQUE))
    report = import_sirene(sr.write(tmp_path / "twice.csv", rows), dry_run=True)
    assert not report.notes and report.created == 3
    assert [(r.line, r.field) for r in report.rejected] == [(5, "siret")]
    assert "doublon de la ligne 3" in report.rejected[0].reason


def test_all_different_is_only_true_when_surely_so():
    ids = [np.array([1, 2]), np.array([3])]
    assert columnar.all_different(ids)
    assert not columnar.all_different([*ids, np.array([2])])
    assert not columnar.all_different([*ids, None])  # an identifier that is not a number
    numbers = columnar._numbers(pa.array(["0012", "12", ""]))  # "0012" and "12" differ...
    assert not columnar.all_different([numbers])  # ...but the SQL pass decides
