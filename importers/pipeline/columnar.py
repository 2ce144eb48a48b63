"""Staging rows checked column by column: the pipeline's fast lane for big CSV sources.

Row by row, Python spends about 25 µs on each row of a SIRENE file (parse, build a
Record, check it, hand it to COPY): 25 s a million rows, five times a plain COPY of the
whole file. A format that can read its file with pyarrow instead (``importers.sirene_columns``)
gives the pipeline ``ColumnBatch`` objects: tens of thousands of rows whose every rule
was applied as one vectorised operation. ``finish_batch`` applies the format-independent
checks of ``record.check_record`` the same way, and the batch goes to the staging table as
CSV written by pyarrow's C++ writer.

The row path stays the reference: a format that cannot read a file exactly as the
``csv`` module would raises ``NotColumnar`` and the pipeline reads it row by row instead;
tests check that both lanes stage the same rows.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full, Queue

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo_directory.territory.region import WORLD

from ..reasons import MISSING_NAME, NON_FINITE, NULL_ISLAND

# The staging columns a batch fills, in COPY order (see ColumnBatch); the others (no
# source of this lane has phones or hours, the raw rows are read back) take these
# defaults, or NULL.
STAGED = (
    "line",
    "external_id",
    "name",
    "category_id",
    "siret",
    "street",
    "postcode",
    "commune_id",
    "lon",
    "lat",
    "closed",
    "hide_address",
    "address_in_region",
    "geocode_precision",
    "geocode_score",
    "reject_field",
    "reject_reason",
    "hard",
    "distance_m",
)
DEFAULTS = {
    "phone": "''",
    "email": "''",
    "website": "''",
    "opening_hours": "''",
    "opening_hours_text": "''",
}


class NotColumnar(Exception):
    """This file must be read row by row (the message says why)."""


@dataclass
class ColumnBatch:
    """Rows of a source, in the staging table's layout, checked by their format.

    ``table`` holds one row per record or rejection (skipped rows are only counted),
    with the columns ``line``, ``external_id``, ``name``, ``category_id``, ``siret``,
    ``street``, ``postcode``, ``commune_id``, ``lon``, ``lat``, ``closed``,
    ``hide_address``, ``address_in_region``, ``geocode_precision``, ``geocode_score``,
    ``reject_field``, ``reject_reason`` and ``hard``: rejections are rows with ``hard``
    set and the other fields empty, as ``record.rejection_row`` stages them.
    """

    table: pa.Table
    read: int
    outside_region: int = 0
    skipped: Counter = field(default_factory=Counter)


def finish_batch(batch: ColumnBatch, location_field: str, max_lengths: dict) -> ColumnBatch:
    """``record.check_record`` on a whole batch: coordinates that are no position (hard
    rejections: the point is not staged), a missing name (deferred: the row is rejected
    only if in the region), names and streets cut to ``max_lengths``
    (``record.MAX_LENGTHS``)."""
    t = batch.table.combine_chunks()
    record = ~_numpy(t["hard"])
    lon, lat = _numpy(t["lon"]), _numpy(t["lat"])  # null: NaN
    has = record & _numpy(pc.is_valid(t["lon"]))
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(lon) & np.isfinite(lat)
        zero = has & finite & (lon == 0) & (lat == 0)
    nonfinite = has & ~finite
    hard = nonfinite | zero
    blank = _numpy(pc.equal(pc.utf8_trim_whitespace(t["name"]), ""))
    unnamed = record & ~hard & blank & _numpy(pc.is_null(t["reject_reason"]))
    field_ = _numpy(t["reject_field"]).astype(object)
    reason = _numpy(t["reject_reason"]).astype(object)
    field_[hard] = location_field
    reason[nonfinite] = NON_FINITE
    reason[zero] = NULL_ISLAND
    field_[unnamed], reason[unnamed] = "name", MISSING_NAME
    columns = {
        "name": pc.utf8_slice_codeunits(t["name"], 0, max_lengths["name"]),
        "street": pc.utf8_slice_codeunits(t["street"], 0, max_lengths["street"]),
        "lon": pa.array(lon, mask=hard | ~has),
        "lat": pa.array(lat, mask=hard | ~has),
        "reject_field": pa.array(field_, pa.string()),
        "reject_reason": pa.array(reason, pa.string()),
        "hard": pa.array(~record | hard),
    }
    for name, values in columns.items():
        t = t.set_column(t.schema.get_field_index(name), name, values)
    batch.table = t
    return batch


def _numpy(values) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False)


def locate(table: pa.Table, index) -> tuple[pa.Table, int]:
    """Communes of the staged points found in memory (distance 0); the count of points
    left to the SQL rules (coast, swapped coordinates, outside the region)."""
    # Nulls (no point) come out as NaN, which positions_at leaves alone.
    lon = _numpy(table["lon"])
    lat = _numpy(table["lat"])
    codes = pa.array(index.codes, pa.string())
    hinted = pc.fill_null(pc.index_in(table["commune_id"], value_set=codes), -1)
    # Only positions check_lonlat would take reach shapely; the others are rejected by SQL.
    with np.errstate(invalid="ignore"):
        sound = (lon >= WORLD[0]) & (lon <= WORLD[2]) & (lat >= WORLD[1]) & (lat <= WORLD[3])
    positions = index.positions_at(
        np.where(sound, lon, np.nan), np.where(sound, lat, np.nan), _numpy(hinted)
    )
    located = positions >= 0
    found = pc.take(codes, pa.array(positions, mask=~located))
    commune = pc.if_else(pa.array(located), found, table["commune_id"])
    distance = pa.array(np.zeros(len(table)), mask=~located)
    table = table.set_column(table.schema.get_field_index("commune_id"), "commune_id", commune)
    table = table.append_column("distance_m", distance)
    return table, int(np.count_nonzero(~np.isnan(lon) & ~located))


@dataclass
class Staged:
    """A batch ready for COPY, and what the pipeline tallies of it."""

    data: memoryview  # CSV of the STAGED columns
    read: int
    outside_region: int
    skipped: Counter
    closed: int
    hidden: int
    siret_not_id: int
    to_locate: int
    ids: np.ndarray | None  # the identifiers as numbers (8 bytes a row), None if not all are


def prepare(batch: ColumnBatch, location_field: str, max_lengths: dict, index=None) -> Staged:
    """Finish ``batch``, locate its points when ``index`` is given, write it as CSV."""
    table = finish_batch(batch, location_field, max_lengths).table
    if index is not None:
        table, to_locate = locate(table, index)
    else:
        table = table.append_column("distance_m", pa.nulls(len(table), pa.float64()))
        to_locate = len(table) - table["lon"].null_count
    siret = table["siret"]
    other_siret = pc.and_(pc.not_equal(siret, ""), pc.not_equal(siret, table["external_id"]))
    return Staged(
        data=csv_bytes(table.select(STAGED)),
        read=batch.read,
        outside_region=batch.outside_region,
        skipped=batch.skipped,
        closed=_count(table["closed"]),
        hidden=_count(table["hide_address"]),
        siret_not_id=_count(other_siret),
        to_locate=to_locate,
        ids=_numbers(table["external_id"]),
    )


def _numbers(ids) -> np.ndarray | None:
    """The non-empty identifiers as int64 (a SIRET is 14 digits), None if one is not."""
    ids = pc.filter(ids, pc.not_equal(ids, ""))
    try:
        return _numpy(pc.cast(ids, pa.int64()))
    except pa.ArrowInvalid:
        return None


def all_different(numbers: list[np.ndarray | None]) -> bool:
    """Whether the identifiers of a whole file are all different, so that the SQL pass
    looking for duplicates (a hash of every identifier, 1.5 s a million rows) can be
    skipped. False when unknown; two ids that only differ by leading zeros count as the
    same: the SQL pass then decides."""
    if any(part is None for part in numbers):
        return False
    ids = np.concatenate(numbers) if numbers else np.empty(0, np.int64)
    return len(np.unique(ids)) == len(ids)


def _count(flags) -> int:
    return int(pc.sum(flags).as_py() or 0)


def csv_bytes(table: pa.Table) -> memoryview:
    """The batch as COPY ... (FORMAT csv) reads it: strings quoted ("" is an empty
    string), nulls left empty (NULL), booleans as 1/0 (shorter than true/false)."""
    for i, column in enumerate(table.columns):
        if column.type == pa.bool_():
            table = table.set_column(i, table.field(i).name, column.cast(pa.int8()))
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
    return memoryview(sink.getvalue())


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


_DONE = object()


def prefetched(items: Iterable, depth: int = 2) -> Iterator:
    """``items``, made by a background thread at most ``depth`` ahead.

    pyarrow, numpy and shapely release the GIL: the next batch is parsed and checked
    while PostgreSQL reads this one, and memory stays bounded by ``depth`` batches. An
    exception of the thread is raised here; leaving early stops the thread.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.05)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 (handed to the consumer)
            put(_Failed(exc))
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name="import-prefetch", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join()


def line_chunks(handle, size: int) -> Iterator[bytes]:
    """What is left to read of ``handle`` (binary), in chunks of about ``size`` bytes
    that end with a line break (or the file's end). A UTF-8 character never holds the
    byte of a line break: each chunk also decodes on its own."""
    carry = b""
    while block := handle.read(size):
        block = carry + block
        cut = block.rfind(b"\n") + 1
        carry = block[cut:]
        if cut:
            yield block[:cut]
    if carry:
        yield carry


def line_count(chunk: bytes) -> int:
    """The lines of a chunk of ``line_chunks``."""
    return chunk.count(b"\n") + (not chunk.endswith(b"\n"))


def lines_of(path: Path, numbers: list[int], limit: int, chunk: int = 1 << 20) -> dict[int, str]:
    """The text of these physical lines of ``path`` (1-based), cut to ``limit``.

    Chunks without a wanted line are only counted (``bytes.count``, C speed): reading
    three rejected lines back from a million-row file costs a tenth of a second.
    """
    wanted = sorted(set(numbers))
    found: dict[int, str] = {}
    i, line = 0, 1  # ``line``: the number of the chunk's first line
    with Path(path).open("rb") as handle:
        for block in line_chunks(handle, chunk):
            count = line_count(block)
            if wanted[i:] and wanted[i] < line + count:
                texts = block.split(b"\n")
                while i < len(wanted) and wanted[i] < line + count:
                    found[wanted[i]] = _text(texts[wanted[i] - line], limit)
                    i += 1
            if i == len(wanted):
                break
            line += count
    return found


def _text(line: bytes, limit: int) -> str:
    return line.rstrip(b"\r").decode("utf-8", "backslashreplace")[:limit]
