"""gunicorn's workers, with their own error pages in French JSON.

gunicorn answers some requests itself, before Django sees them: a request line over
``limit_request_line`` (414), too many or too long headers (431), a malformed request line
or header (400)... Its answer is an English HTML page, while the API promises JSON errors
only. ``FrenchJSONErrorsWorker`` keeps gunicorn's decisions (status, logging, access log)
and replaces only the body: ``{"errors": {"request": "..."}}`` in French (the API's error
shape), everywhere (the request line
may not even have been read, so the path is unknown; a small JSON body reads fine in a
browser too). Configured in gunicorn.conf.py (``worker_class``).
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

MESSAGES = {
    400: "Requête HTTP invalide.",
    403: "Requête refusée.",
    414: "Adresse trop longue : la ligne de requête dépasse la taille permise.",
    417: "En-tête « Expect » non pris en charge.",
    431: "En-têtes de la requête trop nombreux ou trop longs.",
    500: "Erreur interne du serveur : réessayez dans quelques instants.",
    501: "Encodage de transfert non pris en charge.",
}


class _Captured:
    """The client socket, except that what gunicorn writes is kept instead of sent."""

    def __init__(self, sock):
        self._sock = sock
        self.data = b""

    def sendall(self, data):
        self.data += bytes(data)

    def send(self, data):
        self.data += bytes(data)
        return len(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def french_error(status_line: bytes) -> bytes | None:
    """The French JSON response for gunicorn's ``HTTP/1.1 414 URI Too Long`` line."""
    parts = status_line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    message = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    body = json.dumps({"errors": {"request": message}}, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        "Content-Language: fr\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class FrenchJSONErrors:
    """Mixin for a gunicorn worker class: its error answers in French JSON."""

    def handle_error(self, req, client, addr, exc):
        captured = _Captured(client)
        super().handle_error(req, captured, addr, exc)
        if not captured.data:
            return
        response = french_error(captured.data.split(b"\r\n", 1)[0]) or captured.data
        try:
            util.write_nonblock(client, response)
        except Exception:  # the client is gone: as gunicorn does, nothing more to tell
            self.log.debug("Failed to send error message.")


class FrenchJSONErrorsWorker(FrenchJSONErrors, SyncWorker):
    """The sync worker (one request at a time per process)."""


class FrenchJSONErrorsThreadWorker(FrenchJSONErrors, ThreadWorker):
    """The threaded worker with keep-alive, the one gunicorn.conf.py serves with."""
