"""GeoDjango's PostGIS backend, with a health check that does not query the server (and
the schema editor of ``schema.py``, which keeps partial spatial indexes partial).

``CONN_HEALTH_CHECKS`` makes Django test a kept connection before the first query of each
request; the stock test is ``SELECT 1``, one more round trip per API request (about
0.4 ms on the shared cores, the backend being woken up for nothing). A connection the
server ended while it sat idle (restart, crash, ``pg_terminate_backend``, idle timeout)
always shows it on its socket: the server's termination notice, or end of file when the
backend process died. So a quiet socket is a usable connection, and only a socket with
something to read pays the real ``SELECT 1``, which then reads that notice and fails (or
succeeds, for a harmless message such as a TLS session ticket).
"""

from __future__ import annotations

import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISWrapper

from .schema import SchemaEditor


class DatabaseWrapper(PostGISWrapper):
    SchemaEditorClass = SchemaEditor

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN)
            quiet = not poller.poll(0)
        except (OSError, ValueError):  # no file descriptor any more
            return False
        return quiet or super().is_usable()
