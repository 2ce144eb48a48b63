"""Stage 4: what the import rejected: counts, the kept rejections, the --errors file."""

from __future__ import annotations

from pathlib import Path

from ..errors import MAX_KEPT_REJECTIONS, Rejection
from . import columnar
from .record import RAW_MAX


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
