"""A real ``manage.py import_sirene`` in a child process on the test database, and a
probe connection to watch it: for the tests that kill an import mid-way."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def dsn() -> dict:
    """The test database, for a connection of its own (autocommit, outside the test's)."""
    current = connection.settings_dict
    return {
        key: value
        for key, value in {
            "host": current["HOST"],
            "port": current["PORT"],
            "user": current["USER"],
            "dbname": current["NAME"],
        }.items()
        if value
    }


def start_import(path: Path) -> subprocess.Popen:
    """The child; what it writes on stderr goes to ``<path>.stderr`` (see ``errors_of``)."""
    env = dict(os.environ, PGDATABASE=connection.settings_dict["NAME"])
    env.pop("DATABASE_URL", None)
    with Path(f"{path}.stderr").open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "import_sirene", "--no-progress", str(path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def errors_of(path: Path) -> str:
    return Path(f"{path}.stderr").read_text(errors="replace")[-3000:]


def wait_until_copying(child: subprocess.Popen, probe: psycopg.Connection) -> int:
    """Wait (2 min at most) until the child's COPY streams rows; the number of such COPYs
    (0: the child ended first, or never got there)."""
    deadline = time.monotonic() + 120
    copying = 0
    while time.monotonic() < deadline and child.poll() is None:
        copying = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND query LIKE 'COPY import_staging%%' AND state = 'active'"
        ).fetchone()[0]
        if copying:
            break
        time.sleep(0.05)
    return copying
