"""The bench database: a separate database in the project-local cluster, never the test one.

``bench_sauvons_noel`` is created and migrated by the bench itself, then receives the
territory and the taxonomy (``manage.py seed_demo``). Every section of the bench (API,
import, ...) works on it through :func:`ensure_database`, :func:`connect` and
:func:`django_env`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "bench_sauvons_noel")
PGHOST = os.environ.get("PGHOST", str(ROOT / ".pg" / "run"))
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")


def connect(dbname: str = BENCH_DB, **kwargs) -> psycopg.Connection:
    return psycopg.connect(host=PGHOST, port=PGPORT, user=PGUSER, dbname=dbname, **kwargs)


def django_env(dbname: str = BENCH_DB) -> dict[str, str]:
    """The environment of a Django process (manage.py, gunicorn) on a bench database."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the bench always runs on the local cluster
    env.update(PGHOST=PGHOST, PGPORT=PGPORT, PGUSER=PGUSER, PGDATABASE=dbname)
    env.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings")
    return env


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=django_env(), cwd=ROOT, check=True
    )


def ensure_database() -> None:
    """Create the bench database if missing, migrate it, load territory and taxonomy."""
    if BENCH_DB in {"sauvons_noel", os.environ.get("TEST_DATABASE_NAME", "test_sauvons_noel")}:
        raise SystemExit(f"refusing to bench on {BENCH_DB!r}: use a separate database")
    with connect("postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
