"""The WSGI front (geo_directory/front.py): under a real gunicorn, static files and kept
public API answers are answered before Django's handler, with the headers Django's
middleware chain gave them, and the response cache's rules hold there too.

The server runs ``handler_log_settings``: the site's settings plus a note of every
request Django's handler starts on (its ``request_started`` signal), so a test sees which
requests reached Django. One worker: a repeat reaches the process that kept the answer."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client

from geo_directory.businesses.models import Business, Category
from geo_directory.caching import PIN_COOKIE
from tests.businesses.test_category_counts import MARSEILLE
from tests.hardening.test_response_cache import NEAR

from .gunicorn_server import Gunicorn

# A hashed (immutable) script of the map, a stylesheet, an image, an SVG (a .gz beside it)
# and a file without hash.
STATIC_NAMES = (
    "maps/js/api.js",
    "rest_framework/css/default.css",
    "rest_framework/img/glyphicons-halflings-white.png",
    "admin/img/icon-unknown-alt.svg",
)
UNHASHED = "/static/rest_framework/js/bootstrap.min.js"
COMMUNES = "/api/v1/communes/?q=mars"
# Set by the server or the connection, not by the application.
TRANSPORT = {"date", "server", "connection", "transfer-encoding"}


class Server:
    def __init__(self, gunicorn: Gunicorn, log: Path):
        self.gunicorn = gunicorn
        self.log = log

    def handled(self, method: str, path: str, headers=None) -> tuple[int, dict, bytes, bool]:
        """The answer, and whether Django's handler started on the request."""
        self.log.write_text("")
        status, response_headers, body = self.gunicorn.request(method, path, headers=headers)
        return status, response_headers, body, bool(self.log.read_text())


@pytest.fixture(scope="module")
def server(django_db_setup):
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "handler.log"
        settings_module = "tests.hardening.handler_log_settings"
        with Gunicorn(
            workers=1, DJANGO_SETTINGS_MODULE=settings_module, SN_HANDLER_LOG=str(log)
        ) as gunicorn:
            yield Server(gunicorn, log)


def comparable(headers) -> dict[str, str]:
    """Header names lowercased, without the transport's; the CSP's directives sorted
    (django-csp joins them in a set's order, which changes with each process's hash seed)."""
    result = {}
    for name, value in headers.items():
        name = name.lower()
        if name in TRANSPORT:
            continue
        if name == "content-security-policy":
            value = "; ".join(sorted(value.split("; ")))
        result[name] = value
    return result


def static_urls() -> list[str]:
    return [staticfiles_storage.url(name) for name in STATIC_NAMES] + [UNHASHED]


# Marked: pytest-django creates the test database only for a session holding a ``django_db``
# test (the committed rows the server reads cannot be in a test's transaction).
@pytest.mark.django_db
def test_static_files_are_served_before_django_with_the_chain_s_headers(server, settings):
    """Every header the middleware chain gave a static file before (security headers, CSP,
    WhiteNoise's caching, compression, validators), on 200, HEAD and 304, without Django's
    handler. The reference is Django's chain as it served them: WhiteNoise's middleware
    without added headers, the chain outside it adding its own."""
    assert all("." in Path(url).suffixes[0] for url in static_urls()[:-1])
    current = Client()  # the branch's middleware path (live servers, runserver)
    settings.WHITENOISE_ADD_HEADERS_FUNCTION = None
    before = Client()
    encodings = set()
    for url in static_urls():
        for accept in ({}, {"Accept-Encoding": "gzip, br"}):
            meta = {"HTTP_ACCEPT_ENCODING": accept["Accept-Encoding"]} if accept else {}
            reference = before.get(url, **meta)
            assert reference.status_code == 200, url
            expected = comparable(reference.headers)
            assert expected["x-content-type-options"] == "nosniff"
            assert "content-security-policy" in expected and "etag" in expected
            assert comparable(current.get(url, **meta).headers) == expected, url
            for method in ("GET", "HEAD"):
                status, headers, body, django = server.handled(method, url, accept)
                assert (status, comparable(headers)) == (200, expected), (method, url)
                assert not django, f"{method} {url} went through Django's handler"
                assert len(body) == (int(headers["Content-Length"]) if method == "GET" else 0)
            encodings.add(expected.get("content-encoding"))
        revalidation = {"If-None-Match": expected["etag"]}
        status, headers, body, django = server.handled("GET", url, revalidation)
        reference = before.get(url, HTTP_IF_NONE_MATCH=expected["etag"])
        assert reference.status_code == 304
        assert (status, comparable(headers), body) == (304, comparable(reference.headers), b"")
        assert not django, f"the 304 of {url} went through Django's handler"
    assert "gzip" in encodings or "br" in encodings  # the compressed files were negotiated
    hashed = comparable(before.get(static_urls()[0]).headers)
    assert "immutable" in hashed["cache-control"]


@pytest.mark.django_db
def test_what_the_front_passes_on_is_served_by_django_as_before(server):
    """A query string (the NUL check), another method: Django's chain, as before."""
    url = static_urls()[0]
    status, _, _, django = server.handled("GET", url + "?%00")
    assert status == 400 and django
    status, headers, _, django = server.handled("POST", url)
    assert status == 405 and django and headers["Allow"] == "GET, HEAD"
    assert headers["X-Content-Type-Options"] == "nosniff"
    # The front reads the environ of every API GET: Django gets it unchanged (a path
    # outside Latin-1 was a 500 when the front's request wrote its decoded path into it).
    for path in ("/api/v1/communes/%E2%82%AC/", "/api/v1/communes/%C3%A9t%C3%A9/?q=mars"):
        status, headers, _, django = server.handled("GET", path)
        assert (status, django) == (Client().get(path).status_code, True), path
    # The control: the same file without them never reaches Django.
    assert not server.handled("GET", url)[3]


def test_a_kept_answer_is_served_before_django(server):
    first_status, first, first_body, django = server.handled("GET", COMMUNES)
    assert first_status == 200 and django
    status, again, body, django = server.handled("GET", COMMUNES)
    assert status == 200 and again["X-Sn-Cache"] == "hit" and body == first_body
    assert not django, "a kept answer went through Django's handler"
    assert comparable(again) == {**comparable(first), "x-sn-cache": "hit"}
    etag = first["ETag"]
    status, headers, body, django = server.handled("GET", COMMUNES, {"If-None-Match": etag})
    assert (status, headers["ETag"], headers["X-Sn-Cache"], body) == (304, etag, "hit", b"")
    assert not django


def test_the_home_page_is_answered_before_django_for_a_visitor_without_cookies(server):
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    first_status, first, first_body, django = server.handled("GET", "/", french)
    assert first_status == 200 and django
    status, again, body, django = server.handled("GET", "/", french)
    assert status == 200 and again["X-Sn-Cache"] == "hit" and body == first_body
    assert not django, "the kept home page went through Django's handler"
    assert comparable(again) == {**comparable(first), "x-sn-cache": "hit"}
    for _ in range(2):
        cookie = {**french, "Cookie": "csrftoken=" + "x" * 32}
        status, headers, _, django = server.handled("GET", "/", cookie)
        assert status == 200 and "X-Sn-Cache" not in headers and django


def test_the_front_never_answers_one_person_s_request_from_the_cache(server):
    """The session, the read-your-writes pin, an Authorization header, a host Django
    refuses: Django's handler, every time. Other hosts, queries, Accept: other entries."""
    url = "/api/v1/communes/?q=nice"
    assert server.handled("GET", url)[3]
    status, headers, _, django = server.handled("GET", url)
    assert status == 200 and headers["X-Sn-Cache"] == "hit" and not django
    for extra in (
        {"Cookie": "sessionid=" + "x" * 32},
        {"Cookie": f"{PIN_COOKIE}=1"},
        {"Authorization": "Bearer x"},
    ):
        for _ in range(2):
            status, headers, _, django = server.handled("GET", url, extra)
            assert status == 200 and "X-Sn-Cache" not in headers and django, extra
    for _ in range(2):
        status, headers, _, django = server.handled("GET", url, {"Host": "evil.example"})
        assert status == 400 and "X-Sn-Cache" not in headers and django
    for extra in ({"Host": "localhost"}, {"Accept": "application/json"}):
        status, headers, _, django = server.handled("GET", url, extra)
        assert status == 200 and "X-Sn-Cache" not in headers and django, extra
        assert server.handled("GET", url, extra)[1]["X-Sn-Cache"] == "hit"
    status, headers, _, django = server.handled("HEAD", url)
    assert "X-Sn-Cache" not in headers and django


def test_a_committed_change_reaches_the_front_at_once(server, committed_db):
    """The server's listener learns of the commit (NOTIFY): the front's next answer is
    Django's, with the change."""
    server.handled("GET", NEAR)
    status, headers, body, django = server.handled("GET", NEAR)
    assert headers["X-Sn-Cache"] == "hit" and not django
    Business.objects.create(
        name="Fournil du front",
        category=Category.objects.get(slug="boulangerie"),
        status="published",
        location=MARSEILLE,
    )
    deadline = time.monotonic() + 3
    while True:
        status, headers, body, django = server.handled("GET", NEAR)
        if "X-Sn-Cache" not in headers or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert status == 200 and "X-Sn-Cache" not in headers and django
    assert "Fournil du front" in body.decode()


@pytest.mark.django_db
def test_behind_tls_the_front_serves_https_only_with_hsts(django_db_setup):
    """``SECURE_HTTPS=1`` (behind a TLS proxy): a static file asked over plain HTTP goes to
    Django, which redirects it as before; over HTTPS (X-Forwarded-Proto) the front serves
    it, with the HSTS header SecurityMiddleware sends over HTTPS."""
    url = static_urls()[0]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "handler.log"
        with Gunicorn(
            workers=1,
            DJANGO_SETTINGS_MODULE="tests.hardening.handler_log_settings",
            SN_HANDLER_LOG=str(log),
            SECURE_HTTPS="1",
            ready_headers={"X-Forwarded-Proto": "https"},
        ) as gunicorn:
            server = Server(gunicorn, log)
            status, headers, _, django = server.handled("GET", url)
            location = f"https://127.0.0.1:{gunicorn.port}{url}"
            assert (status, headers["Location"], django) == (301, location, True)
            status, headers, _, django = server.handled("GET", url, {"X-Forwarded-Proto": "https"})
            assert status == 200 and not django
            assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
            assert headers["X-Content-Type-Options"] == "nosniff"
