"""Helpers shared by the CSV formats (SIRENE, partner CSV): encoding, dialect, raw rows."""

from __future__ import annotations

import csv
from pathlib import Path

from geo_directory.territory.region import DEPARTEMENTS

from .. import reasons
from ..errors import SourceError
from .record import RAW_MAX

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
        raise SourceError(reasons.unreadable_file(path, exc)) from exc
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
        return column.replace("\x00", "\\x00"), reasons.NUL_BYTE
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
            return column, reasons.bad_encoding(byte, encoding)
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
    return departement_of(code) in DEPARTEMENTS
