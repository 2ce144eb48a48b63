"""One mapping format for every partner source that is a table or a list of features:
CSV (``csv_mapped``), GeoJSON (``geojson --mapping``) and JSON lists of objects
(``json_list``). A YAML (or JSON) file says, for each of our fields, where the partner
keeps it; ``docs/imports.md`` has the reference. In short::

    columns:                       # our field: the partner's field (CSV header, property)
      id: entityid                 # a stable key; or composite: [raisonsociale, codepostal]
                                   # or a stable hash: {hash: [raisonsociale, voie, codepostal]}
      name: raisonsociale
      street: {fields: [numro, typedevoie, voie], separator: " "}   # or a plain list
      postcode: codepostal
      category: type               # through ``categories`` (label → slug) then ``default``
      lon: longitude               # strings and decimal commas are fine; GeoJSON: the
      lat: latitude                # geometry when lon/lat are not mapped (or empty)
      website: adresseweb
      opening_hours: horaires      # OSM syntax, else French text (hours_fr), else kept as text
    categories: {"cdt:Restaurant": restaurant}
    default_category: restaurant
    id_prefix: dataprovence        # default: the mapping file's name

The reader of each format only turns a row into ``get(field) -> str``; this module makes
the ``Record`` (or the ``Rejection``) of it, so every format reads a mapping the same way.
Database look-ups (categories, communes) are done once, before the import streams.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pyproj import Transformer

from geo_directory.businesses.models import Category
from geo_directory.businesses.validators import siret_error
from geo_directory.territory.models import Commune, CommuneArea

from . import reasons
from .errors import Rejection, SourceError
from .pipeline import OUTSIDE_REGION, FieldNames, Record, Skip, in_region_code

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
OPTIONS = (
    "columns",
    "fields",
    "categories",
    "default_category",
    "crs",
    "delimiter",
    "encoding",
    "decimal_comma",
    "id_prefix",
    "list_key",
)
# Several values in one field (« Traditionnelle\nProvençale », « cdt:Restaurant\ncdt:Pizzeria »).
_PARTS = re.compile(r"\s*[\n;|]\s*")


@dataclass(frozen=True)
class Spec:
    """Where one of our fields is: the partner's fields, joined, or hashed (keys)."""

    fields: tuple[str, ...]
    separator: str = " "
    hashed: bool = False

    @property
    def label(self) -> str:  # for the report's « field » column
        return "+".join(self.fields)


def _spec(target: str, value, where: str) -> Spec:
    composite = target == "id"
    if isinstance(value, str) and value:
        return Spec((value,))
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return Spec(tuple(value), "|" if composite else " ")
    if isinstance(value, dict):
        if composite and "hash" in value:
            fields = value["hash"]
            if isinstance(fields, str):
                fields = [fields]
            if isinstance(fields, list) and fields and all(isinstance(f, str) for f in fields):
                return Spec(tuple(fields), hashed=True)
        fields = value.get("fields")
        if isinstance(fields, str):
            fields = [fields]
        separator = value.get("separator", "|" if composite else " ")
        if (
            isinstance(fields, list)
            and fields
            and all(isinstance(f, str) and f for f in fields)
            and isinstance(separator, str)
        ):
            return Spec(tuple(fields), separator)
    raise SourceError(
        f"{where} : champ « {target} » : donnez le nom du champ chez le partenaire, une liste"
        " de noms ou {fields: [...], separator: ' '}" + (" ou {hash: [...]}" if composite else "")
    )


def load_mapping(path: Path) -> dict:
    """The mapping file (YAML, or JSON by its suffix), checked; SourceError otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(reasons.unreadable_file(path, exc, "fichier de correspondance")) from exc
    try:
        mapping = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SourceError(f"{path} : fichier de correspondance invalide ({_where(exc)})") from exc
    if isinstance(mapping, dict):
        mapping.setdefault("id_prefix", path.stem)
    return check_mapping(mapping, str(path))


def _unknown(names: list[str], singular: str, plural: str) -> str:
    return f"{singular if len(names) < 2 else plural} : {', '.join(names)}"


def _where(exc: Exception) -> str:
    """Where a YAML or JSON parser stopped, in French (its message is English)."""
    mark = getattr(exc, "problem_mark", None)  # yaml.MarkedYAMLError
    if mark is not None:
        return f"erreur de syntaxe à la ligne {mark.line + 1}, colonne {mark.column + 1}"
    if isinstance(exc, json.JSONDecodeError):
        return f"erreur de syntaxe à la ligne {exc.lineno}, colonne {exc.colno}"
    return "erreur de syntaxe"


def check_mapping(mapping, where: str = "correspondance") -> dict:
    """The mapping dict, checked (fields known, a key given, specs well formed)."""
    if isinstance(mapping, dict) and "columns" not in mapping and "fields" in mapping:
        mapping = {**mapping, "columns": mapping["fields"]}  # the same thing, named for JSON
    if not isinstance(mapping, dict) or not isinstance(mapping.get("columns"), dict):
        raise SourceError(
            f"{where} : la correspondance doit avoir un objet « columns » (notre champ : colonne)"
        )
    unknown = sorted(set(mapping["columns"]) - set(FIELDS))
    if unknown:
        raise SourceError(
            f"{where} : {_unknown(unknown, 'champ inconnu', 'champs inconnus')} ;"
            f" connus : {', '.join(FIELDS)}"
        )
    if "id" not in mapping["columns"]:
        raise SourceError(
            f"{where} : la correspondance doit nommer la colonne « id » (une clé stable), une"
            " liste de colonnes (une clé composée) ou {hash: [colonnes]} si le partenaire n’a"
            " pas de clé"
        )
    unknown = sorted(set(mapping) - set(OPTIONS))
    if unknown:
        raise SourceError(
            f"{where} : {_unknown(unknown, 'option inconnue', 'options inconnues')} ;"
            f" connues : {', '.join(OPTIONS)}"
        )
    for target, value in mapping["columns"].items():
        _spec(target, value, where)
    return mapping


def _number(text: str, decimal_comma: bool) -> float:
    """A coordinate written as text: « 43.29 », « 43,29 » (a decimal comma is taken when
    the text has no point), with ``decimal_comma`` every comma."""
    if decimal_comma or ("," in text and "." not in text):
        text = text.replace(",", ".")
    return float(text.replace("\u00a0", "").replace(" ", ""))


class Mapper:
    """A checked mapping, ready to make records (its look-ups done once)."""

    def __init__(self, mapping: dict, *, geometry: bool = False):
        self.mapping = check_mapping(mapping)
        self.specs = {t: _spec(t, v, "mapping") for t, v in self.mapping["columns"].items()}
        self.geometry = geometry  # the format gives a point of its own (GeoJSON)
        self.decimal_comma = bool(mapping.get("decimal_comma"))
        prefix = mapping.get("id_prefix")
        self.prefix = f"{prefix}:" if prefix else ""
        self.by_key: dict[str, int] = {}
        for category_id, slug, tags, nafs in Category.objects.values_list(
            "id", "slug", "osm_tags", "naf_codes"
        ):
            self.by_key.setdefault(slug, category_id)
            for key in [*tags, *nafs, *(n.replace(".", "") for n in nafs)]:
                self.by_key.setdefault(key.lower(), category_id)
        # The partner's labels, in the mapping's order: the first one a row has wins.
        self.labels: dict[str, int] = {}
        for label, slug in (mapping.get("categories") or {}).items():
            if slug not in self.by_key:
                raise SourceError(
                    f"correspondance : la catégorie « {slug} » (pour « {label} ») n’existe pas"
                )
            self.labels.setdefault(str(label).strip().lower(), self.by_key[slug])
        default = mapping.get("default_category")
        if default and default not in self.by_key:
            raise SourceError(
                f"correspondance : default_category « {default} » : cette catégorie n’existe pas"
            )
        self.default = self.by_key.get(default) if default else None
        self.communes = set(Commune.objects.values_list("code", flat=True))
        self.areas = dict(CommuneArea.objects.values_list("code", "commune_id"))
        crs = str(mapping.get("crs") or "EPSG:4326")
        self.transform = (
            None
            if crs.upper() in ("EPSG:4326", "4326")
            else Transformer.from_crs(crs, 4326, always_xy=True).transform
        )

    def source_fields(self) -> list[str]:
        """Every partner field the mapping reads (a CSV header must have them all)."""
        seen: dict[str, None] = {}
        for spec in self.specs.values():
            seen.update(dict.fromkeys(spec.fields))
        return list(seen)

    def label(self, target: str, default: str | None = None) -> str:
        spec = self.specs.get(target)
        return spec.label if spec else (default or target)

    def field_names(self) -> FieldNames:
        """How the report names the fields: the partner's own names."""
        coordinates = "geometry" if self.geometry and "lon" not in self.specs else "coordinates"
        return FieldNames(
            id=self.label("id"),
            location=coordinates,
            **{f: self.label(f) for f in ("postcode", "siret", "phone", "email", "website")},
            opening_hours=self.label("opening_hours"),
        )

    def value(self, target: str, get: Callable[[str], str]) -> str:
        spec = self.specs.get(target)
        if spec is None:
            return ""
        if len(spec.fields) == 1 and not spec.hashed:
            return get(spec.fields[0])
        values = [get(name) for name in spec.fields]
        if spec.hashed:
            if not any(values):
                return ""
            basis = "\x1f".join(" ".join(v.split()).casefold() for v in values)
            return hashlib.sha1(basis.encode()).hexdigest()[:16]
        return spec.separator.join(v for v in values if v)

    def category(self, text: str) -> int | None:
        parts = [text, *(p for p in _PARTS.split(text) if p and p != text)] if text else []
        folded = [p.strip().lower() for p in parts]
        if self.labels:
            present = set(folded)
            for label, category_id in self.labels.items():
                if label in present:
                    return category_id
        for part in folded:
            if part in self.by_key:
                return self.by_key[part]
        return self.default

    def record(
        self,
        line: int,
        get: Callable[[str], str],
        raw: str,
        point: tuple[float, float] | None = None,
    ) -> Record | Rejection | Skip:
        """The record of one row (``get``: a partner field's text, "" when absent)."""
        key = self.value("id", get)
        if not key:
            return Rejection(line, self.label("id"), reasons.EMPTY_ID, raw)
        code = self.value("commune", get)
        code = self.areas.get(code, code)
        if code and code not in self.communes:
            if in_region_code(code):
                return Rejection(line, self.label("commune"), reasons.unknown_commune(code), raw)
            return Skip(line, OUTSIDE_REGION)
        kind = self.value("category", get)
        postcode = self.value("postcode", get)
        record = Record(
            line,
            self.prefix + key,
            raw,
            name=self.value("name", get),
            category_id=self.category(kind),
            category_hint=f"« {kind} »" if kind else "",
            street=self.value("street", get),
            postcode=postcode,
            commune_id=code or None,
            phone=self.value("phone", get),
            email=self.value("email", get),
            website=self.value("website", get),
            opening_hours=self.value("opening_hours", get),
            address_in_region=in_region_code(postcode) or bool(code),
        )
        siret = self.value("siret", get).replace(" ", "")
        if siret:
            error = siret_error(siret)
            if error:  # optional: the listing is kept without it
                record.warn(self.label("siret"), f"SIRET invalide, laissé vide : {error}", siret)
            else:
                record.siret = siret
        try:
            x, y = self.value("x", get), self.value("y", get)
            lon, lat = self.value("lon", get), self.value("lat", get)
            if self.transform and x and y:
                record.lon, record.lat = self.transform(
                    _number(x, self.decimal_comma), _number(y, self.decimal_comma)
                )
            elif lon or lat:
                record.lon = _number(lon, self.decimal_comma) if lon else None
                record.lat = _number(lat, self.decimal_comma) if lat else None
            elif point is not None:
                record.lon, record.lat = point
        except ValueError:
            return Rejection(line, "coordinates", reasons.NON_NUMERIC, raw)
        if record.lon is None and record.lat is None and not code:
            return Rejection(line, "coordinates", reasons.NO_POSITION, raw)
        return record


def text_of(value) -> str:
    """A JSON value as the text a CSV would hold (numbers, lists of lines...)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value if v not in (None, ""))
    return json.dumps(value, ensure_ascii=False)
