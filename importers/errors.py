"""What an importer reports: a file it cannot read, or a row it rejects."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Rejections kept in memory for the report; all of them go to the --errors file.
MAX_KEPT_REJECTIONS = 10_000


class SourceError(Exception):
    """The file itself is unusable (missing, unreadable, not the expected format).

    Raised before anything is written; commands turn it into a non-zero exit status.
    """


@dataclass(frozen=True)
class Rejection:
    """One input row or feature that was not loaded, and precisely why."""

    line: int  # 1-based physical line (CSV, header = line 1) or feature number (GeoJSON)
    field: str
    reason: str
    raw: str = ""

    def __str__(self):
        return f"#{self.line} [{self.field}] {self.reason}"


@dataclass(frozen=True)
class FieldWarning:
    """An optional value left out of a listing that was loaded (issue #18: an unreadable
    phone, website or opening hours never rejects the row). ``reason`` is French: it is
    read by the partner's staff, and never holds a parser's internals."""

    line: int  # as Rejection.line
    field: str
    reason: str
    value: str = ""

    def __str__(self):
        return f"#{self.line} [{self.field}] {self.reason}"


@dataclass
class ImportReport:
    file_name: str  # the file imported (the kind of source is Pipeline.source)
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0  # listings closed because the source says so (SIRENE etat F)
    vanished: int = 0  # listings closed by --full-refresh: no longer in the source
    merged: int = 0  # new records linked to an existing listing of another source
    outside_region: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejected_count: int = 0
    warnings: list[FieldWarning] = field(default_factory=list)  # loaded rows, a value left out
    warning_count: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason → rows deliberately not loaded
    notes: list[str] = field(default_factory=list)
    diffs: list[dict] = field(default_factory=list)  # a sample of updates: id → {field: (old, new)}
    dry_run: bool = False
    sha256: str = ""
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  # stage → seconds

    def reject(self, line: int, field_name: str, reason: str, raw: str = "") -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_KEPT_REJECTIONS:
            self.rejected.append(Rejection(line, field_name, reason, raw))

    def summary(self, detail: int = 50) -> str:
        prefix = "DRY RUN (nothing written): " if self.dry_run else ""
        rate = f", {self.read / self.seconds:,.0f} rows/s" if self.seconds else ""
        lines = [
            f"{prefix}{self.file_name}: {self.read} read, {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.closed} closed, "
            f"{self.vanished} closed as vanished, {self.merged} linked to an existing listing, "
            f"{self.outside_region} outside the region (not loaded), "
            f"{sum(self.skipped.values())} skipped, {self.rejected_count} rejected, "
            f"{self.warning_count} warning(s) (loaded without a value){rate}"
        ]
        lines += [f"  skipped {count}: {reason}" for reason, count in self.skipped.most_common()]
        lines += [f"  rejected {r}" for r in self.rejected[:detail]]
        if self.rejected_count > detail:
            lines.append(f"  ... and {self.rejected_count - detail} more rejections (see --errors)")
        lines += [f"  warning {w}" for w in self.warnings[:detail]]
        if self.warning_count > detail:
            lines.append(f"  ... and {self.warning_count - detail} more warnings (see --errors)")
        for diff in self.diffs:
            changes = ", ".join(
                f"{name}: {old!r} → {new!r}" for name, (old, new) in diff["changes"].items()
            )
            lines.append(f"  change {diff['external_id']}: {changes}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def read_json(path: Path):
    """Parse a JSON file, or raise SourceError saying what is wrong and where."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: file not found")
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        # json's C parser recurses per nesting level: a hostile file would take the
        # process down, or stop it half-way. No listing source nests more than a few levels.
        raise SourceError(
            f"{path} : JSON imbriqué trop profondément (plus de {sys.getrecursionlimit()}"
            " niveaux) : fichier refusé, rien n'est importé"
        ) from exc
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror})") from exc


def feature_collection(path: Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection (or a lone Feature), or SourceError."""
    data = read_json(path)
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise SourceError(f"{path}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise SourceError(f"{path}: FeatureCollection without a 'features' list")
    return features
