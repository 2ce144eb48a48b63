"""Stage 4: what the import rejected or loaded without a value (warnings): counts, the
kept rejections and warnings, the --errors file."""

from __future__ import annotations

from pathlib import Path

from ..errors import MAX_KEPT_REJECTIONS, FieldWarning, Rejection
from . import columnar
from .record import RAW_MAX
from .sql import OK

# One warning a row of the listings loaded: staging holds them as
# "field\x1freason\x1fvalue" items joined by \x1e (``staged_row``).
_WARNINGS = (
    "SELECT s.line, split_part(w, E'\\x1f', 1), split_part(w, E'\\x1f', 2),"
    " split_part(w, E'\\x1f', 3)"
    " FROM import_staging s, unnest(string_to_array(s.warnings, E'\\x1e')) AS w"
    f" WHERE s.warnings IS NOT NULL AND {OK}"
)


class Reporting:
    """The report stage of ``Pipeline``."""

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
        rejected += " WHERE NOT outside"
        cursor.execute(f"{rejected} ORDER BY line LIMIT {MAX_KEPT_REJECTIONS}")
        report.rejected = [Rejection(*row) for row in cursor.fetchall()]
        # Warnings: rows loaded without one of their optional values (never rejected).
        # Staging tallied the rows with any: none (a SIRENE file), no scan.
        if self.warned_rows:
            cursor.execute(f"SELECT count(*) FROM ({_WARNINGS}) AS w")
            report.warning_count = cursor.fetchone()[0]
            cursor.execute(f"{_WARNINGS} ORDER BY s.line LIMIT {MAX_KEPT_REJECTIONS}")
            report.warnings = [FieldWarning(*row) for row in cursor.fetchall()]
        if errors_path is not None:
            # Rejections first, then warnings, told apart by the last column ``kind``
            # (last: the columns of the file before warnings keep their places). For a
            # warning, ``raw`` is the value left out.
            with Path(errors_path).open("wb") as handle:
                handle.write(b"line,field,reason,raw,kind\n")
                parts = [("rejected", rejected)]
                if self.warned_rows:
                    parts.append(("warning", _WARNINGS))
                for kind, query in parts:
                    select = (
                        f"SELECT line, field, reason, raw, '{kind}' FROM ({query})"
                        " AS r(line, field, reason, raw) ORDER BY line"
                    )
                    with cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)") as copy:
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
