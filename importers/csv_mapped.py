"""Partner CSV files (tourist offices, chambers of commerce...) with a mapping file.

The mapping format is shared with GeoJSON and JSON lists: ``importers/mapping.py`` and
docs/imports.md. CSV options: ``delimiter`` (sniffed otherwise), ``encoding`` (UTF-8 with
or without BOM, else Latin-1, detected otherwise), ``decimal_comma``. Every column the
mapping reads must exist in the header (else the file is refused, nothing written);
columns are found by name, in any order. Quoted values may span several lines (French
opening hours often do): a row is reported by the line it starts on.

Mapping file, e.g. ``cci-vaucluse.yaml``::

    columns:
      id: Identifiant
      name: Raison sociale
      category: Activité     # a label of ``categories``, a slug, an OSM tag or a NAF code
      street: [Numéro, Voie]
      postcode: CP
      lon: Longitude
      lat: Latitude
      opening_hours: Horaires
    categories:
      Boulangerie: boulangerie
    delimiter: ";"
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from geo_directory.businesses.models import Business

from . import reasons
from .errors import ImportReport, Rejection, SourceError
from .mapping import FIELDS, Mapper, load_mapping
from .pipeline import bad_encoding, detect_encoding, open_csv, raw_row, run_import

__all__ = ["FIELDS", "MappedReader", "import_csv", "load_mapping"]


class MappedReader:
    def __init__(self, path: Path, mapping: dict):
        self.path = Path(path)
        self.mapper = Mapper(mapping)
        self.encoding = detect_encoding(self.path, mapping.get("encoding"))
        self.handle, self.reader = open_csv(self.path, self.encoding)
        if mapping.get("delimiter"):
            self.reader = csv.reader(self.handle, delimiter=mapping["delimiter"])
        try:
            self.header = [h.strip().lstrip("\ufeff") for h in next(self.reader)]
        except StopIteration as exc:
            self.handle.close()
            raise SourceError(f"{self.path} : {reasons.EMPTY_FILE}") from exc
        missing = [c for c in self.mapper.source_fields() if c not in self.header]
        if missing:
            self.handle.close()
            raise SourceError(
                reasons.missing_columns(
                    self.path, missing, self.header, "fichier conforme à sa correspondance"
                )
            )
        self.index = {name: self.header.index(name) for name in self.mapper.source_fields()}

    def records(self) -> Iterator:
        width = len(self.header)
        index = self.index
        reader = self.reader
        record = self.mapper.record
        end = reader.line_num  # the header's last line
        try:
            for row in reader:
                # A quoted value may hold line breaks: the row starts after the previous one.
                line, end = end + 1, reader.line_num
                if len(row) != width:
                    if row:
                        yield Rejection(
                            line, "row", reasons.wrong_width(len(row), width), raw_row(row)
                        )
                    continue
                encoding_error = bad_encoding(row, self.header, self.encoding)
                if encoding_error:
                    yield Rejection(line, *encoding_error, raw_row(row))
                    continue
                yield record(line, lambda name, row=row: row[index[name]].strip(), raw_row(row))
        finally:
            self.handle.close()


def import_csv(path: Path, mapping: dict | Path, **options) -> ImportReport:
    """Import a partner CSV with a mapping (a dict, or a YAML/JSON file path)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(reasons.file_not_found(path))
    if not isinstance(mapping, dict):
        mapping = load_mapping(mapping)
    reader = MappedReader(path, mapping)
    return run_import(
        path,
        Business.Source.CSV,
        reader.records,
        names=reader.mapper.field_names(),
        **options,
    )
