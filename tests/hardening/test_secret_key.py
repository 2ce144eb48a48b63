"""The SECRET_KEY: random per install, never the public development key in production.

``make run`` served with DEBUG off and ``django-insecure-development-only-set-SECRET_KEY``
(issue #14): every signed value of the site was forgeable by anyone reading the source.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DEV_KEY = "django-insecure-development-only-set-SECRET_KEY"


def _settings_key(tmp_path: Path, **env_extra) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name in ("SECRET_KEY", "DEBUG"):
        if name not in env_extra:
            env.pop(name, None)
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "geo_directory.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_with_the_development_key(tmp_path):
    missing = tmp_path / "no-such-key"
    result = _settings_key(tmp_path, DEBUG="0", SECRET_KEY_FILE=str(missing))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert DEV_KEY not in result.stdout
    # Even set explicitly, the public key does not serve.
    result = _settings_key(tmp_path, DEBUG="0", SECRET_KEY=DEV_KEY, SECRET_KEY_FILE=str(missing))
    assert result.returncode != 0


def test_the_install_key_file_is_read_when_secret_key_is_unset(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("a-random-install-key-" + "Zq8" * 20 + "\n")
    result = _settings_key(tmp_path, DEBUG="0", SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "a-random-install-key-" + "Zq8" * 20
    # DEBUG keeps the development key usable for a developer without the file.
    result = _settings_key(tmp_path, DEBUG="1", SECRET_KEY_FILE=str(tmp_path / "none"))
    assert result.stdout.strip() == DEV_KEY


def test_make_creates_a_private_random_key_once(tmp_path):
    def make():
        subprocess.run(
            [
                "make",
                "--no-print-directory",
                "-f",
                str(ROOT / "Makefile"),
                "-C",
                str(tmp_path),
                ".secret_key",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    make()
    key_file = tmp_path / ".secret_key"
    key = key_file.read_text().strip()
    assert len(key) >= 50 and key != DEV_KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    make()  # idempotent: the key of an install never changes behind its sessions
    assert key_file.read_text().strip() == key
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(
        ["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(other), ".secret_key"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (other / ".secret_key").read_text().strip() != key  # random per install


def test_the_key_file_is_outside_version_control():
    result = subprocess.run(
        ["git", "check-ignore", "-q", ".secret_key"], cwd=ROOT, capture_output=True
    )
    assert result.returncode == 0
