"""`make backup` / `make restore` (scripts/backup.sh): a real pg_dump → pg_restore round trip."""

import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db
SCRIPT = Path(settings.BASE_DIR) / "scripts" / "backup.sh"
FINGERPRINT = (
    "SELECT (SELECT count(*) FROM territory_commune),"
    " (SELECT md5(string_agg(code || ST_AsText(boundary), ',' ORDER BY code))"
    "    FROM territory_commune),"
    " (SELECT count(*) FROM businesses_business),"
    " (SELECT md5(string_agg(id || name || ST_AsText(location), ',' ORDER BY id))"
    "    FROM businesses_business)"
)


def _cluster_env(dbname: str) -> dict:
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "PGHOST": db["HOST"],
        "PGPORT": str(db["PORT"]),
        "PGUSER": db["USER"],
        "PGDATABASE": dbname,
    }


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="round trip uses the local cluster"
)
def test_dump_then_restore_into_an_empty_database_gives_the_same_data(tmp_path):
    source = connection.settings_dict["NAME"]
    copy = f"{source}_restore_check"
    dump = tmp_path / "backup.dump"
    admin = psycopg.connect(
        host=connection.settings_dict["HOST"],
        port=connection.settings_dict["PORT"],
        user=connection.settings_dict["USER"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
    admin.execute(f'CREATE DATABASE "{copy}"')
    try:
        subprocess.run(
            ["bash", SCRIPT, "dump", dump],
            env=_cluster_env(source),
            check=True,
            capture_output=True,
        )
        assert dump.stat().st_size > 100_000
        restored = subprocess.run(
            ["bash", SCRIPT, "restore", dump],
            env=_cluster_env(copy),
            check=True,
            capture_output=True,
            text=True,
        )
        assert "restored from" in restored.stdout
        with connection.cursor() as cursor:
            cursor.execute(FINGERPRINT)
            expected = cursor.fetchone()
        with psycopg.connect(
            host=connection.settings_dict["HOST"],
            port=connection.settings_dict["PORT"],
            user=connection.settings_dict["USER"],
            dbname=copy,
        ) as restored_db:
            got = restored_db.execute(FINGERPRINT).fetchone()
        assert expected[0] == 946 and expected[2] >= 212
        assert got == expected
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        admin.close()


def test_restore_of_a_missing_backup_fails_clearly(tmp_path):
    result = subprocess.run(
        ["bash", SCRIPT, "restore", tmp_path / "none.dump"],
        capture_output=True,
        text=True,
        env=_cluster_env(connection.settings_dict["NAME"]),
    )
    assert result.returncode == 1
    assert "no backup at" in result.stderr
