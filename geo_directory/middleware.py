"""The site's own middleware.

``RequestSanityMiddleware``: a request the site cannot mean to serve is refused before any
view, URL resolver or database sees it: a NUL byte in the path or the query string (a
400: PostgreSQL refuses NUL in text, so a filter on it was a 500), an HTTP method none of
the views speak (``TRACE``, ``CONNECT``, WebDAV's...: a 405 with ``Allow``).

``DatabaseUnavailableMiddleware``: the database is unreachable (crash, restart,
failover): a clear 503, not a 500.

While PostgreSQL is down, a view's query raises ``django.db.OperationalError`` (or
``InterfaceError`` on a connection that broke mid-way). Instead of Django's generic 500,
the resident gets a short French page, and an API client ``{"errors": {...}}``, both with
HTTP 503 and ``Retry-After``. Nothing else is needed to recover: with
``CONN_HEALTH_CHECKS`` the next request after the database is back opens a fresh
connection (tests/hardening/test_faults.py crashes a real cluster to check it).

The page is built without templates or the session: rendering must not touch the
database that just failed.
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import parse_qsl

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSP
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as _Authentication
from django.contrib.messages.middleware import MessageMiddleware as _Messages
from django.contrib.sessions.middleware import SessionMiddleware as _Sessions
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware as _Locale
from django.utils.html import escape

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MESSAGE = (
    "Le service est momentanément indisponible (base de données injoignable). "
    "Réessayez dans quelques instants."
)
PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Service momentanément indisponible – Sauvons Noël</title></head>
<body>
<main>
<h1>Service momentanément indisponible</h1>
<p>Notre base de données ne répond pas pour l’instant : aucune donnée n’est perdue,
et aucune commande n’a été enregistrée à moitié.</p>
<p>Réessayez dans quelques instants. Si vous passiez une commande, vérifiez dans
« Mes commandes » avant de la refaire.</p>
<p><a href="/">Retour à l’accueil</a></p>
</main>
</body>
</html>
"""


NUL_MESSAGE = "Requête invalide : l'adresse contient un caractère nul."
METHOD_MESSAGE = "Méthode HTTP non autorisée : {method}."
PAGE_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
# The API's views answer 405 themselves for the methods of REST they do not implement.
API_METHODS = (*PAGE_METHODS, "PUT", "PATCH", "DELETE")


def _refusal(request, status: int, message: str, field: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        # The API's error shape: {"errors": {<parameter>: <reason>}}.
        response = JsonResponse({"errors": {field: message}}, status=status)
    else:
        response = HttpResponse(
            '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>Requête refusée – Sauvons Noël</title></head><body><main><h1>Requête "
            f"refusée</h1><p>{escape(message)}</p>"
            '<p><a href="/">Retour à l’accueil</a></p></main></body></html>',
            status=status,
            content_type="text/html; charset=utf-8",
        )
    response["Cache-Control"] = "no-store"
    return response


def _nul_field(request) -> str | None:
    """Where a NUL byte is: ``"path"``, the first query parameter holding one, or None."""
    if "\x00" in request.path_info:
        return "path"
    query = request.META.get("QUERY_STRING", "")
    if "\x00" not in query and "%00" not in query:
        return None
    for name, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return "query"


class RequestSanityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _nul_field(request)
        if field:
            return _refusal(request, 400, NUL_MESSAGE, field)
        allowed = API_METHODS if request.path_info.startswith(API_PREFIX) else PAGE_METHODS
        if request.method not in allowed:
            message = METHOD_MESSAGE.format(method=request.method[:20])
            response = _refusal(request, 405, message, "method")
            response["Allow"] = ", ".join(allowed)
            return response
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable on %s %s: %s", request.method, request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"errors": {"service": MESSAGE}}, status=503)
        else:
            response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


# The JSON API: anonymous, read-only, French, no cookies. Its docs page is HTML.
API_PREFIX = "/api/"
API_HTML_PREFIXES = ("/api/v1/docs/",)


def is_json_api(path: str) -> bool:
    return path.startswith(API_PREFIX) and not path.startswith(API_HTML_PREFIXES)


def pages_only(middleware: type) -> type:
    """``middleware``, skipped for the JSON API.

    Sessions, the logged-in user, flash messages and the visitor's language serve the
    pages; the API uses none of them (its views authenticate nobody, its messages are
    French), yet together they cost about 0.2 ms of every API request. Only a middleware
    whose whole work is in ``__call__`` (no ``process_view`` / ``process_exception``) can be
    wrapped: the handler calls those hooks itself, whatever ``__call__`` skipped.
    """
    hooks = [name for name in ("process_view", "process_exception") if hasattr(middleware, name)]
    if hooks:
        raise TypeError(f"{middleware.__name__} has {hooks}: it cannot be skipped by path")

    class PagesOnly(middleware):
        def __call__(self, request):
            if is_json_api(request.path_info):
                return self.get_response(request)
            return super().__call__(request)

    PagesOnly.__name__ = PagesOnly.__qualname__ = middleware.__name__
    PagesOnly.__doc__ = f"{middleware.__module__}.{middleware.__name__}, skipped for the JSON API."
    return PagesOnly


SessionMiddleware = pages_only(_Sessions)
LocaleMiddleware = pages_only(_Locale)
AuthenticationMiddleware = pages_only(_Authentication)
MessageMiddleware = pages_only(_Messages)


# --- Content-Security-Policy, built once ---------------------------------------------------

# What a view can set on its response to change its own policy (django-csp's decorators).
CSP_RESPONSE_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
CSP_HEADERS = (
    (HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY", False),
    (HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
)


@functools.lru_cache(maxsize=2)
def site_policy(report_only: bool) -> str:
    """The settings' policy, as django-csp builds it for a response with no nonce and no
    override of its own (every page and API answer here): the same string each time."""
    return build_policy(report_only=report_only)


def _forget_site_policy(setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        site_policy.cache_clear()


setting_changed.connect(_forget_site_policy, dispatch_uid="middleware.csp-policy")


class CSPMiddleware(_CSP):
    """django-csp's middleware, with the settings' policy built once per process.

    django-csp rebuilds the header on every response (a dataclass deep-copied, every
    directive joined again, twice: enforced and report-only): ~0.1 ms of each request. A
    response whose request used a nonce, or whose view changed its policy, gets
    django-csp's own treatment; the others the same headers from ``site_policy``."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in CSP_RESPONSE_OVERRIDES
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # django-csp leaves Django's debug pages alone
        for header, exempt, setting, report_only in CSP_HEADERS:
            policy = site_policy(report_only)
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
