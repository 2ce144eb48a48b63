"""Schemathesis: every operation of the OpenAPI schema the API serves (``/api/v1/schema/``),
against a live gunicorn on the test database, with every check.

``schemathesis run`` with valid and invalid data (wrong types, out-of-schema values, NUL
bytes), a fixed seed and bounded examples: the API never answers a 5xx, answers only the
status codes and content types it documents, accepts valid data and refuses invalid data,
and its responses match their schemas. Zero failures: the schema says what the server
enforces. ``schemathesis_hooks.py`` gives schemathesis our named formats and the
operation's ``x-parameter-rules``.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
LIVE_SEED, LIVE_MAX_EXAMPLES = 20261224, 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_env() -> dict[str, str]:
    """The environment of a process on this test session's database (committed rows)."""
    db = connection.settings_dict
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        PGHOST=str(db["HOST"]),
        PGPORT=str(db["PORT"] or "5432"),
        PGUSER=str(db["USER"]),
        PGDATABASE=str(db["NAME"]),
        GEO_DATA_DIR=str(settings.GEO_DATA_DIR),
        DJANGO_SETTINGS_MODULE="geo_directory.settings",
        DEBUG="0",
        SECRET_KEY="schemathesis-run-only",
        PYTHONPATH=str(ROOT),
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


@pytest.fixture
def live_api(db):
    """gunicorn serving the project on the test database, 127.0.0.1, a free port. It sees
    the committed rows: the territory and listings loaded once per session (tests/conftest.py);
    this test writes nothing."""
    port = _free_port()
    env = _test_database_env()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "geo_directory.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[1][-3000:]
            try:
                with urllib.request.urlopen(f"{base}/api/v1/categories/", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        yield base, env
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors, errors[-5000:]


def test_live_server_every_check_no_disagreement(live_api, tmp_path):
    base, env = live_api
    report = tmp_path / "report.json"
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{base}/api/v1/schema/",
            "--checks",
            "all",
            "--mode",
            "all",
            "--seed",
            str(LIVE_SEED),
            "--max-examples",
            str(LIVE_MAX_EXAMPLES),
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--generation-allow-x00",
            "true",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
        ],
        cwd=tmp_path,  # its cache (.schemathesis/) stays out of the repository
        env={**env, "SCHEMATHESIS_HOOKS": "tests.hardening.schemathesis_hooks"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    print(output[-1500:])
    assert run.returncode == 0, output[-8000:]
    # "N generated, N passed": no failure, no error, no server error, and enough cases.
    summary = re.search(r"(\d+) generated, (\d+) passed\s*$", output, re.MULTILINE)
    assert summary, output[-8000:]
    generated, passed = map(int, summary.groups())
    assert generated == passed > 300, output[-8000:]
    assert "Missing test data" not in output, output[-8000:]
    assert report.read_text().strip()  # the run's events, kept for a failure's details
