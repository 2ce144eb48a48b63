"""The journal of import runs: one ``ImportRun`` per ``importers`` run, and runs whose
process died found and marked failed.

The pipeline announces each run (``importers.pipeline.import_started``); this app's
receiver records it and returns a ``RunJournal`` the pipeline tells how the run ended.

A run ``running`` whose process was killed (SIGKILL, OOM killer, power cut) never
reaches ``finished`` nor ``failed``. So that it does not stay « en cours » for ever, the
process holds a PostgreSQL session advisory lock on the run for its whole life: the server
releases it when the session ends, however the process ended. A run still ``running``
whose lock is free has no process left: ``mark_stale_runs`` marks it failed, before every
new run and whenever the runs are listed (admin).
"""

from __future__ import annotations

import os
import socket

from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from importers.errors import SourceError

from .models import ImportRun

# The advisory lock's first key: « import runs » (the second is the run's id).
LOCK_CLASS = 93_1815
STALE_MESSAGE = (
    "interrompu : le processus d'import s'est arrêté sans finir (tué ou planté) ; "
    "une seule transaction, rien n'a été écrit"
)

# Runs this process holds: a session's advisory lock is re-entrant, so the test below
# would take this process's own live runs for dead ones.
_held: set[int] = set()


class RunJournal:
    """What the pipeline tells of one run's end, written to its ``ImportRun``."""

    def __init__(self, run: ImportRun):
        self.run = run

    def finished(self, report) -> None:
        run = self.run
        run.status = ImportRun.Status.DRY_RUN if report.dry_run else ImportRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
        for name in ("read", "created", "updated", "unchanged", "merged", "outside_region"):
            setattr(run, name, getattr(report, name))
        run.closed = report.closed + report.vanished
        run.skipped = sum(report.skipped.values())
        run.rejected = report.rejected_count
        run.warnings = report.warning_count
        run.message = report.summary(detail=20)[:20000]
        run.save()
        _release(run.pk)

    def failed(self, report, exc: BaseException) -> None:
        run = self.run
        run.status = ImportRun.Status.FAILED
        run.message = failure_message(exc)[:5000]
        run.finished_at = timezone.now()
        run.read = report.read
        try:
            run.save()
            _release(run.pk)
        except (DatabaseError, TransactionManagementError):
            # The database is gone (the cause, often): the lock went with the session,
            # and the next listing marks the run failed. The caller sees ``exc``.
            _held.discard(run.pk)


def failure_message(exc: BaseException) -> str:
    """What the admin shows of a failed run, in French: a refused file says why; anything
    else (a bug, the database gone, the process interrupted) names the exception for the
    developers."""
    if isinstance(exc, SourceError):
        return f"fichier refusé, rien n’est écrit : {exc}"
    detail = f"{type(exc).__name__} : {exc}" if str(exc) else type(exc).__name__
    return f"échec, rien n’est écrit (une seule transaction, annulée) : {detail}"


def journal_of_run(
    sender, *, source, path, sha256, size, user, launched_by, options, origin=None, **extra
):
    """``import_started`` receiver: the run recorded, its lock taken, then visible.

    ``origin``: where a downloaded file came from (``url``, ``sha256`` of the download)."""
    origin = origin or {}
    mark_stale_runs()
    with transaction.atomic():
        run = ImportRun.objects.create(
            source=source,
            file_name=str(path),
            file_sha256=sha256,
            file_size=size,
            user=user if getattr(user, "pk", None) else None,
            launched_by=launched_by,
            options=options,
            host=socket.gethostname()[:255],
            source_url=origin.get("url", "")[:500],
            download_sha256=origin.get("sha256", ""),
            pid=os.getpid(),
        )
        # Taken before the row is committed: no one can see the run without its lock.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, run.pk])
        _held.add(run.pk)
    return RunJournal(run)


def mark_stale_runs() -> int:
    """Mark failed the runs ``running`` whose process is gone; how many."""
    marked = 0
    table, failed = ImportRun._meta.db_table, ImportRun.Status.FAILED
    running = ImportRun.objects.filter(status=ImportRun.Status.RUNNING).exclude(pk__in=_held)
    with connection.cursor() as cursor:
        for pk in running.values_list("pk", flat=True):
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, pk])
            if not cursor.fetchone()[0]:
                continue  # its process is alive and holds it
            try:
                # SKIP LOCKED: a run some other transaction is already marking is left to
                # it; starting an import never waits on a listing of the runs.
                cursor.execute(
                    f"UPDATE {table} SET status = %s, finished_at = %s, message = %s"
                    f" WHERE id IN (SELECT id FROM {table} WHERE id = %s AND status = %s"
                    " FOR UPDATE SKIP LOCKED)",
                    [failed, timezone.now(), STALE_MESSAGE, pk, ImportRun.Status.RUNNING],
                )
                marked += cursor.rowcount
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, pk])
    return marked


def _release(pk: int) -> None:
    _held.discard(pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, pk])
