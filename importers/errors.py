"""What an importer reports: a file it cannot read, or a row it rejects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


class SourceError(Exception):
    """The file itself is unusable (missing, unreadable, not the expected format).

    Raised before anything is written; commands turn it into a non-zero exit status.
    """


@dataclass(frozen=True)
class Rejection:
    """One input row or feature that was not loaded, and precisely why."""

    line: int  # 1-based row number (CSV) or feature number (GeoJSON)
    field: str
    reason: str
    raw: str = ""

    def __str__(self):
        return f"#{self.line} [{self.field}] {self.reason}"


@dataclass
class ImportReport:
    source: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    outside_region: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, line: int, field_name: str, reason: str, raw: str = "") -> None:
        self.rejected.append(Rejection(line, field_name, reason, raw))

    def summary(self) -> str:
        lines = [
            f"{self.source}: {self.read} read, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.outside_region} outside the region (not loaded), "
            f"{len(self.rejected)} rejected"
        ]
        lines += [f"  rejected {r}" for r in self.rejected]
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
