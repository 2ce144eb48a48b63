"""SIRENE read with pyarrow, column by column: ``SireneReader.records``' rules, vectorised.

pyarrow's C++ reader parses the file in blocks on every core; each rule of the row
reader becomes one operation on a batch of about 50,000 rows (see ``importers.pipeline.columnar``
for why, and for what the pipeline does with the batches). The rare rows that need a
message (an invalid SIRET, an unknown commune, non-numeric coordinates) get it from the
row reader's own code. Files the ``csv`` module would read differently go to the row
reader (``NotColumnar``): not UTF-8, a NUL byte, a line with the wrong number of fields
or longer than 1 MiB (pyarrow fails), an empty line or a line break inside a quoted value
(fewer rows than lines in a chunk: the line numbers would be off), a repeated column
name.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo_directory.businesses.validators import LA_POSTE_SIREN, siret_error
from geo_directory.territory.region import DEPARTEMENTS

from . import reasons
from .pipeline.columnar import ColumnBatch, NotColumnar, line_chunks, line_count
from .sirene import GEO_TYPES, NOT_OURS, SIRENE_FIELDS, STREET_TYPES, SireneReader

# The file is read in chunks of about CHUNK_BYTES cut after a line break (~40,000 SIRENE
# rows), each checked then parsed by pyarrow on every core, then run through the rules.
# Read by pyarrow itself, the file would be read ~40 blocks ahead (150 MB more memory).
CHUNK_BYTES = 8 << 20
ND = "[ND]"

# The columns the rules read (the others are never converted).
USED = (
    "siret",
    "activitePrincipaleEtablissement",
    "etatAdministratifEtablissement",
    "codeCommuneEtablissement",
    "statutDiffusionEtablissement",
    "enseigne1Etablissement",
    "denominationUsuelleEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "longitude",
    "latitude",
    "geo_score",
    "geo_type",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
)


def _keys(mapping: dict) -> tuple[pa.Array, pa.Array]:
    return pa.array(list(mapping), pa.string()), pa.array(list(mapping.values()))


def _filled(mask, values: pa.Array, otherwise: pa.Array) -> pa.Array:
    return pc.if_else(mask, values, otherwise)


class SireneColumns:
    """Batches of a SIRENE file for the pipeline's column lane (``ColumnBatch``)."""

    def __init__(self, reader: SireneReader):
        self.reader = reader
        self.naf_keys, self.naf_ids = _keys(reader.naf)
        self.area_keys, self.area_codes = _keys(reader.areas)
        self.communes = pa.array(sorted(reader.communes), pa.string())
        self.street_keys, self.street_words = _keys(STREET_TYPES)
        self.geo_types = pa.array(sorted(GEO_TYPES))
        self.departements = pa.array(sorted(DEPARTEMENTS))
        self.location_field = SIRENE_FIELDS.location
        self.not_ours = NOT_OURS

    def batches(self) -> Iterator[ColumnBatch]:
        reader = self.reader
        header = reader.header
        if reader.encoding not in ("utf-8", "utf-8-sig"):
            raise NotColumnar(f"fichier en {reader.encoding}")
        if len(set(header)) != len(header):
            raise NotColumnar("nom de colonne répété")
        used = [name for name in USED if name in reader.col]
        # Blocks of 1 MiB: parsed in parallel; a longer line goes to the row reader.
        read_options = pacsv.ReadOptions(column_names=header, block_size=1 << 20)
        parse_options = pacsv.ParseOptions(
            delimiter=reader.reader.dialect.delimiter, ignore_empty_lines=True
        )
        convert_options = pacsv.ConvertOptions(
            include_columns=used,
            column_types=dict.fromkeys(used, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        line = 2  # the header is line 1
        for chunk in _chunks_after_header(reader.path):
            if b"\x00" in chunk:
                raise NotColumnar(f"octet NUL après la ligne {line - 1}")
            try:
                codecs.utf_8_decode(chunk, "strict", True)
            except UnicodeDecodeError as exc:
                raise NotColumnar(f"pas de l’UTF-8 après la ligne {line - 1}") from exc
            try:
                table = pacsv.read_csv(
                    pa.BufferReader(chunk),
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
            except pa.ArrowInvalid as exc:  # e.g. a line with the wrong number of fields
                raise NotColumnar(f"ligne mal formée après la ligne {line - 1}") from exc
            # The row reader numbers rows by physical line: each row must be one line.
            lines = line_count(chunk)
            if table.num_rows != lines:
                raise NotColumnar(
                    f"ligne vide, ou retour à la ligne dans une valeur, après la ligne {line - 1}"
                )
            yield self.batch(table.combine_chunks().to_batches()[0], line)
            line += lines

    def batch(self, batch: pa.RecordBatch, first_line: int) -> ColumnBatch:
        """``SireneReader.records`` on every row of ``batch`` at once."""
        n = batch.num_rows
        empty = pa.array([""] * n, pa.string()) if n else pa.array([], pa.string())
        names = batch.schema.names

        def col(name: str) -> pa.Array:
            if name not in names:
                return empty
            return pc.utf8_trim_whitespace(batch.column(name))

        skipped: Counter = Counter()
        activity = pc.utf8_upper(
            pc.replace_substring(col("activitePrincipaleEtablissement"), ".", "")
        )
        category = pc.take(self.naf_ids, pc.index_in(activity, value_set=self.naf_keys))
        ours = pc.is_valid(category).to_numpy(zero_copy_only=False)
        if n - ours.sum():
            skipped[self.not_ours] = int(n - ours.sum())

        code = col("codeCommuneEtablissement")
        mapped = pc.take(self.area_codes, pc.index_in(code, value_set=self.area_keys))
        known = pc.is_in(code, value_set=self.communes)
        commune = pc.if_else(pc.is_valid(mapped), mapped, pc.if_else(known, code, None))
        has_commune = pc.is_valid(commune).to_numpy(zero_copy_only=False)
        in_region = pc.is_in(pc.utf8_slice_codeunits(code, 0, 2), value_set=self.departements)
        in_region = in_region.to_numpy(zero_copy_only=False)
        unknown = ours & ~has_commune & in_region
        outside = int(np.count_nonzero(ours & ~has_commune & ~in_region))

        siret = col("siret")
        candidates = ours & has_commune
        bad_siret = candidates & ~self.valid_sirets(siret)

        coords, bad_coords, precision, score = self.coordinates(col, candidates & ~bad_siret)
        record = candidates & ~bad_siret & ~bad_coords

        # Messages of the rejected rows, from the row reader's own code (rare rows).
        field = np.full(n, None, dtype=object)
        reason = np.full(n, None, dtype=object)
        for i in np.flatnonzero(unknown):
            field[i] = "codeCommuneEtablissement"
            reason[i] = reasons.unknown_commune(code[i].as_py())
        for i in np.flatnonzero(bad_siret):
            value = siret[i].as_py()
            field[i] = "siret"
            reason[i] = reasons.invalid_siret(value, siret_error(value))
        for i in np.flatnonzero(bad_coords):
            lon, lat, x, y = (c[i].as_py() for c in coords["text"])
            field[i] = self.location_field
            reason[i] = reasons.non_numeric(lon or x, lat or y)

        enseigne = col("enseigne1Etablissement")
        denomination = col("denominationUsuelleEtablissement")
        use_denomination = pc.or_(pc.equal(enseigne, ""), pc.equal(enseigne, ND))
        name = pc.if_else(use_denomination, denomination, enseigne)
        name = pc.if_else(pc.and_(use_denomination, pc.equal(denomination, ND)), "", name)

        postcode = col("codePostalEtablissement")
        postcode_ok = pc.and_(pc.equal(pc.utf8_length(postcode), 5), pc.utf8_is_digit(postcode))

        rec = pa.array(record)
        rejected = pa.array(unknown | bad_siret | bad_coords)
        staged = unknown | bad_siret | bad_coords | record
        no_text = pa.nulls(n, pa.string())
        no_float = pa.nulls(n, pa.float64())
        table = pa.table(
            {
                "line": pa.array(np.arange(first_line, first_line + n, dtype=np.int32)),
                "external_id": _filled(rec, siret, empty),
                "name": _filled(rec, name, empty),
                "category_id": _filled(rec, category, pa.nulls(n, category.type)).cast(pa.int64()),
                "siret": _filled(rec, siret, empty),
                "street": _filled(rec, self.street(col), empty),
                "postcode": _filled(rec, pc.if_else(postcode_ok, postcode, ""), empty),
                "commune_id": _filled(rec, commune, no_text),
                "lon": _filled(rec, coords["lon"], no_float),
                "lat": _filled(rec, coords["lat"], no_float),
                "closed": pc.and_(rec, pc.equal(col("etatAdministratifEtablissement"), "F")),
                "hide_address": pc.and_(rec, pc.equal(col("statutDiffusionEtablissement"), "P")),
                "address_in_region": rec,
                "geocode_precision": _filled(rec, precision, empty),
                "geocode_score": _filled(rec, score, no_float),
                "reject_field": pa.array(field, pa.string()),
                "reject_reason": pa.array(reason, pa.string()),
                "hard": rejected,
            }
        ).filter(pa.array(staged))
        return ColumnBatch(table, read=n, outside_region=outside, skipped=skipped)

    @staticmethod
    def valid_sirets(siret: pa.Array) -> np.ndarray:
        """``siret_error(s) is None`` for every SIRET: 14 ASCII digits, Luhn key of the
        SIREN and of the SIRET (La Poste's: digit sum a multiple of 5)."""
        n = len(siret)
        shaped = pc.match_substring_regex(siret, "^[0-9]{14}$").to_numpy(zero_copy_only=False)
        valid = np.zeros(n, dtype=bool)
        rows = np.flatnonzero(shaped)
        if not len(rows):
            return valid
        text = "".join(siret.take(pa.array(rows)).to_pylist()).encode("ascii")
        digits = (np.frombuffer(text, dtype=np.uint8) - 48).reshape(-1, 14).astype(np.int32)

        def luhn(d: np.ndarray) -> np.ndarray:
            doubled = d[:, -2::-2] * 2
            doubled -= 9 * (doubled > 9)
            return (d[:, -1::-2].sum(axis=1) + doubled.sum(axis=1)) % 10 == 0

        poste = (digits[:, :9] == np.array([int(c) for c in LA_POSTE_SIREN])).all(axis=1)
        ok = np.where(poste, digits.sum(axis=1) % 5 == 0, luhn(digits[:, :9]) & luhn(digits))
        valid[rows] = ok
        return valid

    def street(self, col) -> pa.Array:
        """Number, repetition index, street type in words, street name; "[ND]" parts
        (not disclosed) left out."""
        kind = pc.utf8_upper(col("typeVoieEtablissement"))
        word = pc.take(self.street_words, pc.index_in(kind, value_set=self.street_keys))
        parts = [
            col("numeroVoieEtablissement"),
            pc.utf8_lower(col("indiceRepetitionEtablissement")),
            pc.if_else(pc.is_valid(word), word, kind),
            col("libelleVoieEtablissement"),
        ]
        kept = [
            pc.if_else(
                pc.or_(pc.equal(p, ""), pc.equal(pc.utf8_upper(p), ND)),
                pa.nulls(len(p), pa.string()),
                p,
            )
            for p in parts
        ]
        # A leading "" part, cut off after: pyarrow 26 drops the rows whose parts are all
        # null from the result instead of giving "".
        street = pc.binary_join_element_wise(pa.scalar(""), *kept, " ", null_handling="skip")
        return pc.utf8_slice_codeunits(street, 1)

    def coordinates(self, col, rows: np.ndarray):
        """(points, non-numeric rows, precision, score) of the géo-SIRENE lon/lat columns,
        else of the Lambert-93 ones reprojected."""
        lon_t, lat_t = col("longitude"), col("latitude")
        x_t, y_t = (
            col("coordonneeLambertAbscisseEtablissement"),
            col("coordonneeLambertOrdonneeEtablissement"),
        )

        def given(text: pa.Array) -> np.ndarray:
            return pc.and_(pc.not_equal(text, ""), pc.not_equal(text, ND)).to_numpy(
                zero_copy_only=False
            )

        geo = rows & given(lon_t) & given(lat_t)
        lambert = rows & ~geo & given(x_t) & given(y_t)
        score_t = col("geo_score")
        scored = geo & given(score_t)
        lon, bad_lon = _floats(lon_t, geo)
        lat, bad_lat = _floats(lat_t, geo)
        score, bad_score = _floats(score_t, scored)
        x, bad_x = _floats(x_t, lambert)
        y, bad_y = _floats(y_t, lambert)
        bad = (geo & (bad_lon | bad_lat | bad_score)) | (lambert & (bad_x | bad_y))
        reprojected = lambert & ~bad
        if reprojected.any():
            lon[reprojected], lat[reprojected] = self.reader.lambert.transform(
                x[reprojected], y[reprojected]
            )
        placed = (geo | lambert) & ~bad
        gtype = col("geo_type")
        precision = pc.if_else(
            pa.array(geo),
            pc.if_else(pc.is_in(gtype, value_set=self.geo_types), gtype, "source"),
            "source",
        )
        points = {
            "lon": pa.array(lon, mask=~placed),
            "lat": pa.array(lat, mask=~placed),
            "text": (lon_t, lat_t, x_t, y_t),
        }
        return points, bad, precision, pa.array(score, mask=~(scored & ~bad))


def _chunks_after_header(path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.readline()  # the header, read by SireneReader
        yield from line_chunks(handle, CHUNK_BYTES)


def _floats(text: pa.Array, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``float(value)`` of the ``rows``: (values, NaN elsewhere; rows where it fails).

    pyarrow casts the batch; when one value does not parse, Python's ``float`` decides
    for each value of it, as the row reader does (it accepts ``1_000``, for instance).
    """
    values = np.full(len(text), np.nan)
    bad = np.zeros(len(text), dtype=bool)
    picked = np.flatnonzero(rows)
    if not len(picked):
        return values, bad
    subset = text.take(pa.array(picked))
    try:
        values[picked] = pc.cast(subset, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        for i, value in zip(picked, subset.to_pylist(), strict=True):
            try:
                values[i] = float(value)
            except ValueError:
                bad[i] = True
    return values, bad
