"""The connection health check (geo_directory/postgis/base.py) against the real server.

Before each request's first query Django asks ``is_usable()`` of a kept connection: it
must say no for a connection the server ended while it was idle (so that the request
reconnects instead of failing), and yes for a live one without sending it a query.
"""

import time

import pytest
from django.db import connection, connections


@pytest.fixture
def spare(db):
    """A second connection to the test database, as a gunicorn worker keeps one."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _last_query(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_a_live_connection_is_usable_without_a_query(spare):
    with spare.cursor() as cursor:
        cursor.execute("SELECT 'last statement'")
    pid = spare.connection.info.backend_pid
    assert spare.is_usable()
    assert _last_query(pid) == "SELECT 'last statement'"


def test_a_connection_the_server_ended_is_not_usable_and_is_replaced(spare):
    old_pid = spare.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    deadline = time.monotonic() + 5
    while spare.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)  # the termination notice is on its way to the socket
    assert not spare.is_usable()

    # What a request does first: the health check closes it, the query reconnects.
    spare.health_check_enabled, spare.health_check_done = True, False
    spare.close_if_health_check_failed()
    with spare.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid


def test_a_closed_connection_is_not_usable(spare):
    spare.connection.close()
    assert not spare.is_usable()
