"""Partner CSV files (chambers of commerce...) with a column mapping file (YAML or JSON).

Mapping file, e.g. ``cci-vaucluse.yaml``::

    columns:                 # our field: the partner's column header
      id: Identifiant        # required: the partner's stable key
      name: Raison sociale
      category: Activité     # a category slug, an OSM tag (shop=bakery) or a NAF code
      siret: SIRET           # optional, Luhn-checked
      street: Adresse
      postcode: CP
      commune: Code INSEE    # optional INSEE code, used when there are no coordinates
      lon: Longitude         # WGS84, or x/y with crs below
      lat: Latitude
      phone: Téléphone
      email: Courriel
      website: Site
      opening_hours: Horaires   # OpenStreetMap opening_hours syntax
    categories:              # optional: the partner's own labels → our slugs
      Boulangerie: boulangerie
    default_category: epicerie  # optional
    crs: EPSG:4326           # or EPSG:2154 with columns x/y (Lambert-93)
    delimiter: ";"           # optional (sniffed otherwise)
    encoding: latin-1        # optional (detected otherwise)
    decimal_comma: true      # optional: "43,29"
    id_prefix: cci84         # optional; default: the mapping file's name. Keys are
                             # "<prefix>:<id>", so two partners' ids never collide.

Every mapped column must exist in the header (else the file is refused, nothing written);
columns are found by name, in any order.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import yaml
from pyproj import Transformer

from geo_directory.businesses.models import Business, Category
from geo_directory.businesses.validators import siret_error
from geo_directory.territory.models import Commune, CommuneArea

from .errors import ImportReport, Rejection, SourceError
from .pipeline import (
    OUTSIDE_REGION,
    FieldNames,
    Record,
    Skip,
    bad_encoding,
    detect_encoding,
    in_region_code,
    open_csv,
    raw_row,
    run_import,
)

FIELDS = (
    "id",
    "name",
    "category",
    "siret",
    "street",
    "postcode",
    "commune",
    "lon",
    "lat",
    "x",
    "y",
    "phone",
    "email",
    "website",
    "opening_hours",
)


def load_mapping(path: Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{path}: mapping file cannot be read ({exc.strerror})") from exc
    try:
        mapping = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: invalid mapping file ({exc})") from exc
    if not isinstance(mapping, dict) or not isinstance(mapping.get("columns"), dict):
        raise SourceError(f"{path}: the mapping needs a 'columns' object (our field: column)")
    unknown = sorted(set(mapping["columns"]) - set(FIELDS))
    if unknown:
        raise SourceError(f"{path}: unknown field(s) {', '.join(unknown)}; known: {FIELDS}")
    if "id" not in mapping["columns"]:
        raise SourceError(f"{path}: the mapping must name the 'id' column (a stable key)")
    mapping.setdefault("id_prefix", path.stem)
    return mapping


class MappedReader:
    def __init__(self, path: Path, mapping: dict):
        self.path = Path(path)
        self.mapping = mapping
        self.encoding = detect_encoding(self.path, mapping.get("encoding"))
        self.by_key: dict[str, int] = {}
        for category_id, slug, tags, nafs in Category.objects.values_list(
            "id", "slug", "osm_tags", "naf_codes"
        ):
            self.by_key.setdefault(slug, category_id)
            for key in [*tags, *nafs, *(n.replace(".", "") for n in nafs)]:
                self.by_key.setdefault(key.lower(), category_id)
        for label, slug in (mapping.get("categories") or {}).items():
            if slug not in self.by_key:
                raise SourceError(f"mapping: category {slug!r} (for {label!r}) does not exist")
            self.by_key[str(label).strip().lower()] = self.by_key[slug]
        default = mapping.get("default_category")
        if default and default not in self.by_key:
            raise SourceError(f"mapping: default_category {default!r} does not exist")
        self.default = self.by_key.get(default) if default else None
        self.communes = set(Commune.objects.values_list("code", flat=True))
        self.areas = dict(CommuneArea.objects.values_list("code", "commune_id"))
        crs = str(mapping.get("crs") or "EPSG:4326")
        self.transform = (
            None
            if crs.upper() in ("EPSG:4326", "4326")
            else Transformer.from_crs(crs, 4326, always_xy=True).transform
        )
        self.handle, self.reader = open_csv(self.path, self.encoding)
        if mapping.get("delimiter"):
            self.reader = csv.reader(self.handle, delimiter=mapping["delimiter"])
        try:
            self.header = [h.strip().lstrip("\ufeff") for h in next(self.reader)]
        except StopIteration as exc:
            raise SourceError(f"{self.path}: empty file (no header line)") from exc
        missing = [c for c in mapping["columns"].values() if c not in self.header]
        if missing:
            self.handle.close()
            raise SourceError(
                f"{self.path}: column(s) {', '.join(map(repr, missing))} of the mapping are "
                f"not in the header ({', '.join(self.header)})"
            )
        self.index = {f: self.header.index(c) for f, c in mapping["columns"].items()}
        self.prefix = f"{mapping['id_prefix']}:" if mapping.get("id_prefix") else ""

    def records(self) -> Iterator:
        width = len(self.header)
        index = self.index
        decimal_comma = bool(self.mapping.get("decimal_comma"))
        reader = self.reader

        def get(row, field):
            i = index.get(field)
            return row[i].strip() if i is not None else ""

        def number(text):
            return float(text.replace(",", ".") if decimal_comma else text)

        try:
            for row in reader:
                line = reader.line_num
                if len(row) != width:
                    if row:
                        yield Rejection(
                            line,
                            "row",
                            f"{len(row)} fields where the header has "
                            f"{width} (truncated or malformed line)",
                            raw_row(row),
                        )
                    continue
                encoding_error = bad_encoding(row, self.header, self.encoding)
                if encoding_error:
                    yield Rejection(line, *encoding_error, raw_row(row))
                    continue
                key = get(row, "id")
                if not key:
                    yield Rejection(
                        line, self.mapping["columns"]["id"], "empty identifier", raw_row(row)
                    )
                    continue
                siret = get(row, "siret").replace(" ", "")
                if siret and (error := siret_error(siret)):
                    yield Rejection(
                        line,
                        self.mapping["columns"]["siret"],
                        f"invalid SIRET {siret!r}: {error}",
                        raw_row(row),
                    )
                    continue
                code = get(row, "commune")
                code = self.areas.get(code, code)
                if code and code not in self.communes:
                    if in_region_code(code):
                        yield Rejection(
                            line,
                            self.mapping["columns"]["commune"],
                            f"unknown commune code {code!r} (not a commune of the region)",
                            raw_row(row),
                        )
                    else:
                        yield Skip(line, OUTSIDE_REGION)
                    continue
                kind = get(row, "category")
                category_id = self.by_key.get(kind.lower(), self.default)
                record = Record(
                    line,
                    self.prefix + key,
                    raw_row(row),
                    name=get(row, "name"),
                    category_id=category_id,
                    category_hint=repr(kind) if kind else "an empty category",
                    siret=siret,
                    street=get(row, "street"),
                    postcode=get(row, "postcode"),
                    commune_id=code or None,
                    phone=get(row, "phone"),
                    email=get(row, "email"),
                    website=get(row, "website"),
                    opening_hours=get(row, "opening_hours"),
                    address_in_region=in_region_code(get(row, "postcode")) or bool(code),
                )
                try:
                    if self.transform and get(row, "x") and get(row, "y"):
                        record.lon, record.lat = self.transform(
                            number(get(row, "x")), number(get(row, "y"))
                        )
                    elif get(row, "lon") or get(row, "lat"):
                        record.lon, record.lat = number(get(row, "lon")), number(get(row, "lat"))
                except ValueError:
                    yield Rejection(line, "coordinates", "non-numeric coordinates", raw_row(row))
                    continue
                if record.lon is None and not code:
                    yield Rejection(
                        line, "coordinates", "no coordinates and no commune code", raw_row(row)
                    )
                    continue
                yield record
        finally:
            self.handle.close()


def import_csv(path: Path, mapping: dict | Path, **options) -> ImportReport:
    """Import a partner CSV with a mapping (a dict, or a YAML/JSON file path)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: file not found")
    if not isinstance(mapping, dict):
        mapping = load_mapping(mapping)
    reader = MappedReader(path, mapping)
    return run_import(
        path,
        Business.Source.CSV,
        reader.records,
        names=FieldNames(
            id=mapping["columns"]["id"],
            location="coordinates",
            postcode=mapping["columns"].get("postcode", "postcode"),
            siret=mapping["columns"].get("siret", "siret"),
        ),
        **options,
    )
