"""An import whose process dies does not stay « en cours » for ever.

A real ``manage.py import_sirene`` is killed with SIGKILL in the middle of its COPY: no
``finally`` runs, its ImportRun still says ``running``. The next listing of the runs (the
admin) or the next import finds that no process holds the run any more (its PostgreSQL
advisory lock went with its session) and marks it failed.
"""

import signal
import time
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command

from geo_directory.import_runs.journal import STALE_MESSAGE, mark_stale_runs
from geo_directory.import_runs.models import ImportRun
from tests.importers import sirene_rows as sr
from tests.importers.import_child import dsn, errors_of, start_import, wait_until_copying

REPUBLIQUE = (5.3676, 43.3003)


def _status(path: Path) -> str | None:
    run = ImportRun.objects.filter(file_name=str(path)).first()
    return run and run.status


def test_a_killed_import_is_shown_failed_when_the_runs_are_listed(
    tmp_path, committed_db, admin_client
):
    mark_stale_runs()  # runs other tests' killed processes left
    rows = [sr.row(300_000 + i, name=f"FOURNIL {i}", lonlat=REPUBLIQUE) for i in range(60_000)]
    path = sr.write(tmp_path / "killed.csv", rows)
    child = start_import(path)
    try:
        with psycopg.connect(**dsn(), autocommit=True) as probe:
            copying = wait_until_copying(child, probe)
        assert copying, f"the import ended before it could be killed: {errors_of(path)}"
        # Alive: its run is left alone.
        mark_stale_runs()
        assert _status(path) == "running"
        run = ImportRun.objects.get(file_name=str(path))
        assert run.pid == child.pid and run.host
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert _status(path) == "running"  # nothing of the dead process said otherwise
    deadline = time.monotonic() + 30  # the server ends the dead client's session
    page = admin_client.get("/admin/imports/importrun/")
    while _status(path) == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        page = admin_client.get("/admin/imports/importrun/")
    run = ImportRun.objects.get(file_name=str(path))
    assert (run.status, run.message) == ("failed", STALE_MESSAGE)
    assert run.finished_at is not None
    assert page.status_code == 200 and "échec" in page.content.decode()


@pytest.mark.django_db
def test_a_new_import_marks_the_runs_of_dead_processes_failed(tmp_path):
    # A run left « en cours » by a process that is gone: no session holds its lock.
    dead = ImportRun.objects.create(source="sirene", file_name="/tmp/old.csv", pid=1)
    path = sr.write(tmp_path / "next.csv", [sr.row(9201, name="FOURNIL", lonlat=REPUBLIQUE)])
    call_command("import_sirene", str(path), "--no-progress", verbosity=0)
    dead.refresh_from_db()
    assert (dead.status, dead.message) == ("failed", STALE_MESSAGE)
    assert ImportRun.objects.get(file_name=str(path)).status == "succeeded"


@pytest.mark.django_db
def test_an_exception_marks_the_run_failed_and_frees_it(tmp_path, monkeypatch):
    from importers.pipeline import Pipeline

    def boom(self, cursor):
        raise RuntimeError("panne simulée pendant la résolution")

    monkeypatch.setattr(Pipeline, "resolve", boom)
    path = sr.write(tmp_path / "boom.csv", [sr.row(9301, name="FOURNIL", lonlat=REPUBLIQUE)])
    with pytest.raises(RuntimeError, match="panne simulée"):
        call_command("import_sirene", str(path), "--no-progress", verbosity=0)
    run = ImportRun.objects.get(file_name=str(path))
    assert run.status == "failed" and "panne simulée" in run.message
    # Its lock was given back: another session could take it right away.
    with psycopg.connect(**dsn(), autocommit=True) as other:
        from geo_directory.import_runs.journal import LOCK_CLASS

        free = other.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, run.pk])
        assert free.fetchone()[0]
