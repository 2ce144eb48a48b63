"""Hostile requests against a real gunicorn as ``make run`` serves it (issue #14).

1. A merchant (sign-up is open) saved a delivery zone with coordinates of ~1e300: GEOS
   3.11's WKT writer smashed its stack (``.ewkt`` in the form's change tracking) and the
   worker died with SIGABRT, its other requests with it. The form now checks every
   coordinate in Python first (territory/region.py) and answers a French form error; the
   same worker process keeps serving.
2. A request line over 4 KB got gunicorn's own English HTML 414; the site answers JSON
   errors only: the worker class of gunicorn.conf.py writes ``{"errors": {"request": ...}}``
   in French, the API's error shape.
"""

from __future__ import annotations

import html
import json
import os
import re
import urllib.parse
from http.cookies import SimpleCookie
from unittest import mock

import pytest

from geo_directory.businesses.models import Business
from tests.accounts.helpers import form_data
from tests.factories import make_merchant, make_own_listing

from .gunicorn_server import Gunicorn

PASSWORD = "Noel-2026-Marseille!"
HUGE = 1e300


class Visitor:
    """A browser's cookies and CSRF token over plain HTTP (http.client)."""

    def __init__(self, server: Gunicorn):
        self.server = server
        self.cookies: dict[str, str] = {}

    def _send(self, method, path, data=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.server.port}{path}"
        status, response_headers, content = self.server.request(method, path, body, headers)
        for header in response_headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return status, response_headers, content.decode()

    def get(self, path):
        return self._send("GET", path)

    def post(self, path, data):
        page = self.get(path)[2]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self._send("POST", path, {**data, "csrfmiddlewaretoken": token})


@pytest.fixture
def merchant_listing(django_db_setup, committed_db):
    user = make_merchant("zone-hostile@example.fr", PASSWORD)
    business = make_own_listing(user, status=Business.Status.PUBLISHED)
    return user, business


@pytest.fixture
def server(django_db_setup, committed_db):
    with Gunicorn() as gunicorn:
        yield gunicorn
        output = gunicorn.output()
    assert "stack smashing" not in output and "Traceback" not in output, output


def _zone(scale: float) -> str:
    ring = [[5.37, 43.29], [5.39 * scale, 43.29], [5.39, 43.31 * scale], [5.37, 43.29]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_a_huge_delivery_zone_gets_a_french_error_and_the_worker_lives(server, merchant_listing):
    user, business = merchant_listing
    visitor = Visitor(server)
    status, headers, _ = visitor.post(
        "/compte/connexion/", {"username": user.email, "password": PASSWORD}
    )
    assert status == 302, headers
    edit = f"/espace/commerces/{business.pk}/"
    assert visitor.get(edit)[0] == 200
    before = server.workers()
    assert len(before) == 2

    data = form_data(
        lon="5.3776",
        lat="43.2966",
        offers_delivery="on",
        delivery_zone_geojson=_zone(HUGE),
        category=business.category_id,
    )
    status, _, page = visitor.post(edit, data)

    assert status == 200, page[:2000]
    text = html.unescape(page)
    assert "La zone de livraison dessinée est refusée" in text
    assert "hors limites" in text
    assert server.workers() == before  # no worker died and was replaced
    business.refresh_from_db()
    assert business.delivery_zone is None
    # The same processes keep serving this merchant (session intact) and everyone else.
    for _ in range(4):
        assert visitor.get("/espace/")[0] == 200
    assert server.workers() == before


@pytest.mark.parametrize("size", [5 * 1024, 9 * 1024])
def test_gunicorn_errors_are_french_json(server, size):
    path = "/api/v1/businesses/?q=" + "a" * size
    response = server.raw(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head, _, body = response.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode()
    assert status_line.split()[1] in ("414", "431", "400"), head
    assert b"application/json" in head, head
    detail = json.loads(body)["errors"]["request"]
    assert "trop longue" in detail or "trop nombreux" in detail
    assert b"<html" not in body
    # The site still answers normally afterwards.
    assert server.request("GET", "/api/v1/categories/")[0] == 200


def test_too_many_headers_and_a_bad_request_line_are_french_json(server):
    headers = "".join(f"X-H{i}: {'v' * 50}\r\n" for i in range(200))
    response = server.raw(f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
    head, _, body = response.partition(b"\r\n\r\n")
    assert b" 431 " in head.split(b"\r\n", 1)[0] or b" 400 " in head.split(b"\r\n", 1)[0]
    assert json.loads(body)["errors"]["request"]
    response = server.raw(b"GET\x01 / HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = response.partition(b"\r\n\r\n")
    assert b" 400 " in head.split(b"\r\n", 1)[0], head
    assert json.loads(body)["errors"]["request"] == "Requête HTTP invalide."


# Marked on purpose: pytest-django creates the test database only for a session holding a
# ``django_db`` test, and the tests above cannot be marked (their rows must be committed
# for gunicorn's own connections to see them). Run alone, this module still gets one.
@pytest.mark.django_db
def test_make_run_serves_with_the_french_errors_worker():
    from django.conf import settings
    from django.utils.module_loading import import_string

    from geo_directory.gunicorn_worker import FrenchJSONErrors

    config: dict = {}
    path = settings.BASE_DIR / "gunicorn.conf.py"
    # The file sets the workers' environment (the response cache's time to live): kept
    # out of this process's, which every later test's subprocess inherits.
    with mock.patch.dict(os.environ):
        exec(compile(path.read_text(), str(path), "exec"), config)
    assert issubclass(import_string(config["worker_class"]), FrenchJSONErrors)
