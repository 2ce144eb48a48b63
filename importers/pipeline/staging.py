"""Stage 1: every item checked and COPYed, good or rejected, into the TEMP staging table.

Two lanes fill the same table: the row lane (``Record`` by ``Record``, binary COPY of
``StagedRow``) and the column lane beside it (``columnar``: batches of a format that
reads its file column by column, CSV COPY), tried first when the format offers it.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterable, Iterator

from django.db import DatabaseError, transaction
from tqdm import tqdm

from geo_directory.territory.point_index import CommunePointIndex
from geo_directory.territory.region import WORLD, in_box

from ..errors import Rejection
from . import columnar
from .record import (
    MAX_LENGTHS,
    OUTSIDE_REGION,
    STAGING_COLUMNS,
    HoursCache,
    Record,
    StagedRow,
    check_record,
    rejection_row,
    staged_row,
)

LOCATE_IN_MEMORY_FROM = 2_000_000  # bytes of source (≈ 10,000 SIRENE rows): see stage()
CHECK_BATCH = 10_000  # records checked (and located) together
TEMP_BUFFERS = "512MB"  # memory for the staging tables, when the session allows it


class Staging:
    """The staging stage of ``Pipeline`` (its state is set by ``Pipeline.__init__``)."""

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
            unit=" lignes",
            unit_scale=True,
            mininterval=0.5,
            disable=not progress,
            desc=report.file_name[:30],
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
            f"COPY import_staging ({', '.join(StagedRow._fields)}) FROM STDIN (FORMAT BINARY)"
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
                    write(rejection_row(item))
                elif item.reason == OUTSIDE_REGION:
                    report.outside_region += 1
                else:  # Skip
                    report.skipped[item.reason] += 1
            if buffer:
                self.write_batch(write, buffer, index, hours_cache)

    def write_batch(self, write, buffer: list[Record], index, hours_cache) -> None:
        """Check a batch of records, locate their points when ``index`` is set, write
        them, then empty ``buffer``."""
        names = self.names
        for record in buffer:
            check_record(record, hours_cache, names)
            if record.warnings is not None:
                self.warned_rows += 1
        if index is None:
            codes = [None] * len(buffer)
        else:
            # Only positions check_lonlat would take reach shapely (the others, NaN here,
            # are left to resolution, which rejects them).
            sound = [
                record.lon is not None and in_box(record.lon, record.lat, WORLD)
                for record in buffer
            ]
            nan = math.nan
            codes = index.codes_at(
                [r.lon if ok else nan for r, ok in zip(buffer, sound, strict=True)],
                [r.lat if ok else nan for r, ok in zip(buffer, sound, strict=True)],
                [record.commune_id for record in buffer],  # the source's commune: tried first
            )
        for record, code in zip(buffer, codes, strict=True):
            if code is not None:  # inside a boundary: commune and distance 0 are known
                write(staged_row(record, code, 0.0))
            else:
                if record.lon is not None:
                    self.to_locate += 1
                write(staged_row(record, record.commune_id, None))
        buffer.clear()


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
