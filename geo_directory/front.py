"""The WSGI front: what gunicorn's workers answer before Django's handler.

Two kinds of requests need nothing of Django's: a static file (a third of a visit's
requests) and a repeated public API GET kept in memory (``caching.ResponseCacheMiddleware``,
about a quarter). Through the handler they paid a ``WSGIRequest``, the request_started /
request_finished signals (``close_old_connections``, ``close_caches``) and the middleware
chain: measured under gunicorn, 0.86-0.98 ms of worker CPU per static file and 0.68-0.73 ms
per kept answer, against 0.32 ms for a trivial WSGI app. ``Front`` answers them first and
hands everything else to Django unchanged.

Static files: WhiteNoise's own ``WhiteNoiseMiddleware`` instance, built from the same
settings (``WHITENOISE_*``, ``STATIC_ROOT``, the manifest's immutable files, the ``.gz``
/ ``.br`` negotiation, Cache-Control, ETag / Last-Modified, 304, HEAD), served by
WhiteNoise's WSGI ``serve``. ``WhiteNoiseMiddleware`` stays in ``MIDDLEWARE``: Django's own
servers (the tests' live servers, ``runserver``, the test client) have no front, and the
requests the front passes on (below) are served by it exactly as before.

The headers the middleware chain put on a static file (SecurityMiddleware's, the CSP of
``middleware.CSPMiddleware``...) come from ``static_file_headers``
(``WHITENOISE_ADD_HEADERS_FUNCTION``), computed once per file by running the very
middleware that sit outside ``WhiteNoiseMiddleware`` in ``MIDDLEWARE`` on a blank answer to
that file's URL: no second copy of any policy, and a middleware added there later is
followed. WhiteNoise keeps added headers only on its 200 and 206: its 304 and 416 get
them here (the chain added them to those too).

Passed on to Django (served by the middleware, with its checks): a method other than
GET / HEAD (``RequestSanityMiddleware``'s 405, WhiteNoise's), a query string (its NUL-byte
check; the manifest's URLs have none), and, when ``SECURE_SSL_REDIRECT`` or HSTS is on, a
request not made over HTTPS (SecurityMiddleware's redirect; HSTS is only sent over HTTPS,
and the computed headers are those of an HTTPS request).
"""

from __future__ import annotations

import io
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils.module_loading import import_string
from whitenoise.base import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.string_utils import decode_path_info

from geo_directory import caching

WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
# WhiteNoise's answers that carry the file's headers (added ones included).
FULL_HEADER_STATUSES = (HTTPStatus.OK, HTTPStatus.PARTIAL_CONTENT)


def https_only() -> bool:
    """Whether a static file's answer depends on the request being HTTPS: redirected
    otherwise (SECURE_SSL_REDIRECT), HSTS only over HTTPS."""
    return bool(settings.SECURE_SSL_REDIRECT or settings.SECURE_HSTS_SECONDS)


def outer_middleware_headers(url: str) -> list[tuple[str, str]]:
    """The headers the middleware outside ``WhiteNoiseMiddleware`` add to an answer to a
    GET of ``url``: those middleware themselves, run on a blank answer."""
    names = list(settings.MIDDLEWARE)
    outer = names[: names.index(WHITENOISE_MIDDLEWARE)]
    blank = HttpResponse()
    own = set(blank.headers)

    def handler(request):
        return blank

    for name in reversed(outer):
        try:
            handler = import_string(name)(handler)
        except MiddlewareNotUsed:
            continue
    https = https_only()
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": url,
            "QUERY_STRING": "",
            "SERVER_NAME": "static.invalid",
            "SERVER_PORT": "443" if https else "80",
            "wsgi.url_scheme": "https" if https else "http",
            "wsgi.input": io.BytesIO(),
        }
    )
    response = handler(request)
    if response is not blank:
        raise RuntimeError(f"{url}: a middleware before WhiteNoise answered instead of it")
    return [(name, value) for name, value in response.items() if name not in own]


def static_file_headers(headers, path: str, url: str) -> None:
    """``WHITENOISE_ADD_HEADERS_FUNCTION``: each static file's headers, once per file."""
    for name, value in outer_middleware_headers(url):
        if name not in headers:
            headers[name] = value


class Front:
    """The WSGI application gunicorn serves (``geo_directory.wsgi.application``).

    A ``WSGIRequest`` made here gets a copy of the environ: it writes the decoded path back
    into it, which Django's handler would decode again."""

    def __init__(self, django_app):
        self.django_app = django_app
        self.static = WhiteNoiseMiddleware()
        self.https_only = https_only()
        self.short_answer_headers: dict[str, list[tuple[str, str]]] = {}

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "HEAD") and not environ.get("QUERY_STRING"):
            path = decode_path_info(environ.get("PATH_INFO", ""))
            static_file = (
                self.static.find_file(path)
                if self.static.autorefresh
                else self.static.files.get(path)
            )
            if static_file is not None and (
                not self.https_only or WSGIRequest(dict(environ)).is_secure()
            ):
                return self.serve(static_file, path, environ, start_response)
        if method == "GET" and caching.may_be_kept(environ.get("PATH_INFO", "")):
            kept = caching.answer_before_django(environ, start_response)
            if kept is not None:
                return kept
        return self.django_app(environ, start_response)

    def serve(self, static_file, path, environ, start_response):
        def start(status, headers):
            if int(status.split(" ", 1)[0]) not in FULL_HEADER_STATUSES:
                present = {name.lower() for name, _ in headers}
                headers = headers + [
                    (name, value)
                    for name, value in self._short_answer_headers(path)
                    if name.lower() not in present
                ]
            return start_response(status, headers)

        return WhiteNoise.serve(static_file, environ, start)

    def _short_answer_headers(self, path: str) -> list[tuple[str, str]]:
        headers = self.short_answer_headers.get(path)
        if headers is None:
            headers = self.short_answer_headers[path] = outer_middleware_headers(path)
        return headers
