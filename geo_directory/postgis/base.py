"""GeoDjango's PostGIS backend, with the project's session settings sent at connection start,
a health check that does not query the server, and the schema editor of ``schema.py``
(which keeps partial spatial indexes partial).

Session settings (``SESSION_SETTINGS``) are the one place where a connection is tuned. They
travel in the connection's startup packet (libpq ``options``, ``-c name=value``): no query,
no round trip, before the first statement of the connection, whoever opens it (a gunicorn
worker, a management command, a test). Nothing else sets them; nothing sets them per query.

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

SESSION_SETTINGS = {
    # Name search (businesses/search.py): a query word is corrected to a name's word when
    # word_similarity(query_word, word) reaches this. 0.5 finds "pâtissière" in
    # "pâtisserie" (0.55) and "Boulagerie" in "Boulangerie" (0.64), where PostgreSQL's
    # default of 0.6 misses the first. Read by business_name_tsquery() (the ``%>``
    # operator), so it must hold on every connection that searches.
    "pg_trgm.word_similarity_threshold": "0.5",
    # No parallel workers: launching them costs tens of milliseconds on a busy machine,
    # far more than the few hundred rows an API query or a capped count reads (a 1 km
    # radius count: 5 ms of work, 38 ms with a parallel worker). The bulk statements
    # (imports' INSERT/UPDATE ... SELECT) cannot run in parallel anyway; the one that can
    # and reads everything, the clusters' REFRESH, asks for workers itself
    # (api/clusters.refresh).
    "max_parallel_workers_per_gather": "0",
}


class DatabaseWrapper(PostGISWrapper):
    SchemaEditorClass = SchemaEditor

    def get_connection_params(self):
        params = super().get_connection_params()
        ours = " ".join(f"-c {name}={value}" for name, value in SESSION_SETTINGS.items())
        # Appended after the project's own options (settings.py adds synchronous_commit).
        params["options"] = f"{params.get('options', '')} {ours}".strip()
        return params

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
