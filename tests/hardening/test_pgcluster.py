"""scripts/pgcluster.sh wherever a newcomer clones, and a clear failure when it cannot.

As root the cluster runs as the ``postgres`` user, which cannot enter /root (0700) nor a
``mktemp -d`` folder: the script must then keep the cluster in postgres's home (``.pg``
a link to it) and, when it is told to use a folder it cannot use (``PGBASE``), stop with
one line saying what to do, not initdb's errors or a success exit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "pgcluster.sh"

if not shutil.which("psql") or not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
    pytest.skip("PostgreSQL server binaries not installed", allow_module_level=True)


def _run(script: Path, action: str, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return subprocess.run(
        ["bash", str(script), action],
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line_failure(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pgcluster.sh: "), result.stderr
    return lines[0]


def test_a_pgbase_that_cannot_be_created_fails_with_one_clear_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _run(SCRIPT, "start", PGBASE=str(blocker / "cluster"))
    line = _one_line_failure(result)
    assert str(blocker / "cluster") in line and "PGBASE" in line


@pytest.mark.skipif(os.getuid() != 0, reason="the postgres user only runs the cluster as root")
def test_a_pgbase_postgres_cannot_reach_fails_with_one_clear_line():
    private = Path(tempfile.mkdtemp(prefix="sn-private-"))  # 0700, like /root
    try:
        result = _run(SCRIPT, "start", PGBASE=str(private / "cluster"))
        line = _one_line_failure(result)
        assert str(private / "cluster") in line and "unset PGBASE" in line
        assert not (private / "cluster" / "data").exists()
    finally:
        shutil.rmtree(private)


@pytest.mark.skipif(os.getuid() != 0, reason="the postgres user only runs the cluster as root")
def test_a_checkout_postgres_cannot_reach_gets_its_cluster_in_postgres_home():
    private = Path(tempfile.mkdtemp(prefix="sn-clone-"))  # 0700: postgres cannot enter
    checkout = private / "sauvons-noel"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, checkout / "scripts" / "pgcluster.sh")
    script = checkout / "scripts" / "pgcluster.sh"
    target = None
    try:
        started = _run(script, "start", PGDATABASE="clone_check")
        assert started.returncode == 0, started.stderr
        link = checkout / ".pg"
        assert link.is_symlink()
        target = Path(os.readlink(link))
        assert target.parent == Path("/var/lib/postgresql/sauvons-noel")
        assert target.name.startswith("sauvons-noel-")
        # Every client reads the socket where it always did: .pg/run in the checkout.
        env = _run(script, "env", PGDATABASE="clone_check").stdout.split()
        assert f"PGHOST={checkout / '.pg' / 'run'}" in env
        answer = subprocess.run(
            ["psql", "-h", str(checkout / ".pg" / "run"), "-U", "postgres", "-d", "clone_check"]
            + ["-tAc", "SELECT current_setting('data_directory')"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert answer.stdout.strip() == str(target / "data")
        # A second start (make run again) reuses it.
        assert _run(script, "start", PGDATABASE="clone_check").returncode == 0
        assert _run(script, "status").stdout.strip() == "running"
    finally:
        _run(script, "stop")
        shutil.rmtree(private)
        if target is not None:
            shutil.rmtree(target)
