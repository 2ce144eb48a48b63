"""The shared bulk-import pipeline: stream → validate → COPY → set-based SQL upsert.

Every format module (sirene, osm, csv_mapped, geojson) turns its file into a stream of
``Record`` (one listing, possibly carrying a deferred rejection) and ``Rejection`` (a row
that cannot even be keyed). A format may also offer the same rows checked column by
column (``importers.columnar``: SIRENE does), tried first. ``run_import`` then, in ONE
transaction:

1. streams them (tqdm progress, rows/s) through the Python checks that need Python
   (coordinates, name, category, opening hours parsed and pre-computed into the
   ``hours_*`` columns via ``geo_directory.businesses.hours.compute``, cached by
   expression) and COPYs every row, good or rejected, into a TEMP staging table;
2. resolves the points to communes in SQL with the territory's own subquery
   (``commune_of_point_sql``: ST_Intersects, then the 250 m nearest fallback), detects
   swapped latitude/longitude, counts points outside the region, rejects addresses
   whose postcode contradicts the coordinates, duplicate ids and duplicate SIRETs;
3. closes listings the source says are closed, updates changed rows only
   (``IS DISTINCT FROM``, never a field listed in ``owned_fields``), inserts new ones,
   links new records to an existing listing of another source (same SIRET, or within
   50 m with a trigram-similar name: ``merged_into`` points the new, secondary record to
   the primary; ``Business.objects.published()`` excludes merged records), and with
   ``full_refresh`` closes the listings of that source that vanished from the file.

Format readers do their database look-ups (categories, communes) before streaming: the
items are produced while the COPY holds the connection.

``dry_run`` runs the very same statements and rolls the transaction back. Any exception
(a killed process, a bug, an unreadable file found mid-way) rolls back everything: the
listings are never half-imported. Rows without coordinates are kept ``pending`` with an
empty ``geocode_precision`` and a moderation note "à géocoder" (see ``importers.geocode``).
"""

from __future__ import annotations

import csv
import gc
import getpass
import hashlib
import math
import operator
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from tqdm import tqdm

from geo_directory.businesses import hours
from geo_directory.businesses.bulk import indexes_rebuilt_after, name_words_added_after
from geo_directory.territory.managers import COAST_TOLERANCE_M, commune_of_point_sql
from geo_directory.territory.point_index import CommunePointIndex

from . import columnar
from .errors import MAX_KEPT_REJECTIONS, ImportReport, Rejection, SourceError
from .osm_tags import PACA_DEPARTEMENTS

DUPLICATE_DISTANCE_M = 50
NAME_SIMILARITY = 0.4  # pg_trgm similarity of immutable_unaccent(lower(name))
GEOCODE_NOTE = "à géocoder : la source ne donne pas de coordonnées"
DIFF_SAMPLE = 10
SUBDIVIDE_FROM = 5_000  # points from which SQL tests them against subdivided boundaries
LOCATE_IN_MEMORY_FROM = 2_000_000  # bytes of source (≈ 10,000 SIRENE rows): see stage()
CHECK_BATCH = 10_000  # records checked (and located) together
TEMP_BUFFERS = "512MB"  # memory for the staging tables, when the session allows it
BULK_FROM = 20_000  # new listings from which indexes are rebuilt after the insert
RAW_MAX = 2000

# Limits of businesses_business columns (longer values are cut, hours are rejected).
MAX_LENGTHS = {"name": 200, "street": 255, "phone": 30, "email": 254, "website": 500}


class Record:
    """One listing as read from a source, before the SQL stage.

    Defaults are class attributes and ``__init__`` stores only what the reader gives:
    a reader builds one Record per row of files with millions of rows.
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
    closed = False
    hide_address = False
    address_in_region = False  # the address itself says "in the region"
    geocode_precision = "source"
    geocode_score = None
    reject_field = None  # a rejection applied only if the row is in the region
    reject_reason = None

    def __init__(self, line: int, external_id: str, raw: str = "", **values):
        self.line = line
        self.external_id = external_id
        self.raw = raw
        self.__dict__.update(values)

    def defer_reject(self, field: str, reason: str) -> None:
        if self.reject_reason is None:
            self.reject_field, self.reject_reason = field, reason


OUTSIDE_REGION = "outside the region"


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
    ("distance_m", "float8"),  # 0 when located in memory (stage), else set by resolve
)


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class HoursCache:
    """``hours.compute`` per distinct expression (sources repeat a few thousand at most)."""

    def __init__(self, limit: int = 50_000):
        self.limit = limit
        self.cache: dict[str, tuple] = {}

    def get(self, expression: str):
        """(normalised, week, windows, until) as COPY text, or raise InvalidHours."""
        hit = self.cache.get(expression)
        if hit is None:
            try:
                normalised = hours.validate(expression)
                computed = hours.compute(normalised)
                hit = (
                    normalised,
                    None
                    if computed.week is None
                    else "{" + ",".join(f"[{lo},{hi})" for lo, hi in computed.week) + "}",
                    None
                    if computed.windows is None
                    else "{"
                    + ",".join(
                        f'["{lo.isoformat()}","{hi.isoformat()}")' for lo, hi in computed.windows
                    )
                    + "}",
                    computed.windows_until,
                )
            except hours.InvalidHours as exc:
                hit = (exc,)
            if len(self.cache) >= self.limit:
                self.cache.clear()
            self.cache[expression] = hit
        if len(hit) == 1:
            raise hit[0]
        return hit


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


def _check(record: Record, hours_cache: HoursCache, names: FieldNames) -> list:
    """Python-side validation; the row of the staging table (rejections are staged too)."""
    hard = False
    if record.lon is not None or record.lat is not None:
        if record.lon is None or record.lat is None:
            record.reject_field, record.reject_reason = names.location, "only one coordinate"
            hard = True
        elif not (math.isfinite(record.lon) and math.isfinite(record.lat)):
            record.reject_field, record.reject_reason = names.location, "non-finite coordinates"
            hard = True
        elif record.lon == 0 and record.lat == 0:
            record.reject_field = names.location
            record.reject_reason = "coordinates (0, 0): no real position"
            hard = True
    if len(record.external_id) > 100:
        record.reject_field = names.id
        record.reject_reason = f"identifier longer than 100 characters ({len(record.external_id)})"
        hard = True
    if "\x00" in "".join(_texts_of(record)):  # one scan rather than ten, on every row
        # PostgreSQL text cannot hold NUL: reject the row, stage it escaped.
        nul = next(f for f in _TEXT_FIELDS if "\x00" in getattr(record, f))
        for name in _TEXT_FIELDS:
            setattr(record, name, getattr(record, name).replace("\x00", "\\x00"))
        if not hard:
            record.reject_field = names.id if nul == "external_id" else getattr(names, nul, nul)
            record.reject_reason = "NUL byte (0x00) in the field: not text"
            hard = True
    if not record.name.strip():
        record.defer_reject("name", "missing name")
    if record.category_id is None:
        record.defer_reject("category", f"no category for {record.category_hint or 'this row'}")
    week = windows = until = None
    if record.opening_hours:
        if len(record.opening_hours) > 1000:
            record.defer_reject(
                "opening_hours",
                f"opening hours longer than 1000 characters ({len(record.opening_hours)})",
            )
        else:
            try:
                record.opening_hours, week, windows, until = hours_cache.get(record.opening_hours)
            except hours.InvalidHours as exc:
                record.defer_reject("opening_hours", str(exc))
    return [
        record.line,
        record.external_id,
        record.name.strip()[: MAX_LENGTHS["name"]],
        record.category_id,
        record.siret,
        record.street[: MAX_LENGTHS["street"]],
        record.postcode,
        record.commune_id,
        None if hard else record.lon,
        None if hard else record.lat,
        record.phone[: MAX_LENGTHS["phone"]],
        record.email[: MAX_LENGTHS["email"]],
        record.website[: MAX_LENGTHS["website"]],
        record.opening_hours,
        week,
        windows,
        until,
        record.closed,
        record.hide_address,
        record.address_in_region,
        record.geocode_precision,
        record.geocode_score,
        record.reject_field,
        record.reject_reason,
        hard,
        record.raw[:RAW_MAX],
        None,
    ]


def _rejection_tuple(rejection: Rejection) -> tuple:
    return (
        rejection.line,
        "",
        "",
        None,
        "",
        "",
        "",
        None,
        None,
        None,
        "",
        "",
        "",
        "",
        None,
        None,
        None,
        False,
        False,
        False,
        "",
        None,
        rejection.field,
        rejection.reason,
        True,
        rejection.raw[:RAW_MAX],
        None,
    )


_OK = "s.reject_reason IS NULL AND NOT s.outside"
_POINT = "ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)"

# (owned-field name, column, staged value): what an import may change, unless owned.
_UPDATABLE = (
    ("name", "name", "s.name"),
    ("category", "category_id", "s.category_id"),
    ("street", "street", "s.street"),
    ("postcode", "postcode", "s.postcode"),
    ("phone", "phone", "s.phone"),
    ("email", "email", "s.email"),
    ("website", "website", "s.website"),
    ("opening_hours", "opening_hours", "s.opening_hours"),
)


# The columns insert_new fills (in the order of its SELECT).
INSERTED_COLUMNS = (
    "name",
    "category_id",
    "siret",
    "description",
    "street",
    "postcode",
    "commune_id",
    "location",
    "geocode_precision",
    "geocode_score",
    "phone",
    "email",
    "website",
    "opening_hours",
    "hours_week",
    "hours_windows",
    "hours_windows_until",
    "offers_pickup",
    "offers_delivery",
    "status",
    "moderation_note",
    "source",
    "external_id",
    "owned_fields",
    "created_at",
    "updated_at",
)


def _untouched_indexes() -> list[str]:
    """The partial indexes ``WHERE column IS NOT NULL`` of columns insert_new leaves NULL
    (owner, merged_into, delivery_zone): a bulk load adds no entry to them, so they stay."""
    from geo_directory.businesses.models import Business

    names = []
    for index in Business._meta.indexes:
        condition = index.condition
        if condition is None or condition.negated or len(condition.children) != 1:
            continue
        lookup, value = condition.children[0]
        field, _, operator_ = lookup.partition("__")
        column = Business._meta.get_field(field).column
        if operator_ == "isnull" and value is False and column not in INSERTED_COLUMNS:
            names.append(index.name)
    return names


def _changed_sql() -> str:
    parts = [
        f"('{owned}' <> ALL(b.owned_fields) AND b.{column} IS DISTINCT FROM {value})"
        for owned, column, value in _UPDATABLE
    ]
    parts.append(
        f"('location' <> ALL(b.owned_fields) AND s.lon IS NOT NULL"
        f" AND b.location IS DISTINCT FROM {_POINT})"
    )
    parts.append(
        "('siret' <> ALL(b.owned_fields) AND s.siret <> '' AND b.siret IS DISTINCT FROM s.siret"
        " AND NOT EXISTS (SELECT 1 FROM businesses_business h"
        " WHERE h.siret = s.siret AND h.id <> b.id))"
    )
    parts.append("(b.status = 'closed' AND NOT s.closed)")  # open again in the source
    return "(" + " OR ".join(parts) + ")"


_HOURS = (  # (column, staged value)
    ("hours_week", "s.hours_week::int4multirange"),
    ("hours_windows", "s.hours_windows::tstzmultirange"),
    ("hours_windows_until", "s.hours_windows_until"),
)


def _set_sql() -> str:
    sets = [
        f"{column} = CASE WHEN '{owned}' = ANY(b.owned_fields) THEN b.{column} ELSE {value} END"
        for owned, column, value in _UPDATABLE
    ]
    keep_hours = "'opening_hours' = ANY(b.owned_fields)"
    for column, staged in _HOURS:
        sets.append(f"{column} = CASE WHEN {keep_hours} THEN b.{column} ELSE {staged} END")
    keep_location = "('location' = ANY(b.owned_fields) OR s.lon IS NULL)"
    sets.append(f"location = CASE WHEN {keep_location} THEN b.location ELSE {_POINT} END")
    for column in ("commune_id", "geocode_precision", "geocode_score"):
        sets.append(f"{column} = CASE WHEN {keep_location} THEN b.{column} ELSE s.{column} END")
    sets.append(
        "siret = CASE WHEN 'siret' = ANY(b.owned_fields) OR s.siret = '' OR EXISTS ("
        "SELECT 1 FROM businesses_business h WHERE h.siret = s.siret AND h.id <> b.id)"
        " THEN b.siret ELSE s.siret END"
    )
    # A listing waiting for a position ("à géocoder") that the source now places is
    # published; a closed one the source lists as active again is reopened.
    waiting = (
        f"(b.status = 'pending' AND b.location IS NULL AND b.moderation_note = '{GEOCODE_NOTE}')"
    )
    sets.append(
        f"status = CASE WHEN {waiting} AND s.lon IS NOT NULL AND NOT {keep_location}"
        " THEN 'published' WHEN b.status <> 'closed' THEN b.status"
        " WHEN b.location IS NOT NULL OR s.lon IS NOT NULL THEN 'published' ELSE 'pending' END"
    )
    sets.append(
        f"moderation_note = CASE WHEN {waiting} AND s.lon IS NOT NULL AND NOT {keep_location}"
        " THEN '' ELSE b.moderation_note END"
    )
    sets.append("updated_at = now()")
    return ", ".join(sets)


class Pipeline:
    def __init__(
        self, source: str, names: FieldNames, report: ImportReport, path: Path | None = None
    ):
        self.source = source
        self.names = names
        self.report = report
        self.path = path
        self.raw_from_file = False  # column lane: raw lines read back for rejections only
        # Tallied while streaming, to skip set-based checks that cannot find anything.
        self.closed_rows = 0
        self.hidden_rows = 0  # addresses not disclosed beyond the commune
        self.siret_not_id = 0  # rows whose SIRET is not their identifier
        self.ids_unique = False  # known when every identifier was read as a number
        self.to_locate = 0  # rows with a point not located in memory, left to resolve()

    def execute(self, cursor, sql: str, params: dict | None = None) -> int:
        cursor.execute(sql, {"source": self.source, **(params or {})})
        return cursor.rowcount

    def stage(
        self,
        cursor,
        items: Iterable,
        progress: bool,
        total: int | None,
        size: int = 0,
        columns: Callable[[], Iterator[columnar.ColumnBatch]] | None = None,
    ) -> None:
        """Check every item in Python and COPY it (good or rejected) into the staging table.

        Records are checked by batches of CHECK_BATCH. From LOCATE_IN_MEMORY_FROM bytes
        of source, their points are also resolved to communes in memory
        (``CommunePointIndex``); the others are left to ``resolve`` (SQL, with its coast
        rules). A format that reads its file column by column (``columns``) is tried
        first; if the file needs the row reader (``NotColumnar``), what it staged is
        rolled back to a savepoint and ``items`` are read instead.
        """
        _roomy_temp_buffers(cursor)
        columns_sql = ", ".join(
            f"{name} {kind}"
            + (f" DEFAULT {columnar.DEFAULTS[name]}" if name in columnar.DEFAULTS else "")
            for name, kind in STAGING_COLUMNS
        )
        cursor.execute("DROP TABLE IF EXISTS import_staging")
        cursor.execute(f"CREATE TEMP TABLE import_staging ({columns_sql}) ON COMMIT DROP")
        # Built before the COPY: the connection cannot query while it streams.
        started = time.monotonic()
        index = CommunePointIndex(cursor) if size >= LOCATE_IN_MEMORY_FROM else None
        report = self.report
        report.timings["stream: commune index"] = round(time.monotonic() - started, 2)
        bar = tqdm(
            items,
            total=total,
            unit=" rows",
            unit_scale=True,
            mininterval=0.5,
            disable=not progress,
            desc=report.source[:30],
        )
        if columns is not None:
            try:
                with transaction.atomic():
                    self.copy_columns(cursor, columns(), index, bar)
                self.raw_from_file = True
            except columnar.NotColumnar as exc:
                report.notes.append(f"lu ligne à ligne : {exc}")
                bar.reset()
        if not self.raw_from_file:
            # No cyclic garbage is made per row; the collector would only rescan the batch.
            collecting = gc.isenabled()
            gc.disable()
            try:
                self.copy_items(cursor, bar, index, HoursCache())
            finally:
                if collecting:
                    gc.enable()
        bar.close()
        started = time.monotonic()
        cursor.execute("ALTER TABLE import_staging ADD COLUMN outside bool NOT NULL DEFAULT false")
        _analyze_sampled(cursor, "import_staging")
        report.timings["stream: analyze"] = round(time.monotonic() - started, 2)

    def copy_columns(self, cursor, batches: Iterable[columnar.ColumnBatch], index, bar) -> None:
        """The column lane's COPY: batches finished, located and written as CSV by a
        background thread while this one sends the previous batch.

        The tallies reach the report only once every batch is staged: a NotColumnar
        half-way leaves the report as it was, for the row lane.
        """
        names = self.names
        staged = columnar.prefetched(
            columnar.prepare(batch, names.location, MAX_LENGTHS, index) for batch in batches
        )
        tallies = []
        with cursor.copy(
            f"COPY import_staging ({', '.join(columnar.STAGED)}) FROM STDIN (FORMAT csv)"
        ) as copy:
            for batch in staged:
                copy.write(batch.data)
                batch.data = None
                tallies.append(batch)
                bar.update(batch.read)
        self.ids_unique = columnar.all_different([batch.ids for batch in tallies])
        report = self.report
        for batch in tallies:
            report.read += batch.read
            report.outside_region += batch.outside_region
            report.skipped.update(batch.skipped)
            self.closed_rows += batch.closed
            self.hidden_rows += batch.hidden
            self.siret_not_id += batch.siret_not_id
            self.to_locate += batch.to_locate

    def copy_items(self, cursor, items: Iterable, index, hours_cache: HoursCache) -> None:
        """The COPY itself: records checked by batch (and located when ``index`` is set)."""
        report = self.report
        buffer: list[Record] = []
        # Binary COPY: numbers and booleans go as they are, not formatted then parsed.
        with cursor.copy(
            f"COPY import_staging ({', '.join(n for n, _ in STAGING_COLUMNS)})"
            " FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types([kind for _, kind in STAGING_COLUMNS])
            write = copy.write_row
            for item in items:
                report.read += 1
                if isinstance(item, Record):
                    if item.closed:
                        self.closed_rows += 1
                    if item.hide_address:
                        self.hidden_rows += 1
                    if item.siret and item.siret != item.external_id:
                        self.siret_not_id += 1
                    buffer.append(item)
                    if len(buffer) >= CHECK_BATCH:
                        self.write_batch(write, buffer, index, hours_cache)
                elif isinstance(item, Rejection):
                    write(_rejection_tuple(item))
                elif item.reason == OUTSIDE_REGION:
                    report.outside_region += 1
                else:  # Skip
                    report.skipped[item.reason] += 1
            if buffer:
                self.write_batch(write, buffer, index, hours_cache)

    def write_batch(self, write, buffer: list[Record], index, hours_cache) -> None:
        """Check a batch of records, locate their points when ``index`` is set, write
        them, then empty ``buffer``."""
        rows = [_check(record, hours_cache, self.names) for record in buffer]
        if index is None:
            codes = [None] * len(rows)
        else:
            codes = index.codes_at(
                [math.nan if row[8] is None else row[8] for row in rows],
                [math.nan if row[9] is None else row[9] for row in rows],
                [row[7] for row in rows],  # the commune the source names: tested first
            )
        for row, code in zip(rows, codes, strict=True):
            if code is not None:  # inside a boundary: commune and distance 0 are known
                row[7], row[-1] = code, 0.0
            elif row[8] is not None:
                self.to_locate += 1
            write(row)
        buffer.clear()

    def resolve(self, cursor) -> None:
        """Communes, region, swapped coordinates, contradictions, duplicates (all SQL)."""
        if self.to_locate:  # else every point is inside a commune: none is far or swapped
            self.locate_the_rest(cursor)
        self.execute(
            cursor,
            "UPDATE import_staging AS s SET reject_field = %(field)s, reject_reason = format("
            "'address %%s contradicts the coordinates (commune %%s, département %%s)',"
            " s.postcode, s.commune_id, left(s.commune_id, 2)) FROM territory_commune c"
            " WHERE s.lon IS NOT NULL AND NOT s.hard AND NOT s.outside AND s.postcode <> ''"
            " AND c.code = s.commune_id AND left(s.postcode, 2) <> left(s.commune_id, 2)"
            # Some communes of the 04 have a 05 postcode (04066 → 05110): not a contradiction.
            " AND s.postcode <> ALL(c.postcodes)",
            {"field": self.names.postcode},
        )
        # "Hide the address beyond the commune": no street, no postcode, the commune's centre.
        if self.hidden_rows:
            self.execute(
                cursor,
                "UPDATE import_staging AS s SET street = '', postcode = '',"
                " lon = ST_X(c.centre), lat = ST_Y(c.centre), geocode_precision = 'municipality',"
                " geocode_score = NULL FROM territory_commune c"
                f" WHERE s.hide_address AND {_OK} AND c.code = s.commune_id"
                " AND c.centre IS NOT NULL",
            )
        self.reject_duplicates(cursor)

    def locate_the_rest(self, cursor) -> None:
        """Points not located in memory: nearest commune within the coast tolerance, else
        swapped coordinates, or outside the region (rejected if the address says inside)."""
        names = self.names
        communes = "territory_commune"
        if self.to_locate >= SUBDIVIDE_FROM:
            cursor.execute("DROP TABLE IF EXISTS import_communes")
            cursor.execute(
                "CREATE TEMP TABLE import_communes ON COMMIT DROP AS SELECT code,"
                " ST_Subdivide(boundary, 48) AS boundary FROM territory_commune"
                " WHERE boundary IS NOT NULL"
            )
            cursor.execute("CREATE INDEX ON import_communes USING gist (boundary)")
            cursor.execute("ANALYZE import_communes")
            communes = "import_communes"
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET (commune_id, distance_m) ="
            f" ({commune_of_point_sql(_POINT, communes)})"
            " WHERE s.lon IS NOT NULL AND s.distance_m IS NULL",
        )
        far = f"(s.commune_id IS NULL OR s.distance_m > {COAST_TOLERANCE_M})"
        swapped_point = "ST_SetSRID(ST_MakePoint(s.lat, s.lon), 4326)"
        swapped = (
            f"SELECT 1 FROM ({commune_of_point_sql(swapped_point)})"
            f" AS w WHERE w.code IS NOT NULL AND w.distance_m <= {COAST_TOLERANCE_M}"
        )
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET reject_field = %(field)s, hard = true,"
            f" reject_reason = 'latitude and longitude swapped'"
            f" WHERE s.lon IS NOT NULL AND {far} AND EXISTS ({swapped})",
            {"field": names.location},
        )
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET reject_field = %(field)s, hard = true,"
            f" reject_reason = format('coordinates %%s km outside the region while the address"
            f" says %%s', to_char(s.distance_m / 1000, 'FM999990.0'),"
            f" COALESCE(NULLIF(s.postcode, ''), 'it is in the region'))"
            f" WHERE s.lon IS NOT NULL AND NOT s.hard AND {far} AND s.address_in_region",
            {"field": names.location},
        )
        # In nowhere: counted, not reported (a national file is mostly outside the region).
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET outside = true, reject_field = NULL,"
            f" reject_reason = NULL WHERE s.lon IS NOT NULL AND NOT s.hard AND {far}",
        )

    def reject_duplicates(self, cursor) -> None:
        names = self.names
        if not self.ids_unique:
            self.execute(
                cursor,
                "UPDATE import_staging AS s SET reject_field = %(field)s, reject_reason = format("
                "'duplicate identifier %%s (first at #%%s)', s.external_id, d.first_line)"
                " FROM (SELECT external_id, min(line) AS first_line"
                f"        FROM import_staging s WHERE {_OK} GROUP BY external_id"
                "        HAVING count(*) > 1) AS d"
                f" WHERE s.external_id = d.external_id AND d.first_line < s.line AND {_OK}",
                {"field": names.id},
            )
        if not self.siret_not_id:
            return  # every SIRET is its row's identifier: the duplicates are rejected above
        self.execute(
            cursor,
            "UPDATE import_staging AS s SET reject_field = %(field)s, reject_reason = format("
            "'duplicate SIRET %%s (first at #%%s)', s.siret, d.first_line)"
            " FROM (SELECT siret, min(line) AS first_line"
            f"        FROM import_staging s WHERE {_OK} AND s.siret <> '' GROUP BY siret"
            "        HAVING count(*) > 1) AS d"
            f" WHERE s.siret = d.siret AND d.first_line < s.line AND {_OK}",
            {"field": names.siret},
        )

    def upsert(self, cursor, full_refresh: bool) -> None:
        report = self.report
        match = "b.source = %(source)s AND b.external_id = s.external_id"
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM businesses_business WHERE source = %s)", [self.source]
        )
        matched = 0
        if cursor.fetchone()[0]:  # else a first load: nothing to match, close or update
            cursor.execute(
                f"SELECT count(*) FROM import_staging s JOIN businesses_business b ON {match}"
                f" WHERE {_OK}",
                {"source": self.source},
            )
            matched = cursor.fetchone()[0]
            report.closed = self.execute(
                cursor,
                f"UPDATE businesses_business b SET status = 'closed', updated_at = now()"
                f" FROM import_staging s WHERE {match} AND {_OK} AND s.closed"
                f" AND b.status <> 'closed'",
            )
            self.sample_diffs(cursor, match)
            report.updated = self.execute(
                cursor,
                f"UPDATE businesses_business b SET {_set_sql()} FROM import_staging s"
                f" WHERE {match} AND {_OK} AND NOT s.closed AND {_changed_sql()}",
            )
        report.unchanged = matched - report.closed - report.updated
        started = time.monotonic()
        bulk = self.bulk_load(cursor, matched)
        if bulk:
            with indexes_rebuilt_after(cursor, keep=_untouched_indexes()):
                # The table is ours (ACCESS EXCLUSIVE) until the commit: every id above
                # the current maximum is one this import inserts.
                cursor.execute("SELECT COALESCE(max(id), 0) FROM businesses_business")
                since_id = cursor.fetchone()[0]
                with name_words_added_after(cursor, since_id):
                    self.insert_new(cursor, match)
                inserted = time.monotonic()
            rebuilt = time.monotonic()
            created = ("n.id > %(since_id)s", {"since_id": since_id})
        else:
            cursor.execute("DROP TABLE IF EXISTS import_created")
            cursor.execute("CREATE TEMP TABLE import_created (id bigint) ON COMMIT DROP")
            self.insert_new(cursor, match, returning_into="import_created")
            inserted = time.monotonic()
            created = ("n.id IN (SELECT id FROM import_created)", {})
        report.timings["upsert: insert"] = round(inserted - started, 2)
        if bulk:
            report.timings["upsert: rebuild indexes"] = round(rebuilt - inserted, 2)
        if self.closed_rows:
            cursor.execute(
                "SELECT count(*) FROM import_staging s"
                f" WHERE {_OK} AND s.closed AND NOT EXISTS (SELECT 1 FROM businesses_business b"
                f" WHERE {match})",
                {"source": self.source},
            )
            closed_unlisted = cursor.fetchone()[0]
            if closed_unlisted:
                report.skipped["closed in the source and not listed"] += closed_unlisted
        report.merged = self.link_duplicates(cursor, *created)
        if full_refresh:
            report.vanished = self.execute(
                cursor,
                "UPDATE businesses_business b SET status = 'closed', updated_at = now()"
                " WHERE b.source = %(source)s AND b.external_id IS NOT NULL"
                " AND b.status <> 'closed' AND b.owner_id IS NULL AND NOT EXISTS ("
                " SELECT 1 FROM import_staging s WHERE s.external_id = b.external_id)",
            )

    def bulk_load(self, cursor, matched: int) -> bool:
        """Whether to rebuild the listings' indexes after the insert.

        When the new rows are at least BULK_FROM and at least half the table: a first
        load or a massive one, where building indexes once beats updating them row by row.
        """
        cursor.execute(f"SELECT count(*) FROM import_staging s WHERE {_OK} AND NOT s.closed")
        new = cursor.fetchone()[0] - matched
        cursor.execute(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class"
            " WHERE oid = 'businesses_business'::regclass"
        )
        return new >= BULK_FROM and new >= cursor.fetchone()[0] / 2

    def insert_new(self, cursor, match: str, returning_into: str | None = None) -> None:
        """Insert the records no listing of this source holds yet; with ``returning_into``,
        keep their ids in that table."""
        insert = f"""INSERT INTO businesses_business ({", ".join(INSERTED_COLUMNS)})
              SELECT s.name, s.category_id,
                     CASE WHEN s.siret <> '' AND h.id IS NULL THEN s.siret END,
                     '', s.street, s.postcode, s.commune_id, {_POINT},
                     CASE WHEN s.lon IS NULL THEN '' ELSE s.geocode_precision END,
                     s.geocode_score, s.phone, s.email, s.website, s.opening_hours,
                     {", ".join(staged for _, staged in _HOURS)}, false, false,
                     CASE WHEN s.lon IS NULL THEN 'pending' ELSE 'published' END,
                     CASE WHEN s.lon IS NULL THEN %(note)s ELSE '' END,
                     %(source)s, s.external_id, '{{}}', now(), now()
                FROM import_staging s
                LEFT JOIN businesses_business h ON s.siret <> '' AND h.siret = s.siret
               WHERE {_OK} AND NOT s.closed AND NOT EXISTS (
                     SELECT 1 FROM businesses_business b WHERE {match})"""
        if returning_into:
            insert = (
                f"WITH created AS ({insert} RETURNING id)"
                f" INSERT INTO {returning_into} SELECT id FROM created"
            )
        self.report.created = self.execute(cursor, insert, {"note": GEOCODE_NOTE})

    def link_duplicates(self, cursor, created: str, params: dict) -> int:
        """Point each new record to the listing of another source it duplicates.

        ``created`` is the SQL condition on ``n`` (a listing) of the records this import
        inserted, with its ``params``. Set-based joins, so the planner can start from the
        smaller side (usually the listings of the other sources): first the same SIRET
        (the new record could not take it, the unique constraint holds it elsewhere),
        then, for the rest, the nearest listing within DUPLICATE_DISTANCE_M with a
        trigram-similar name.
        """
        cursor.execute("ANALYZE businesses_business")
        by_siret = self.execute(
            cursor,
            f"""UPDATE businesses_business AS n
                   SET merged_into_id = COALESCE(o.merged_into_id, o.id)
                  FROM import_staging s, businesses_business o
                 WHERE {created} AND s.external_id = n.external_id AND {_OK}
                   AND n.siret IS NULL AND s.siret <> '' AND o.siret = s.siret
                   AND o.source <> %(source)s AND o.id <> n.id""",
            params,
        )
        nearby = self.execute(
            cursor,
            f"""UPDATE businesses_business AS t SET merged_into_id = m.primary_id
                  FROM (
                    SELECT DISTINCT ON (n.id) n.id, COALESCE(o.merged_into_id, o.id) AS primary_id
                      FROM businesses_business o
                      JOIN businesses_business n
                        ON ST_DWithin(o.location_l93, n.location_l93, {DUPLICATE_DISTANCE_M})
                     WHERE {created}
                       AND o.source <> %(source)s AND o.id <> n.id AND n.merged_into_id IS NULL
                       AND similarity(immutable_unaccent(lower(o.name)),
                                      immutable_unaccent(lower(n.name))) >= {NAME_SIMILARITY}
                     ORDER BY n.id, o.location_l93 <-> n.location_l93
                  ) AS m
                 WHERE t.id = m.id""",
            params,
        )
        return by_siret + nearby

    def sample_diffs(self, cursor, match: str) -> None:
        columns = [(owned, column, value) for owned, column, value in _UPDATABLE]
        columns.append(
            ("location", "location", f"CASE WHEN s.lon IS NULL THEN b.location ELSE {_POINT} END")
        )
        columns.append(("status", "status", "CASE WHEN s.closed THEN 'closed' ELSE b.status END"))
        selects = ", ".join(
            f"CASE WHEN '{owned}' = ANY(b.owned_fields) THEN NULL ELSE"
            f" ARRAY[b.{column}::text, ({value})::text] END"
            for owned, column, value in columns
        )
        cursor.execute(
            f"SELECT s.external_id, {selects} FROM import_staging s"
            f" JOIN businesses_business b ON {match}"
            f" WHERE {_OK} AND (s.closed AND b.status <> 'closed'"
            f"  OR NOT s.closed AND {_changed_sql()}) ORDER BY s.line LIMIT {DIFF_SAMPLE}",
            {"source": self.source},
        )
        for external_id, *pairs in cursor.fetchall():
            changes = {
                column: (pair[0], pair[1])
                for (_, column, _), pair in zip(columns, pairs, strict=True)
                if pair is not None and pair[0] != pair[1]
            }
            self.report.diffs.append({"external_id": external_id, "changes": changes})

    def collect_rejections(self, cursor, errors_path: Path | None) -> None:
        """Counts, the kept rejections and the --errors file, from one scan of the staging
        table into the small ``import_rejected``."""
        report = self.report
        cursor.execute("DROP TABLE IF EXISTS import_rejected")
        cursor.execute(
            "CREATE TEMP TABLE import_rejected ON COMMIT DROP AS"
            " SELECT line, reject_field, reject_reason, raw, outside FROM import_staging s"
            " WHERE s.reject_reason IS NOT NULL OR s.outside"
        )
        if self.raw_from_file:
            self.read_back_raw(cursor)
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE outside) FROM import_rejected")
        total, outside = cursor.fetchone()
        report.outside_region += outside
        report.rejected_count = total - outside
        rejected = "SELECT line, reject_field, reject_reason, raw FROM import_rejected"
        rejected += " WHERE NOT outside ORDER BY line"
        cursor.execute(f"{rejected} LIMIT {MAX_KEPT_REJECTIONS}")
        report.rejected = [Rejection(*row) for row in cursor.fetchall()]
        if errors_path is not None:
            with Path(errors_path).open("wb") as handle:
                handle.write(b"line,field,reason,raw\n")
                with cursor.copy(f"COPY ({rejected}) TO STDOUT WITH (FORMAT csv)") as copy:
                    for chunk in copy:
                        handle.write(chunk)

    def read_back_raw(self, cursor) -> None:
        """The column lane stages no raw row: the rejected ones are read back from the
        file by line number (rejections are few; the file is read only if any)."""
        cursor.execute("SELECT line FROM import_rejected WHERE NOT outside AND raw IS NULL")
        numbers = [line for (line,) in cursor.fetchall()]
        if not numbers:
            return
        found = columnar.lines_of(self.path, numbers, RAW_MAX)
        cursor.execute(
            "UPDATE import_rejected r SET raw = t.raw FROM unnest(%s::int4[], %s::text[])"
            " AS t(line, raw) WHERE r.line = t.line",
            [list(found), list(found.values())],
        )


class DryRunRollback(Exception):
    pass


def run_import(
    path: Path,
    source: str,
    items: Callable[[], Iterator],
    *,
    columns: Callable[[], Iterator[columnar.ColumnBatch]] | None = None,
    names: FieldNames | None = None,
    dry_run: bool = False,
    full_refresh: bool = False,
    errors_path: Path | None = None,
    progress: bool = False,
    user=None,
    total: int | None = None,
    record_run: bool = True,
) -> ImportReport:
    """Run ``items()`` (a format's stream of Record/Rejection/Skip) through the pipeline.

    Raises SourceError when the file is unreadable (nothing written); any other
    exception also leaves the listings as they were (one transaction).
    """
    from geo_directory.imports.models import ImportRun

    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: file not found")
    report = ImportReport(source=path.name, dry_run=dry_run)
    try:
        report.sha256, size = sha256_of(path)
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror})") from exc
    run = None
    if record_run:
        run = ImportRun.objects.create(
            source=source,
            file_name=str(path),
            file_sha256=report.sha256,
            file_size=size,
            user=user if getattr(user, "pk", None) else None,
            launched_by=getattr(user, "username", None) or _os_user(),
            options={"dry_run": dry_run, "full_refresh": full_refresh},
        )
    started = time.monotonic()
    pipeline = Pipeline(source, names or FieldNames(), report, path)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for stage, call in (
                    (
                        "stream+copy",
                        lambda: pipeline.stage(cursor, items(), progress, total, size, columns),
                    ),
                    ("resolve", lambda: pipeline.resolve(cursor)),
                    ("upsert", lambda: pipeline.upsert(cursor, full_refresh)),
                    ("report", lambda: pipeline.collect_rejections(cursor, errors_path)),
                ):
                    stage_started = time.monotonic()
                    call()
                    report.timings[stage] = round(time.monotonic() - stage_started, 2)
            if dry_run:
                raise DryRunRollback
            committing = time.monotonic()
    except DryRunRollback:
        pass
    except BaseException as exc:
        if run is not None:
            run.status = ImportRun.Status.FAILED
            run.message = f"{type(exc).__name__}: {exc}"[:5000]
            run.finished_at = timezone.now()
            run.read = report.read
            run.save()
        raise
    report.seconds = time.monotonic() - started
    if not dry_run:
        report.timings["commit"] = round(time.monotonic() - committing, 2)
    if run is not None:
        run.status = ImportRun.Status.DRY_RUN if dry_run else ImportRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
        for name in ("read", "created", "updated", "unchanged", "merged", "outside_region"):
            setattr(run, name, getattr(report, name))
        run.closed = report.closed + report.vanished
        run.skipped = sum(report.skipped.values())
        run.rejected = report.rejected_count
        run.message = report.summary(detail=20)[:20000]
        run.save()
    return report


def _analyze_sampled(cursor, table: str, target: int = 10) -> None:
    """ANALYZE from 300 × ``target`` sampled rows (default 100: 30,000 rows, nearly every
    page of a million-row staging table, 0.7 s). The statistics only choose hash joins
    over the staging table; the setting is put back for the listings' own ANALYZE."""
    cursor.execute("SELECT current_setting('default_statistics_target')")
    (previous,) = cursor.fetchone()
    cursor.execute("SELECT set_config('default_statistics_target', %s, true)", [str(target)])
    cursor.execute(f"ANALYZE {table}")
    cursor.execute("SELECT set_config('default_statistics_target', %s, true)", [previous])


def _roomy_temp_buffers(cursor) -> None:
    """Give the session TEMP_BUFFERS of memory for temporary tables (8 MB by default).

    The staging table of a million rows weighs about 200 MB: in 8 MB, its COPY and each
    SQL pass over it write and re-read it from disk (COPY 4.3 s instead of 2.9 s). The
    setting can only change before the session's first temporary table: a session that
    already had one keeps its value.
    """
    try:
        with transaction.atomic():
            cursor.execute("SELECT set_config('temp_buffers', %s, false)", [TEMP_BUFFERS])
    except DatabaseError:
        pass


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


# --- helpers shared by the CSV formats -------------------------------------------------

ENCODING_PROBE = 1 << 16


def detect_encoding(path: Path, forced: str | None = None) -> str:
    """UTF-8 (with or without BOM) if the first 64 KiB decode as such, else Latin-1."""
    if forced:
        return forced
    with Path(path).open("rb") as handle:
        head = handle.read(ENCODING_PROBE)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut by the probe
            return "latin-1"
    return "utf-8"


def open_csv(path: Path, encoding: str):
    """A csv.reader over ``path``; undecodable bytes survive as surrogates (see bad_encoding)."""
    try:
        handle = Path(path).open(  # noqa: SIM115 (closed by the reader when exhausted)
            encoding=encoding, errors="surrogateescape", newline=""
        )
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror})") from exc
    sample = handle.read(ENCODING_PROBE)
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    csv.field_size_limit(1 << 24)
    return handle, csv.reader(handle, delimiter=delimiter)


def bad_encoding(row: list[str], header: list[str], encoding: str) -> tuple[str, str] | None:
    """(column, reason) when a field holds bytes that are not ``encoding``, or a NUL byte
    (PostgreSQL text cannot hold one), else None."""
    joined = "".join(row)
    if "\x00" in joined:
        index = next(i for i, value in enumerate(row) if "\x00" in value)
        column = header[index] if index < len(header) else f"column {index + 1}"
        return column.replace("\x00", "\\x00"), "NUL byte (0x00) in the field: not text"
    try:
        joined.encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    for index, value in enumerate(row):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            byte = ord(value[exc.start]) - 0xDC00
            column = header[index] if index < len(header) else f"column {index + 1}"
            return column, (
                f"bad encoding: byte 0x{byte:02X} is not valid {encoding} (file read as "
                f"{encoding}; give the right encoding with --encoding if it is Latin-1)"
            )
    return None


def raw_row(row: list[str]) -> str:
    raw = ",".join(row).encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.replace("\x00", "\\x00")[:RAW_MAX]  # PostgreSQL text cannot hold NUL


def parse_float(value: str) -> float | None:
    value = (value or "").strip().replace(",", ".")
    return float(value) if value else None


def departement_of(code: str) -> str:
    return (code or "")[:2]


def in_region_code(code: str) -> bool:
    return departement_of(code) in PACA_DEPARTEMENTS
