"""One listing as a format reads it (``Record``), its Python-side checks, and the row it
becomes in the staging table (``StagedRow``, a named tuple of ``STAGING_COLUMNS``)."""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from geo_directory.territory.region import WORLD, BadCoordinates, check_lonlat

from .. import reasons
from ..errors import Rejection
from .optional import HoursCache, check_optional

RAW_MAX = 2000
OUTSIDE_REGION = "outside the region"

# Limits of businesses_business columns (longer values are cut; an unreadable optional
# value is left out with a warning: ``optional.py``).
MAX_LENGTHS = {"name": 200, "street": 255, "phone": 30, "email": 254, "website": 500}

# The staging table, in COPY order: (column, PostgreSQL type).
STAGING_COLUMNS = (
    ("line", "int4"),
    ("external_id", "text"),
    ("name", "text"),
    ("category_id", "int8"),
    ("siret", "text"),
    ("street", "text"),
    ("postcode", "text"),
    ("commune_id", "text"),
    ("lon", "float8"),
    ("lat", "float8"),
    ("phone", "text"),
    ("email", "text"),
    ("website", "text"),
    ("opening_hours", "text"),
    ("opening_hours_text", "text"),  # the source's words when they are not OSM syntax
    ("hours_week", "text"),  # int4multirange and tstzmultirange literals (HoursCache),
    ("hours_windows", "text"),  # cast where used: binary COPY has no such Python type
    ("hours_windows_until", "timestamptz"),
    ("closed", "bool"),
    ("hide_address", "bool"),
    ("address_in_region", "bool"),
    ("geocode_precision", "text"),
    ("geocode_score", "float8"),
    ("reject_field", "text"),
    ("reject_reason", "text"),
    ("hard", "bool"),
    ("raw", "text"),
    ("warnings", "text"),  # "field\x1freason\x1fvalue" items joined by \x1e (optional fields)
    ("distance_m", "float8"),  # 0 when located in memory (staging), else set by resolution
)
_PYTHON_TYPES = {"int4": int, "int8": int, "text": str, "float8": float, "bool": bool}

# A row of the staging table by name; a tuple, so COPY takes it as it is. Generated from
# STAGING_COLUMNS: the table and the rows cannot drift apart.
StagedRow = NamedTuple(  # noqa: UP014 (built from the column list, not written out)
    "StagedRow",
    [(name, _PYTHON_TYPES.get(kind, datetime) | None) for name, kind in STAGING_COLUMNS],
)


def _out_of_range_reason() -> str:
    try:
        check_lonlat(0.0, 1e300, WORLD)
    except BadCoordinates as exc:
        return str(exc)
    raise AssertionError("check_lonlat accepted 1e300")  # pragma: no cover


# check_lonlat's own words for a finite position outside WGS84's range (1e300, lat 95):
# such a row is rejected by resolution (SQL) and never given to shapely before.
OUT_OF_RANGE = _out_of_range_reason()
NON_FINITE = reasons.NON_FINITE
NULL_ISLAND = reasons.NULL_ISLAND


class Record:
    """One listing as read from a source, before the SQL stage.

    Defaults are class attributes and ``__init__`` stores only what the reader gives:
    a reader builds one Record per row of files with millions of rows. ``check_record``
    sets the fields after ``hard`` (its verdict and the computed opening hours).
    """

    name = ""
    category_id = None
    category_hint = ""
    siret = ""
    street = ""
    postcode = ""
    commune_id = None  # an INSEE code already known (SIRENE), else from the point
    lon = None
    lat = None
    phone = ""
    email = ""
    website = ""
    opening_hours = ""
    opening_hours_text = ""
    warnings = None  # [(field, reason, value)] once an optional value is left out
    closed = False
    hide_address = False
    address_in_region = False  # the address itself says "in the region"
    geocode_precision = "source"
    geocode_score = None
    reject_field = None  # a rejection applied only if the row is in the region
    reject_reason = None
    hard = False  # rejected whatever the region: the point is not staged
    hours_week = None
    hours_windows = None
    hours_windows_until = None

    def __init__(self, line: int, external_id: str, raw: str = "", **values):
        self.line = line
        self.external_id = external_id
        self.raw = raw
        self.__dict__.update(values)

    def defer_reject(self, field: str, reason: str) -> None:
        if self.reject_reason is None:
            self.reject_field, self.reject_reason = field, reason

    def warn(self, field: str, reason: str, value: str = "") -> None:
        """An optional value left out (or kept as text only): the row is still loaded."""
        if self.warnings is None:
            self.warnings = []
        self.warnings.append((field, reason, value))


@dataclass(frozen=True)
class Skip:
    """A row deliberately not loaded (not an error): e.g. a bank in a SIRENE stock.

    ``reason`` OUTSIDE_REGION counts the row in ``report.outside_region``.
    """

    line: int
    reason: str


@dataclass
class FieldNames:
    """How the source names the fields, for precise rejection messages."""

    id: str = "id"
    location: str = "geometry"
    postcode: str = "addr:postcode"
    siret: str = "siret"
    phone: str = "phone"
    email: str = "email"
    website: str = "website"
    opening_hours: str = "opening_hours"


# Record text fields that are staged (``external_id`` is reported as the source's id).
_TEXT_FIELDS = (
    "external_id",
    "name",
    "siret",
    "street",
    "postcode",
    "phone",
    "email",
    "website",
    "opening_hours",
    "raw",
)
_texts_of = operator.attrgetter(*_TEXT_FIELDS)  # one C call per row, for the NUL check


def check_record(record: Record, hours_cache: HoursCache, names: FieldNames) -> None:
    """The Python-side checks of one record, in place: ``hard`` (rejected whatever the
    region), the reasons, the opening hours normalised and pre-computed."""
    hard = False
    if record.lon is not None or record.lat is not None:
        if record.lon is None or record.lat is None:
            record.reject_field, record.reject_reason = names.location, reasons.ONE_COORDINATE
            hard = True
        elif not (math.isfinite(record.lon) and math.isfinite(record.lat)):
            record.reject_field, record.reject_reason = names.location, NON_FINITE
            hard = True
        elif record.lon == 0 and record.lat == 0:
            record.reject_field, record.reject_reason = names.location, NULL_ISLAND
            hard = True
    if len(record.external_id) > 100:
        record.reject_field = names.id
        record.reject_reason = reasons.long_id(len(record.external_id))
        hard = True
    if "\x00" in "".join(_texts_of(record)):  # one scan rather than ten, on every row
        # PostgreSQL text cannot hold NUL: reject the row, stage it escaped.
        nul = next(f for f in _TEXT_FIELDS if "\x00" in getattr(record, f))
        for name in _TEXT_FIELDS:
            setattr(record, name, getattr(record, name).replace("\x00", "\\x00"))
        if not hard:
            record.reject_field = names.id if nul == "external_id" else getattr(names, nul, nul)
            record.reject_reason = reasons.NUL_BYTE
            hard = True
    if hard:
        record.hard = True
        record.lon = record.lat = None  # not a position: never located nor stored
    if not record.name.strip():
        record.defer_reject("name", reasons.MISSING_NAME)
    if record.category_id is None:
        record.defer_reject("category", reasons.no_category(record.category_hint))
    check_optional(record, hours_cache, names)


_SEPARATORS = str.maketrans({"\x1e": " ", "\x1f": " ", "\x00": ""})


def _staged_warnings(warnings: list[tuple[str, str, str]]) -> str:
    """The warnings column: "field\x1freason\x1fvalue" items joined by \x1e (the
    separators, and NUL, taken out of the values first)."""
    return "\x1e".join(
        "\x1f".join(part.translate(_SEPARATORS)[:RAW_MAX] for part in warning)
        for warning in warnings
    )


_NAME, _STREET = MAX_LENGTHS["name"], MAX_LENGTHS["street"]
_PHONE, _EMAIL, _WEBSITE = MAX_LENGTHS["phone"], MAX_LENGTHS["email"], MAX_LENGTHS["website"]
_new_row = tuple.__new__  # StagedRow(...) through its Python __new__ costs 1 µs more a row


def staged_row(record: Record, commune_id: str | None, distance_m: float | None) -> StagedRow:
    """The staging row of a checked record (values in STAGING_COLUMNS order)."""
    return _new_row(
        StagedRow,
        (
            record.line,
            record.external_id,
            record.name.strip()[:_NAME],
            record.category_id,
            record.siret,
            record.street[:_STREET],
            record.postcode,
            commune_id,
            record.lon,
            record.lat,
            record.phone[:_PHONE],
            record.email[:_EMAIL],
            record.website[:_WEBSITE],
            record.opening_hours,
            record.opening_hours_text,
            record.hours_week,
            record.hours_windows,
            record.hours_windows_until,
            record.closed,
            record.hide_address,
            record.address_in_region,
            record.geocode_precision,
            record.geocode_score,
            record.reject_field,
            record.reject_reason,
            record.hard,
            record.raw[:RAW_MAX],
            None if record.warnings is None else _staged_warnings(record.warnings),
            distance_m,
        ),
    )


_EMPTY_REJECTION = StagedRow(
    **{
        name: "" if kind == "text" else (False if kind == "bool" else None)
        for name, kind in STAGING_COLUMNS
    }
)._replace(external_id="", commune_id=None, hours_week=None, hours_windows=None, warnings=None)


def rejection_row(rejection: Rejection) -> StagedRow:
    """A row that could not even be keyed: staged to be reported, never loaded."""
    return _EMPTY_REJECTION._replace(
        line=rejection.line,
        reject_field=rejection.field,
        reject_reason=rejection.reason,
        hard=True,
        raw=rejection.raw[:RAW_MAX],
    )
