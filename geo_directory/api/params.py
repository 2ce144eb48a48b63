"""The query parameters of the API, each family declared once: it parses, filters, documents.

Following djangorestframework-gis (and Geotrek-admin, which subclasses it), a family is a DRF
filter backend: ``filter_queryset(request, query, view)`` narrows what the view reads and
``get_schema_operation_parameters(view)`` describes it in OpenAPI, from the same constants
the parser checks. The position and viewport families subclass drf-gis's
``DistanceToPointFilter`` and ``InBBoxFilter`` with our semantics: metres (Lambert-93), the
region's coordinate guard (``territory.region.check_lonlat``) before anything is built
from a coordinate, French errors, and the SQL of ``queries.Query`` instead of querysets.

Reading is strict so that the schema says exactly what is accepted: one value per parameter
(a repeated one is refused, except the lists and ``page``/``page_size``, whose every value is
checked and the last counts: clients append them to the URLs they are given), no NUL byte,
the empty value is the same as no value (``allowEmptyValue``), numbers in plain decimal
notation. A value OpenAPI types cannot describe (a position, a viewport, a date in Paris
time) has a named ``format`` defined in its description. A rule between two parameters of
a family (``dist`` needs ``point``; ``open_now=true`` excludes ``open_at``), which OpenAPI
3.0 parameters cannot express, is published as the operation's ``x-parameter-rules``.

The view collects every family's errors at once (``clean``), then filters (``filter``).

Longer than 500 lines on purpose: each family keeps its parser, its SQL and its OpenAPI
text side by side, which is the point of this module (they were three files apart).
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import DatabaseError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.filters import BaseFilterBackend
from rest_framework_gis.filters import DistanceToPointFilter, InBBoxFilter

from geo_directory.businesses.hours import PARIS
from geo_directory.territory.region import DOMAIN, BadCoordinates, check_lonlat

from . import queries, reference

NUL = "caractère nul (\\x00) interdit"
REPEATED = "paramètre répété : une seule valeur attendue"
# Decimal numbers as clients write them, exponent included (Python's repr of 1e-05, JSON
# numbers); not "0x10", "1_000", "nan", "inf" or surrounding spaces, which float() takes.
DECIMAL = re.compile(r"[-+]?\d{1,20}(\.\d{1,20})?([eE][-+]?\d{1,3})?")
INTEGER = re.compile(r"-?\d{1,9}")
# For the schema: a string without NUL, a non-blank one.
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = "^[^\\u0000]*[^\\u0000\\s][^\\u0000]*$"
# Custom string formats of the schema (generators for them: tests/hardening/schemathesis_hooks.py).
LONLAT_FORMAT, BBOX_FORMAT, DATETIME_FORMAT = "lonlat", "lonlat-box", "datetime-paris"


def _enum(pick) -> dict:
    """``{"enum": [...]}`` from the reference data (communes, départements, categories), or
    nothing on a database that has none yet: ``manage.py check`` generates the schema, and
    runs before any migration on a new install."""
    try:
        return {"enum": sorted(pick(reference.get()))}
    except DatabaseError:
        return {}


class ParamError(ValueError):
    """A bad value: its parameter's name and a French reason."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def read(query, name: str) -> str | None:
    """The one value of ``name``, None when absent or empty."""
    values = query.getlist(name) if hasattr(query, "getlist") else [query.get(name)]
    values = [value for value in values if value is not None]
    if any("\x00" in value for value in values):
        raise ParamError(name, NUL)
    if len(values) > 1:
        raise ParamError(name, REPEATED)
    return values[0] if values and values[0] != "" else None


def read_list(query, name: str) -> list[str]:
    values = query.getlist(name) if hasattr(query, "getlist") else [query.get(name) or ""]
    if any("\x00" in value for value in values):
        raise ParamError(name, NUL)
    return [part for value in values for part in value.split(",") if part]


def parse_numbers(raw: str, count: int) -> list[float] | None:
    parts = raw.split(",")
    if len(parts) != count or not all(DECIMAL.fullmatch(part) for part in parts):
        return None
    return [float(part) for part in parts]


def domain_text() -> str:
    return f"longitude de {DOMAIN[0]:g} à {DOMAIN[2]:g}, latitude de {DOMAIN[1]:g} à {DOMAIN[3]:g}"


def parse_lonlat(raw: str, name: str = "point", box=DOMAIN) -> tuple[float, float]:
    """``"lon,lat"`` (WGS84 decimal degrees) → (lon, lat), checked by the region's guard."""
    numbers = parse_numbers(raw, 2)
    if numbers is None:
        raise ParamError(
            name,
            "attendu « longitude,latitude » en degrés décimaux (WGS84), "
            f"par exemple 5.3698,43.2965 ; reçu « {raw[:60]} »",
        )
    try:
        return check_lonlat(*numbers, box=box)
    except BadCoordinates:
        raise ParamError(
            name,
            f"attendu « longitude,latitude » en France ou alentours ({domain_text()}) ;"
            f" reçu « {raw[:60]} »",
        ) from None


def parse_int(query, name: str, default: int, low: int, high: int, repeatable=False) -> int:
    """An integer within [low, high]; ``repeatable``: every value checked, the last counts."""
    raws = [read(query, name)] if not repeatable else read_all(query, name)
    value = default
    for raw in raws:
        if raw is None:
            continue
        if not INTEGER.fullmatch(raw) or not low <= int(raw) <= high:
            raise ParamError(name, f"attendu un entier entre {low} et {high} ; reçu « {raw[:20]} »")
        value = int(raw)
    return value


def used(cleaned: dict) -> set[str]:
    """The names of the parameters a request gave (a cleaned value, not empty)."""
    return {name for name, value in cleaned.items() if value not in (None, "", [])}


def read_all(query, name: str) -> list[str | None]:
    values = query.getlist(name) if hasattr(query, "getlist") else [query.get(name)]
    if any("\x00" in value for value in values if value):
        raise ParamError(name, NUL)
    return [value or None for value in values]


def query_param(name: str, schema: dict, description: str, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": description,
        "schema": schema,
        **extra,
    }


class Family(BaseFilterBackend):
    """A family of parameters: ``clean`` reads its values into ``cleaned`` (raising
    ParamError), ``filter_queryset`` applies them to a ``queries.Query``."""

    names: tuple[str, ...] = ()
    # Rules between parameters, published in the schema (``x-parameter-rules``):
    # {"requires": [a, b]}: a needs b; {"excludes": [a, b], "when": {a: values}}: not both.
    rules: tuple[dict, ...] = ()

    def clean(self, query, cleaned: dict, errors: dict) -> None:
        for name in self.names:
            try:
                cleaned[name] = self.parse(query, name)
            except ParamError as error:
                errors[error.name] = str(error)
                cleaned[name] = None

    def parse(self, query, name):  # pragma: no cover - each family has its own
        raise NotImplementedError

    def filter_queryset(self, request, queryset, view):
        return self.apply(view.cleaned, queryset)

    def apply(self, cleaned: dict, query: queries.Query) -> queries.Query:
        return query


class NearPoint(Family, DistanceToPointFilter):
    """``point`` (nearest first, with ``distance_m``) and ``dist`` (a radius in metres)."""

    point_param, dist_param = "point", "dist"
    names = (point_param, dist_param)
    MAX_DIST_M = 50_000  # a radius larger than this is not "near me": refuse it

    def get_filter_point(self, request, **kwargs):
        raw = read(request.query_params, self.point_param)
        return None if raw is None else parse_lonlat(raw, self.point_param)

    def parse(self, query, name):
        raw = read(query, name)
        if raw is None:
            return None
        if name == self.point_param:
            return parse_lonlat(raw, name)
        metres = float(raw) if DECIMAL.fullmatch(raw) else None
        if metres is None or not 0 <= metres <= self.MAX_DIST_M:
            raise ParamError(
                name,
                f"attendu une distance en mètres entre 0 et {self.MAX_DIST_M:,} ; "
                f"reçu « {raw[:60]} »".replace(",", " "),
            )
        return metres

    def clean(self, query, cleaned, errors):
        super().clean(query, cleaned, errors)
        if cleaned["dist"] is not None and cleaned["point"] is None and "point" not in errors:
            errors["dist"] = "dist n'a de sens qu'avec point=longitude,latitude"

    def apply(self, cleaned, query):
        point = cleaned.get("point")
        if point is None:
            return query
        if cleaned.get("dist") is not None:
            query.within_metres(*point, cleaned["dist"])
        return query.nearest_first(*point)

    rules = ({"requires": ["dist", "point"]},)

    def get_schema_operation_parameters(self, view):
        return [
            query_param(
                self.point_param,
                {"type": "string", "format": LONLAT_FORMAT, "example": "5.3698,43.2965"},
                "Position « longitude,latitude » en degrés décimaux (WGS84, "
                f"{domain_text()}) : résultats du plus proche au plus loin, chacun avec "
                "`distance_m` (mètres).",
            ),
            query_param(
                self.dist_param,
                {"type": "number", "minimum": 0, "maximum": self.MAX_DIST_M, "example": 1000},
                f"Avec `point` seulement : rayon en mètres (0 à {self.MAX_DIST_M:_}), seuls "
                "les commerces à cette distance ou moins.".replace("_", " "),
            ),
        ]


class Viewport(Family, InBBoxFilter):
    """``in_bbox``: the map's screen, from its centre outwards when nothing else orders."""

    bbox_param = "in_bbox"
    names = (bbox_param,)
    MAX_SPAN_DEG = 10.0  # the region spans 3.5° × 2.3°; a 10° viewport is all of France

    def get_filter_bbox(self, request):
        return self.parse(request.query_params, self.bbox_param)

    def parse(self, query, name):
        raw = read(query, name)
        if raw is None:
            return None
        numbers = parse_numbers(raw, 4)
        if numbers is None:
            raise ParamError(
                name,
                "attendu « lon_min,lat_min,lon_max,lat_max » en degrés décimaux (WGS84), "
                f"par exemple 5.36,43.29,5.38,43.30 ; reçu « {raw[:80]} »",
            )
        try:
            check_lonlat(*numbers[:2])
            check_lonlat(*numbers[2:])
        except BadCoordinates:
            raise ParamError(
                name,
                "attendu « lon_min,lat_min,lon_max,lat_max » en France ou alentours "
                f"({domain_text()}) ; reçu « {raw[:80]} »",
            ) from None
        min_lon, min_lat, max_lon, max_lat = numbers
        if min_lon >= max_lon or min_lat >= max_lat:
            raise ParamError(
                name, "rectangle inversé ou vide : il faut lon_min < lon_max et lat_min < lat_max"
            )
        if max_lon - min_lon > self.MAX_SPAN_DEG or max_lat - min_lat > self.MAX_SPAN_DEG:
            raise ParamError(name, f"rectangle trop grand : au plus {self.MAX_SPAN_DEG:g}° de côté")
        return tuple(numbers)

    def apply(self, cleaned, query):
        box = cleaned.get(self.bbox_param)
        if box is None:
            return query
        query.in_box(*box)
        # Centre first: the box's Lambert-93 envelope bounds a KNN scan from its centre, so a
        # box with few listings never walks the whole index, one with many stops early.
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        here, params = queries.point_sql(*centre)
        return query.offer_order("screen centre", f"(b.location_l93 <-> {here})", params)

    def get_schema_operation_parameters(self, view):
        return [
            query_param(
                self.bbox_param,
                {"type": "string", "format": BBOX_FORMAT, "example": "5.36,43.29,5.39,43.31"},
                "Rectangle de la carte « lon_min,lat_min,lon_max,lat_max » en degrés décimaux "
                f"(WGS84, {domain_text()}), lon_min < lon_max, lat_min < lat_max, au plus "
                f"{self.MAX_SPAN_DEG:g}° de côté.",
            )
        ]


class Place(Family):
    """``commune`` (INSEE code) and ``departement``: ordered by (commune, id)."""

    names = ("commune", "departement")

    def parse(self, query, name):
        raw = read(query, name)
        if raw is None:
            return None
        ref = reference.get()
        if name == "commune" and raw not in ref.commune_names:
            raise ParamError(
                name,
                f"commune inconnue : « {raw[:20]} » (attendu un code INSEE de la Région Sud, "
                "par exemple 13055 pour Marseille)",
            )
        if name == "departement" and raw not in ref.departements:
            raise ParamError(
                name,
                f"département inconnu : « {raw[:20]} » (attendu l'un de "
                f"{', '.join(sorted(ref.departements))})",
            )
        return raw

    def apply(self, cleaned, query):
        commune, departement = cleaned.get("commune"), cleaned.get("departement")
        if commune is not None:
            query.filter("b.commune_id = %s", [commune])
        if departement is not None:
            # Its communes from memory: an index range on commune_id instead of a join when
            # the département's INSEE codes form a range of their own (always in the region).
            span = reference.get().departement_range(departement)
            if span is None:
                query.filter(
                    "b.commune_id IN (SELECT code FROM territory_commune"
                    " WHERE departement_id = %s)",
                    [departement],
                )
            else:
                query.filter("b.commune_id >= %s AND b.commune_id <= %s", span)
        if commune is not None or departement is not None:
            query.offer_order("commune", "b.commune_id, b.id")
        return query

    def get_schema_operation_parameters(self, view):
        return [
            query_param(
                "commune",
                {"type": "string", **_enum(lambda ref: ref.commune_names), "example": "13055"},
                "Code INSEE de la commune (voir /api/v1/communes/?q=).",
            ),
            query_param(
                "departement",
                {"type": "string", **_enum(lambda ref: ref.departements), "example": "13"},
                "Code du département.",
            ),
        ]


class Categories(Family):
    """``category``: slugs, comma-separated or repeated; a parent includes its children."""

    names = ("category",)

    def parse(self, query, name):
        slugs = read_list(query, name)
        if not slugs:
            return None
        known = reference.get().by_slug
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise ParamError(
                name,
                f"catégorie inconnue : « {', '.join(u[:40] for u in unknown[:5])} » "
                "(voir /api/v1/categories/)",
            )
        return list(dict.fromkeys(slugs))

    def apply(self, cleaned, query):
        slugs = cleaned.get("category")
        if slugs:  # descendants from the in-memory taxonomy: no query to expand the tree
            query.filter("b.category_id = ANY(%s)", [reference.get().descendants(slugs)])
        return query

    def get_schema_operation_parameters(self, view):
        return [
            query_param(
                "category",
                {
                    "type": "array",
                    "items": {"type": "string", **_enum(lambda ref: ref.by_slug)},
                    "example": ["boulangerie"],
                },
                "Catégorie(s) par slug, répétées ou séparées par des virgules ; une "
                "catégorie parente inclut ses sous-catégories.",
                style="form",
                explode=True,
            )
        ]


class NameSearch(Family):
    """``q``: the name search of businesses/search.py, by relevance unless a point orders."""

    names = ("q",)
    MIN, MAX = 2, 100

    def parse(self, query, name):
        raw = read(query, name)
        if raw is None:
            return None
        # Counted as searched, whitespace folded: « 0\r » is one character, not two.
        words = " ".join(raw.split())
        if words and not self.MIN <= len(words) <= self.MAX:
            raise ParamError(
                name, f"la recherche doit compter entre {self.MIN} et {self.MAX} caractères"
            )
        return words or None

    def apply(self, cleaned, query):
        text = cleaned.get("q")
        if text:
            queries.search(query, text)
        return query

    def get_schema_operation_parameters(self, view):
        return [
            query_param(
                "q",
                {
                    "type": "string",
                    "minLength": self.MIN,
                    "maxLength": self.MAX,
                    "pattern": NO_NUL,
                    "example": "boulangerie patissiere",
                },
                "Recherche qui comprend les métiers (« boulangerie », « resto », « fleuriste » : "
                "leur catégorie), une commune (« marseille », « à Aix » : s'y limite) et les "
                "noms de commerces (le reste), tolérante aux accents, à la casse et aux petites "
                "fautes. Les noms trouvés d'abord, puis les commerces du métier ; par "
                "pertinence, ou du plus proche au plus loin avec `point`. Une recherche très large "
                f"(un mot courant seul) classe les {queries.RANKED_AT_MOST:,} premiers "
                "résultats trouvés : précisez un lieu pour tout voir.".replace(",", " "),
            )
        ]


TRUE = ("true", "1", "yes", "oui", "on")
FALSE = ("false", "0", "no", "non", "off")


def parse_when(raw: str, name: str = "open_at") -> dt.datetime:
    """ISO 8601 date and time, Paris time without an offset; years 1970-2200, offsets
    within -12:00..+14:00 (Python takes up to ±24 h, PostgreSQL up to ±15:59)."""
    # A "+01:00" offset arrives as " 01:00" when the client did not encode the "+".
    value = raw.replace(" ", "+", 1) if " " in raw and "T" in raw else raw
    try:
        when = parse_datetime(value)
    except ValueError:
        when = None
    if when is not None and not 1970 <= when.year <= 2200:
        raise ParamError(name, f"date hors de la plage 1970-2200 ; reçu « {raw[:40]} »")
    if when is None:
        raise ParamError(
            name,
            "attendu une date et heure ISO 8601, par exemple 2026-12-24T10:30 "
            f"(heure de Paris si sans fuseau) ; reçu « {raw[:40]} »",
        )
    if timezone.is_naive(when):
        when = when.replace(tzinfo=PARIS)
    if abs(when.utcoffset()) > dt.timedelta(hours=14):
        raise ParamError(
            name, f"fuseau horaire hors de la plage -12:00 à +14:00 ; reçu « {raw[:40]} »"
        )
    return when


class OpeningHours(Family):
    """``open_now`` (true: open now, false: closed now) and ``open_at`` (open then)."""

    names = ("open_now", "open_at")

    def parse(self, query, name):
        raw = read(query, name)
        if raw is None:
            return None
        if name == "open_at":
            return parse_when(raw, name)
        if raw in TRUE:
            return True
        if raw in FALSE:
            return False
        raise ParamError(name, f"attendu true ou false ; reçu « {raw[:20]} »")

    def clean(self, query, cleaned, errors):
        super().clean(query, cleaned, errors)
        if cleaned["open_now"] and cleaned["open_at"] is not None:
            errors["open_at"] = "open_now=true et open_at s'excluent : choisissez l'un"

    def apply(self, cleaned, query):
        if cleaned.get("open_now") is not None:
            params: list = []
            condition = queries.open_condition(query.now, params)
            # Closed: rows whose condition is false *or unknown* (no hours at all).
            query.filter(condition if cleaned["open_now"] else f"({condition}) IS NOT TRUE", params)
        if cleaned.get("open_at") is not None:
            params = []
            query.filter(queries.open_condition(cleaned["open_at"], params), params)
        return query

    rules = ({"excludes": ["open_now", "open_at"], "when": {"open_now": list(TRUE)}},)

    def get_schema_operation_parameters(self, view):
        return [
            query_param(
                "open_now",
                {"type": "string", "enum": [*TRUE, *FALSE]},
                "true (ou 1, yes, oui, on) : ouverts maintenant (heure de Paris) ; false (ou 0, "
                "no, non, off) : fermés. open_now=true et open_at s'excluent.",
            ),
            query_param(
                "open_at",
                {"type": "string", "format": DATETIME_FORMAT, "example": "2026-12-24T10:30"},
                "Ouverts à cette date et heure ISO 8601 (sans fuseau : heure de Paris ; années "
                "1970 à 2200, fuseau de -12:00 à +14:00).",
            ),
        ]


class Service(Family):
    names = ("service",)
    COLUMNS = {"pickup": "offers_pickup", "delivery": "offers_delivery"}

    def parse(self, query, name):
        raw = read(query, name)
        if raw is not None and raw not in self.COLUMNS:
            raise ParamError(
                name, f"attendu pickup (retrait) ou delivery (livraison) ; reçu « {raw[:40]} »"
            )
        return raw

    def apply(self, cleaned, query):
        if cleaned.get("service"):
            query.filter(f"b.{self.COLUMNS[cleaned['service']]}")
        return query

    def get_schema_operation_parameters(self, view):
        return [
            query_param(
                "service",
                {"type": "string", "enum": list(self.COLUMNS)},
                "pickup (retrait sur place) ou delivery (livraison).",
            )
        ]


class CommuneInPath(Family):
    """The ``{insee}`` of /communes/{insee}/...: documented with the region's codes (a code
    that is not one answers 404)."""

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "insee",
                "in": "path",
                "required": True,
                "description": "Code INSEE d'une commune de la Région Sud.",
                "schema": {
                    "type": "string",
                    **_enum(lambda ref: ref.commune_names),
                    "example": "13055",
                },
            }
        ]


# The filters of /businesses/, /communes/{insee}/businesses/ and /clusters/.
LISTING_FILTERS = [NearPoint, Viewport, Place, Categories, NameSearch, OpeningHours, Service]


def integer_param(name: str, low: int, high: int, description: str, required=False) -> dict:
    param = query_param(name, {"type": "integer", "minimum": low, "maximum": high}, description)
    if required:
        param.update(required=True, allowEmptyValue=False)
    return param


def required_text(query, name: str, max_length: int, what: str) -> str:
    """A required free text, its white space folded; a French 400 when blank or too long."""
    raw = read(query, name)
    text = " ".join((raw or "").split())
    if not text:
        raise ParamError(name, f"paramètre obligatoire : {what}")
    if len(raw) > max_length:
        raise ParamError(name, f"au plus {max_length} caractères")
    return text


class Pagination(Family):
    """``page`` and ``page_size``: pages of at most MAX_PAGE_SIZE, at most MAX_PAGE pages
    (a client that needs more narrows its query: deep offsets read every row before)."""

    names = ("page", "page_size")
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
    MAX_RESULTS = 10_000
    MAX_PAGE = MAX_RESULTS // MAX_PAGE_SIZE

    def parse(self, query, name):
        if name == "page_size":
            return parse_int(
                query, name, self.DEFAULT_PAGE_SIZE, 1, self.MAX_PAGE_SIZE, repeatable=True
            )
        for raw in read_all(query, name):
            if raw is not None and INTEGER.fullmatch(raw) and int(raw) > self.MAX_PAGE:
                results = f"{self.MAX_RESULTS:_}".replace("_", " ")
                raise ParamError(
                    name,
                    f"page trop lointaine : au plus {self.MAX_PAGE} pages ({results} résultats"
                    f" avec page_size={self.MAX_PAGE_SIZE}), affinez la recherche",
                )
        return parse_int(query, name, 1, 1, self.MAX_PAGE, repeatable=True)

    def get_schema_operation_parameters(self, view):
        def repeatable(name, high, description):
            return query_param(
                name,
                {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": high}},
                description + " Répétable : chaque valeur est vérifiée, la dernière compte.",
                style="form",
                explode=True,
            )

        return [
            repeatable(
                "page",
                self.MAX_PAGE,
                "Numéro de page (1 par défaut) ; les liens `next`/`previous` de la réponse y "
                f"mènent. Au plus {self.MAX_PAGE} pages.",
            ),
            repeatable(
                "page_size",
                self.MAX_PAGE_SIZE,
                f"Résultats par page ({self.DEFAULT_PAGE_SIZE} par défaut).",
            ),
        ]


class Zoom(Family):
    names = ("zoom",)
    MAX = 22

    def parse(self, query, name):
        if read(query, name) is None:
            raise ParamError(
                name, f"paramètre obligatoire : le niveau de zoom de la carte (0 à {self.MAX})"
            )
        return parse_int(query, name, 0, 0, self.MAX)

    def get_schema_operation_parameters(self, view):
        return [
            integer_param(
                "zoom", 0, self.MAX, "Niveau de zoom de la carte, obligatoire.", required=True
            )
        ]


class CommuneSearch(Family):
    """``q`` (a name's beginning, a postcode or an INSEE code) and ``limit``."""

    names = ("q", "limit")
    MAX_Q, MAX_LIMIT, DEFAULT_LIMIT = 100, 20, 10

    def parse(self, query, name):
        if name == "limit":
            return parse_int(query, name, self.DEFAULT_LIMIT, 1, self.MAX_LIMIT)
        return required_text(query, name, self.MAX_Q, "un nom de commune ou un code postal")

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "q",
                "in": "query",
                "required": True,
                "description": "Début du nom (sans accents ni tirets, « st »/« ste » acceptés)"
                " ou code postal / code INSEE.",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": self.MAX_Q,
                    "pattern": NOT_BLANK,
                    "example": "st-rémy",
                },
            },
            integer_param(
                "limit",
                1,
                self.MAX_LIMIT,
                f"Nombre de résultats ({self.DEFAULT_LIMIT} par défaut).",
            ),
        ]


class Suggest(Family):
    """``q`` of /suggest/: what is being typed in the search field."""

    names = ("q",)
    MAX = NameSearch.MAX

    def parse(self, query, name):
        return required_text(query, name, self.MAX, "le début d'une recherche")

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "q",
                "in": "query",
                "required": True,
                "description": "Ce qui est tapé dans le champ de recherche : nom de commerce, "
                "métier (« boulangerie », « resto »...) ou commune, fautes de frappe tolérées.",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": self.MAX,
                    "pattern": NOT_BLANK,
                    "example": "boulagerie",
                },
            }
        ]


def clean(query, families) -> tuple[dict, dict[str, str]]:
    """(cleaned values by name, errors by name) of every family, all errors at once."""
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for family in families:
        family().clean(query, cleaned, errors)
    return cleaned, errors
