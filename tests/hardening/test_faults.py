"""Faults: PostgreSQL crashes (``pg_ctl stop -m immediate``) under a bulk import, under
checkouts and under the web server, then comes back.

The project's test database shares its cluster with everything else, so this module
starts its OWN throwaway PostgreSQL + PostGIS cluster (``PGBASE=<tmp dir>
scripts/pgcluster.sh start``), migrates a database there, loads the communes and the
categories, and runs the code under test in subprocesses pointed at it (PGHOST/PGPORT/
PGDATABASE, read by ``settings.local_cluster_database``). Crashing that cluster affects
nothing else. What is checked:

1. import: the command exits 1 with a clear message (no traceback), nothing of the file is
   in the database after the restart, its ImportRun does not claim success, and a re-run
   loads every row exactly once;
2. checkouts: every order the client saw confirmed exists exactly once; the only orders the
   client did not see confirmed are its in-flight ones (at most one per thread: the
   checkout whose COMMIT was under way when the server died may or may not have been
   committed — the client got an error, the resident is told to check « Mes commandes »);
   the slot's booked_count and the product's stock match the orders; checkouts resume
   without any manual step;
3. web: while the database is down a page answers a French 503 and the API a JSON 503,
   both with Retry-After; the first requests after the restart answer 200.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.importers import sirene_rows as sr

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPT = ROOT / "scripts" / "pgcluster.sh"
CLIENT = Path(__file__).with_name("faults_checkout_client.py")
DATABASE = "faults"
IMPORT_ROWS = 50_000
THREADS = 4

if not shutil.which("psql") or not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
    pytest.skip("PostgreSQL server binaries not installed", allow_module_level=True)


def _pg_ctl() -> str:
    return str(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_major)[-1])


def _major(path: Path) -> int:
    return int(path.parent.parent.name)


class Cluster:
    """A throwaway cluster under ``base``, run by scripts/pgcluster.sh."""

    def __init__(self, base: Path):
        self.base = base
        self.env = dict(
            os.environ,
            PGBASE=str(base),
            PGHOST=str(base / "run"),
            PGPORT="5432",
            PGUSER="postgres",
            PGDATABASE=DATABASE,
            GEO_DATA_DIR=str(settings.GEO_DATA_DIR),
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PYTHONUNBUFFERED="1",
        )
        self.env.pop("DATABASE_URL", None)

    def script(self, action: str) -> None:
        subprocess.run(["bash", str(CLUSTER_SCRIPT), action], env=self.env, check=True)

    def crash(self) -> None:
        """Kill the server the hard way: no checkpoint, no goodbye to clients."""
        command = [_pg_ctl(), "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop"]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def manage(self, *args, check=True, timeout=300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def popen(self, args, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(args, cwd=ROOT, env=self.env, text=True, **kwargs)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.base / "run"),
            port=5432,
            user="postgres",
            dbname=DATABASE,
            autocommit=True,
        )

    def query(self, sql: str, params=None) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def cluster():
    base = Path(tempfile.mkdtemp(prefix="sn-faults-", dir="/tmp"))
    base.chmod(0o755)  # the postgres user initdb runs as must reach it
    db = Cluster(base)
    try:
        db.script("start")
        db.manage("migrate", "--noinput", "-v", "0")
        db.manage("import_communes")
        db.manage("loaddata", "categories", "-v", "0")
        yield db
    finally:
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "stop"], env=db.env, check=False)
        shutil.rmtree(base, ignore_errors=True)


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --- 1. Bulk import -------------------------------------------------------------------


def _big_sirene_file(path: Path) -> Path:
    x, y = sr.lambert(5.3676, 43.3003)  # rue de la République, Marseille 2e
    lambert = {
        "coordonneeLambertAbscisseEtablissement": x,
        "coordonneeLambertOrdonneeEtablissement": y,
    }
    rows = (
        sr.row(700_000 + i, name=f"BOULANGERIE DE LA PANNE {i}", **lambert)
        for i in range(IMPORT_ROWS)
    )
    return sr.write(path, rows)


def test_import_survives_a_database_crash(cluster):
    path = _big_sirene_file(cluster.base / "stock-crash.csv")
    child = cluster.popen(
        [sys.executable, "manage.py", "import_sirene", "--no-progress", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with cluster.connect() as probe:

        def copying():
            assert child.poll() is None, "the import ended before the crash"
            return probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND query LIKE 'COPY import_staging%%' AND state = 'active'"
            ).fetchone()[0]

        _wait_for(copying, 60, "the import's COPY")
    time.sleep(1.0)  # thousands of rows already streamed into the transaction
    cluster.crash()
    out, err = child.communicate(timeout=60)

    assert child.returncode == 1, (out, err)
    assert "Traceback" not in err, err
    assert f"rien n’est importé de {path}" in err
    assert "base de données injoignable" in err

    cluster.script("start")  # crash recovery, then the same command as `make db`
    assert cluster.query("SELECT count(*) FROM businesses_business WHERE source = 'sirene'") == [
        (0,)
    ]
    runs = cluster.query("SELECT status FROM imports_importrun WHERE file_name = %s", [str(path)])
    assert runs and all(status != "succeeded" for (status,) in runs), runs

    rerun = cluster.manage("import_sirene", "--no-progress", str(path), timeout=240)
    assert "Traceback" not in rerun.stderr
    [(listings, distinct)] = cluster.query(
        "SELECT count(*), count(DISTINCT external_id) FROM businesses_business"
        " WHERE source = 'sirene'"
    )
    assert listings == distinct == IMPORT_ROWS
    assert cluster.query(
        "SELECT created FROM imports_importrun WHERE file_name = %s AND status = 'succeeded'",
        [str(path)],
    ) == [(IMPORT_ROWS,)]


# --- 2. Checkouts ---------------------------------------------------------------------


def _outcomes(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [line.split(" ", 2) for line in log.read_text(encoding="utf-8").splitlines()]


def test_checkouts_survive_a_database_crash(cluster):
    ids = json.loads(
        subprocess.run(
            [sys.executable, str(CLIENT), "setup"],
            cwd=ROOT,
            env=cluster.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[-1]
    )
    log, stop = cluster.base / "checkouts.log", cluster.base / "checkouts.stop"
    args = [ids["business"], ids["slot"], ids["product"], log, stop, THREADS]
    client = cluster.popen(
        [sys.executable, str(CLIENT), "run", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def confirmed(at_least):
        return lambda: sum(o[0] == "ok" for o in _outcomes(log)) >= at_least

    try:
        _wait_for(confirmed(40), 60, "40 orders before the crash")
        cluster.crash()
        _wait_for(lambda: any(o[0] == "error" for o in _outcomes(log)), 20, "failed checkouts")
        time.sleep(1.0)  # the residents keep trying while the database is down
        assert client.poll() is None, client.communicate()
        before_restart = len(_outcomes(log))
        cluster.script("start")
        # Recovery without manual steps: the same client process confirms orders again.
        _wait_for(
            lambda: sum(o[0] == "ok" for o in _outcomes(log)[before_restart:]) >= 20,
            60,
            "orders after the restart",
        )
    finally:
        stop.touch()
        out, err = client.communicate(timeout=60)
    assert client.returncode == 0, err

    outcomes = _outcomes(log)
    ok = {int(n): number for kind, n, number in outcomes if kind == "ok"}
    failed = {int(n) for kind, n, *_ in outcomes if kind == "error"}
    assert not [o for o in outcomes if o[0] == "refused"], outcomes
    rows = cluster.query(
        "SELECT o.number, o.customer_name, l.quantity, l.stock_reserved FROM orders_order o"
        " JOIN orders_orderline l ON l.order_id = o.id WHERE o.slot_id = %s",
        [ids["slot"]],
    )
    in_db = {}
    for number, customer, quantity, reserved in rows:
        n = int(customer.removeprefix("Client "))
        assert n not in in_db, f"order of client {n} twice"
        in_db[n] = (number, quantity, reserved)

    lost = {n: number for n, number in ok.items() if in_db.get(n, (None,))[0] != number}
    assert not lost, f"confirmed orders missing after the crash: {lost}"
    unconfirmed = set(in_db) - set(ok)
    # Only in-flight checkouts (the client got an error) may have committed unseen,
    # at most one per thread at the moment of the crash.
    assert unconfirmed <= failed, unconfirmed - failed
    assert len(unconfirmed) <= THREADS

    [(booked, capacity)] = cluster.query(
        "SELECT booked_count, capacity FROM orders_slot WHERE id = %s", [ids["slot"]]
    )
    assert booked == len(in_db) <= capacity
    [(stock,)] = cluster.query("SELECT stock FROM orders_product WHERE id = %s", [ids["product"]])
    assert all(reserved for _, _, reserved in in_db.values())
    assert stock == 1_000_000 - sum(quantity for _, quantity, _ in in_db.values())


# --- 3. Web ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_site_answers_503_while_the_database_is_down_then_recovers(cluster):
    port = _free_port()
    env_extra = {"HOST": "127.0.0.1", "PORT": str(port), "WORKERS": "2"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "geo_directory.wsgi:application"],
        cwd=ROOT,
        env=dict(cluster.env, **env_extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    page, api = f"{base}/communes/13001/", f"{base}/api/v1/communes/13001/"
    try:
        seen = []

        def up():
            assert server.poll() is None, server.communicate()[1]
            try:
                seen.append(_get(page)[:1])
            except OSError:
                return False
            return seen[-1] == (200,)

        _wait_for(up, 60, "gunicorn")
        assert seen, "gunicorn never answered"
        assert _get(api)[0] == 200

        cluster.crash()
        for _ in range(3):  # every worker, whatever connection it held
            status, headers, body = _get(page)
            assert status == 503, body[:2000]
            assert headers.get("Retry-After") == "30"
            assert "text/html" in headers["Content-Type"]
            assert "Service momentanément indisponible" in body
            assert "Traceback" not in body
            status, headers, body = _get(api)
            assert status == 503, body[:2000]
            assert headers.get("Retry-After") == "30"
            assert "indisponible" in json.loads(body)["errors"]["service"]

        cluster.script("start")
        for _ in range(4):  # recovery without manual steps, in every worker
            assert _get(page)[0] == 200
            assert _get(api)[0] == 200
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "Traceback" not in err, err
