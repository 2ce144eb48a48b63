"""The shared bulk-import pipeline: stream → validate → COPY → set-based SQL upsert.

Every format module (sirene, osm, csv_mapped, geojson) turns its file into a stream of
``Record`` (one listing, possibly carrying a deferred rejection), ``Rejection`` (a row
that cannot even be keyed) and ``Skip``. A format may also offer the same rows checked
column by column (``columnar``: SIRENE does), tried first. ``run_import`` (``run.py``)
then runs, in ONE transaction, one file per stage:

1. ``record.py`` + ``staging.py``: each record checked in Python (coordinates through
   ``territory.region``'s rules, name, category; ``optional.py``: opening hours read and
   pre-computed into the ``hours_*`` columns, phone, e-mail, website — an unreadable one
   is left out with a warning, never a rejection) and COPYed as a ``StagedRow``, good or
   rejected, into a TEMP staging table; from 2 MB of source, points are located in memory;
2. ``resolution.py``: the other points resolved to communes in SQL with the territory's
   own subquery (``commune_of_point_sql``), swapped latitude/longitude, points outside
   the region, addresses contradicting the coordinates, duplicate ids and SIRETs;
3. ``upsert.py``: closures, changed rows only (never a field in ``owned_fields``), new
   listings, links to the listing of another source they duplicate (``merged_into``),
   and with ``full_refresh`` the listings that vanished from the file closed;
4. ``report.py``: counts, the kept rejections and the ``--errors`` CSV.

``csv_helpers.py`` holds what the CSV formats share. Format readers do their database
look-ups (categories, communes) before streaming: the items are produced while the COPY
holds the connection. ``dry_run`` runs the very same statements and rolls back. Any
exception (a killed process, a bug, an unreadable file found mid-way) rolls back
everything: the listings are never half-imported. Rows without coordinates are kept
``pending`` with the moderation note ``GEOCODE_NOTE`` (see ``importers.geocode``).
"""

from .csv_helpers import (
    ENCODING_PROBE,
    bad_encoding,
    departement_of,
    detect_encoding,
    in_region_code,
    open_csv,
    parse_float,
    raw_row,
)
from .record import (
    MAX_LENGTHS,
    OUTSIDE_REGION,
    RAW_MAX,
    STAGING_COLUMNS,
    FieldNames,
    HoursCache,
    Record,
    Skip,
    StagedRow,
    check_record,
)
from .resolution import SUBDIVIDE_FROM
from .run import Pipeline, import_started, run_import, sha256_of
from .staging import CHECK_BATCH, LOCATE_IN_MEMORY_FROM
from .upsert import BULK_FROM, GEOCODE_NOTE, INSERTED_COLUMNS, _untouched_indexes

__all__ = [
    "BULK_FROM",
    "CHECK_BATCH",
    "ENCODING_PROBE",
    "GEOCODE_NOTE",
    "INSERTED_COLUMNS",
    "LOCATE_IN_MEMORY_FROM",
    "MAX_LENGTHS",
    "OUTSIDE_REGION",
    "RAW_MAX",
    "STAGING_COLUMNS",
    "SUBDIVIDE_FROM",
    "FieldNames",
    "HoursCache",
    "Pipeline",
    "Record",
    "Skip",
    "StagedRow",
    "_untouched_indexes",
    "bad_encoding",
    "check_record",
    "departement_of",
    "detect_encoding",
    "import_started",
    "in_region_code",
    "open_csv",
    "parse_float",
    "raw_row",
    "run_import",
    "sha256_of",
]
