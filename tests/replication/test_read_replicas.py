"""Read replicas on PostgreSQL's own streaming replication, with a REAL standby.

The test starts its own primary (``PGBASE=<tmp> scripts/pgcluster.sh start``, then
``wal_level = replica``: the main cluster keeps ``minimal``, which the bulk import relies
on), migrates a database there, clones it with ``pg_basebackup -R`` into a hot standby
and runs Django (tests/replication/replica_client.py) on both, with
``DATABASE_REPLICA_URLS``. Checked (geo_directory/postgis/router.py):

1. an anonymous page's reads of listings data are served by the standby;
2. a write pins the rest of its request to the primary, which sees it while the standby
   (replay paused) does not yet; a write request's author gets a cookie that sends their
   next pages to the primary, while others still read from the standby;
3. a standby lagging by more than ``DATABASE_REPLICA_MAX_LAG`` is skipped, and used again
   once it has caught up;
4. a standby stopped mid-test: pages keep answering 200 from the primary, no error;
5. the API's hand-written listing SQL follows the same rules as the ORM's reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPT = ROOT / "scripts" / "pgcluster.sh"
CLIENT = Path(__file__).with_name("replica_client.py")
DATABASE = "replicas"
MAX_LAG = 5.0  # seconds: room for a loaded machine between two commands

if not shutil.which("psql") or not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
    pytest.skip("PostgreSQL server binaries not installed", allow_module_level=True)


def _bin(name: str) -> str:
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3])
    )
    return str(found[-1])


def _as_owner(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else list(command)


def _connect(run: Path, dbname: str = DATABASE) -> psycopg.Connection:
    return psycopg.connect(
        host=str(run), port=5432, user="postgres", dbname=dbname, autocommit=True
    )


class Clusters:
    def __init__(self, base: Path):
        self.base = base
        self.primary = base / "primary"
        self.standby = base / "standby"
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env.update(
            PGBASE=str(self.primary),
            PGHOST=str(self.primary / "run"),
            PGPORT="5432",
            PGUSER="postgres",
            PGDATABASE=DATABASE,
            GEO_DATA_DIR=str(settings.GEO_DATA_DIR),
        )

    def script(self, action: str) -> None:
        subprocess.run(["bash", str(CLUSTER_SCRIPT), action], env=self.env, check=True)

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=600,
        )

    def pg_ctl(self, *args: str) -> None:
        data = str(self.standby / "data")
        subprocess.run(
            _as_owner(_bin("pg_ctl"), "-D", data, *args), check=True, stdout=subprocess.DEVNULL
        )

    def start_standby(self) -> None:
        (self.standby / "run").mkdir(parents=True)
        if os.getuid() == 0:
            shutil.chown(self.standby, "postgres", "postgres")
            shutil.chown(self.standby / "run", "postgres", "postgres")
        subprocess.run(
            _as_owner(
                _bin("pg_basebackup"),
                "-h",
                str(self.primary / "run"),
                "-p",
                "5432",
                "-U",
                "postgres",
                "-D",
                str(self.standby / "data"),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ),
            check=True,
        )
        with open(self.standby / "data" / "postgresql.conf", "a") as conf:
            conf.write(f"unix_socket_directories = '{self.standby / 'run'}'\n")
        self.pg_ctl("-l", str(self.standby / "postgres.log"), "-w", "-t", "60", "start")

    def stop_standby(self) -> None:
        if (self.standby / "data" / "postmaster.pid").exists():
            self.pg_ctl("-m", "fast", "-w", "stop")

    def standby_sql(self, sql: str):
        with _connect(self.standby / "run") as conn:
            return conn.execute(sql).fetchone()


@pytest.fixture(scope="module")
def clusters():
    base = Path(tempfile.mkdtemp(prefix="sn-replicas-", dir="/tmp"))
    base.chmod(0o755)  # the postgres user the clusters run as must reach them
    db = Clusters(base)
    try:
        db.script("start")
        with _connect(db.primary / "run", "postgres") as conn:
            conn.execute("ALTER SYSTEM SET wal_level = 'replica'")
            conn.execute("ALTER SYSTEM SET max_wal_senders = 4")
        db.script("stop")
        db.script("start")
        db.manage("migrate", "--noinput", "-v", "0")
        db.manage("loaddata", "categories", "-v", "0")
        db.start_standby()
        yield db
    finally:
        db.stop_standby()
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "stop"], env=db.env, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def django_client(clusters):
    env = dict(
        clusters.env,
        DATABASE_REPLICA_URLS=f"postgis://postgres@{quote(str(clusters.standby / 'run'), safe='')}"
        f":5432/{DATABASE}",
        DATABASE_REPLICA_MAX_LAG=str(MAX_LAG),
        DATABASE_REPLICA_CHECK_SECONDS="0.2",
        DATABASE_REPLICA_PIN_SECONDS="10",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
        # Where each read goes, not what the workers' response cache keeps of it.
        API_RESPONSE_CACHE_SECONDS="0",
    )
    env.pop("PGBASE")
    process = subprocess.Popen(
        [sys.executable, str(CLIENT)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def ask(command: str) -> dict:
        process.stdin.write(command + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        assert line, f"the Django process died on {command!r}"
        return json.loads(line)

    yield ask
    process.stdin.write("quit\n")
    process.stdin.close()
    process.wait(timeout=30)


def _replayed_now(clusters: Clusters) -> None:
    """A fresh commit on the primary, replayed by the standby: its lag clock restarts."""
    with _connect(clusters.primary / "run") as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS tick (at timestamptz)")
        conn.execute("INSERT INTO tick VALUES (now())")
        (lsn,) = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    deadline = time.monotonic() + 20
    while not clusters.standby_sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")[0]:
        assert time.monotonic() < deadline, "the standby did not replay the primary's commit"
        time.sleep(0.05)


def test_the_api_sql_reads_the_standby_and_a_writer_the_primary(clusters, django_client):
    """The API's hand-written SQL (api/queries.py, api/clusters.py) follows the router."""
    assert django_client("healthy") == {"alias": "replica_0"}
    # An idle primary's standby counts as late once its last replayed commit is older than
    # MAX_LAG: a fresh one, replayed, keeps it eligible for the next seconds.
    _replayed_now(clusters)
    assert django_client("api_reads") == {
        "resident": [200, ["replica_0"]],
        "clusters": [200, ["replica_0"]],
        "merchant": [200, ["default"]],
    }


def test_reads_go_to_the_standby_writes_and_their_author_to_the_primary(clusters, django_client):
    assert clusters.standby_sql("SELECT pg_is_in_recovery()") == (True,)
    assert django_client("healthy") == {"alias": "replica_0"}

    # 1. An anonymous page reads the categories from the standby.
    assert django_client("public_get") == {"status": 200, "used": ["replica_0"]}

    # 2. Read-your-writes, with the standby's replay paused (the write cannot reach it).
    _replayed_now(clusters)
    clusters.standby_sql("SELECT pg_wal_replay_pause()")
    paused_at = time.monotonic()
    assert django_client("write_then_read") == {"seen": True, "used": ["default"]}
    assert django_client("public_read") == {"seen": False, "used": ["replica_0"]}
    assert time.monotonic() - paused_at < MAX_LAG, "too slow to observe the paused standby"
    flow = django_client("cookie_flow")
    assert flow["cookie_max_age"] == 10
    assert flow["author"] == [200, ["default"]]

    # 3. Past the allowed lag the standby is skipped: the write is visible to everyone.
    time.sleep(max(0.0, MAX_LAG + 0.5 - (time.monotonic() - paused_at)))
    assert django_client("public_read") == {"seen": True, "used": ["default"]}
    assert django_client("public_get") == {"status": 200, "used": ["default"]}

    clusters.standby_sql("SELECT pg_wal_replay_resume()")
    assert django_client("healthy") == {"alias": "replica_0"}
    assert django_client("public_read") == {"seen": True, "used": ["replica_0"]}

    # 4. The standby stops between two requests: the next pages come from the primary.
    assert django_client("slow_checks") == {"ok": True}
    assert django_client("public_get") == {"status": 200, "used": ["replica_0"]}
    clusters.stop_standby()
    assert django_client("public_get") == {"status": 200, "used": ["default"]}
    assert django_client("public_get") == {"status": 200, "used": ["default"]}
