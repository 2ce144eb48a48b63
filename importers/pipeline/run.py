"""The entry point: ``run_import`` runs the four stages in ONE transaction.

Whoever keeps a journal of the runs (the ``imports`` app's ``ImportRun``) listens to
``import_started``: its receiver returns an object with ``finished(report)`` and
``failed(report, exc)``, called at the end. The pipeline itself knows no such model.
"""

from __future__ import annotations

import getpass
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import connection, transaction
from django.dispatch import Signal

from .. import reasons
from ..errors import ImportReport, SourceError
from . import columnar
from .record import FieldNames
from .report import Reporting
from .resolution import Resolution
from .staging import Staging
from .upsert import Upsert

# Sent before the transaction, with ``source`` (the kind: sirene, osm...), ``path``,
# ``sha256``, ``size``, ``user``, ``launched_by``, ``options`` and ``origin``. A receiver may return
# a journal: ``finished(report)`` / ``failed(report, exc)`` are called on it at the end.
import_started = Signal()


class Pipeline(Staging, Resolution, Upsert, Reporting):
    """The state one import shares between its stages (one file per stage)."""

    def __init__(
        self, source: str, names: FieldNames, report: ImportReport, path: Path | None = None
    ):
        self.source = source  # the kind of source (Business.Source): the listings' key
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
        self.warned_rows = 0  # rows with an optional value left out (warnings)

    def execute(self, cursor, sql: str, params: dict | None = None) -> int:
        cursor.execute(sql, {"source": self.source, **(params or {})})
        return cursor.rowcount


class DryRunRollback(Exception):
    pass


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


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
    origin: dict | None = None,
) -> ImportReport:
    """Run ``items()`` (a format's stream of Record/Rejection/Skip) through the pipeline.

    Raises SourceError when the file is unreadable (nothing written); any other
    exception also leaves the listings as they were (one transaction). ``record_run``
    False: no ``import_started`` (no journal of this run). ``origin``: where a downloaded
    file came from (``url``, ``sha256`` of the download), for the journal.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(reasons.file_not_found(path))
    report = ImportReport(file_name=path.name, dry_run=dry_run)
    try:
        report.sha256, size = sha256_of(path)
    except OSError as exc:
        raise SourceError(reasons.unreadable_file(path, exc)) from exc
    journals = []
    if record_run:
        answers = import_started.send(
            sender=Pipeline,
            source=source,
            path=path,
            sha256=report.sha256,
            size=size,
            user=user,
            launched_by=getattr(user, "username", None) or _os_user(),
            options={"dry_run": dry_run, "full_refresh": full_refresh},
            origin=origin or {},
        )
        journals = [journal for _, journal in answers if journal is not None]
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
        for journal in journals:
            journal.failed(report, exc)
        raise
    report.seconds = time.monotonic() - started
    if not dry_run:
        report.timings["commit"] = round(time.monotonic() - committing, 2)
    for journal in journals:
        journal.finished(report)
    return report


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
