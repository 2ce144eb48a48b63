"""What an importer reports: a file it cannot read, or a row it rejects."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import reasons
from .reasons import plural

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
        """In French: read by the data team (command output, the admin's import runs)."""
        prefix = "SIMULATION (rien n’est écrit) : " if self.dry_run else ""
        rate = f", {_number(self.read / self.seconds)} lignes/s" if self.seconds else ""
        counts = [
            plural(self.read, "ligne lue", "lignes lues"),
            plural(self.created, "fiche créée", "fiches créées"),
            plural(self.updated, "mise à jour", "mises à jour"),
            plural(self.unchanged, "inchangée", "inchangées"),
            plural(self.closed, "fermée", "fermées"),
            plural(
                self.vanished, "fermée car absente du fichier", "fermées car absentes du fichier"
            ),
            plural(
                self.merged, "rattachée à une fiche existante", "rattachées à une fiche existante"
            ),
            plural(
                self.outside_region,
                "hors de la région (non chargée)",
                "hors de la région (non chargées)",
            ),
            plural(sum(self.skipped.values()), "ligne ignorée", "lignes ignorées"),
            plural(self.rejected_count, "ligne rejetée", "lignes rejetées"),
            plural(
                self.warning_count,
                "avertissement (fiche chargée sans une valeur)",
                "avertissements (fiches chargées sans une valeur)",
            ),
        ]
        lines = [f"{prefix}{self.file_name} : {', '.join(counts)}{rate}"]
        lines += [
            f"  {plural(count, 'ignorée', 'ignorées')} : {reason}"
            for reason, count in self.skipped.most_common()
        ]
        lines += [f"  rejetée {r}" for r in self.rejected[:detail]]
        if self.rejected_count > detail:
            more = self.rejected_count - detail
            lines.append(
                f"  … et {plural(more, 'autre ligne rejetée', 'autres lignes rejetées')}"
                " (voir --errors)"
            )
        lines += [f"  avertissement {w}" for w in self.warnings[:detail]]
        if self.warning_count > detail:
            more = self.warning_count - detail
            lines.append(
                f"  … et {plural(more, 'autre avertissement', 'autres avertissements')}"
                " (voir --errors)"
            )
        for diff in self.diffs:
            changes = ", ".join(
                f"{name} : {old!r} → {new!r}" for name, (old, new) in diff["changes"].items()
            )
            lines.append(f"  modification {diff['external_id']} : {changes}")
        lines += [f"  remarque : {n}" for n in self.notes]
        return "\n".join(lines)


def _number(value: float) -> str:
    """« 12 345 »: French groups digits with a narrow no-break space."""
    return f"{value:,.0f}".replace(",", "\u202f")


def read_json(path: Path):
    """Parse a JSON file, or raise SourceError saying what is wrong and where."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(reasons.file_not_found(path))
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise SourceError(reasons.invalid_json(path, exc.lineno, exc.colno)) from exc
    except RecursionError as exc:
        # json's C parser recurses per nesting level: a hostile file would take the
        # process down, or stop it half-way. No listing source nests more than a few levels.
        raise SourceError(
            f"{path} : JSON imbriqué trop profondément (plus de {sys.getrecursionlimit()}"
            " niveaux) : fichier refusé, rien n'est importé"
        ) from exc
    except UnicodeDecodeError as exc:
        raise SourceError(reasons.not_text(path, "UTF-8", exc.start)) from exc
    except OSError as exc:
        raise SourceError(reasons.unreadable_file(path, exc)) from exc


def feature_collection(path: Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection (or a lone Feature), or SourceError."""
    data = read_json(path)
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise SourceError(f"{path} : {reasons.NOT_A_FEATURE_COLLECTION}")
    features = data.get("features")
    if not isinstance(features, list):
        raise SourceError(f"{path} : {reasons.NO_FEATURES_LIST}")
    return features
