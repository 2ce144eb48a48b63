"""`manage.py check --deploy` is clean with the production settings (behind TLS)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECURE_HTTPS": "1",
        "SECRET_KEY": "a-long-random-production-secret-" + "x7Qp9vR2" * 6,
        "ALLOWED_HOSTS": "sauvons-noel.example.org",
    }
    # Set for the browser tests of this same process (Playwright); never in production.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_defaults_do_not_pass_the_deploy_check():
    # No key at all (neither SECRET_KEY nor the install's key file): the development key.
    env = {**os.environ, "DEBUG": "1", "SECURE_HTTPS": "0", "SECRET_KEY_FILE": "/nonexistent"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "security.W018" in output  # DEBUG on
    assert "security.W009" in output  # the development SECRET_KEY
