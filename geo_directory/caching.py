"""HTTP caching: what a shared cache (nginx, a CDN) may keep, and what it must never keep.

``SharedCacheMiddleware`` decides, for every response that reaches Django (static files
never do: WhiteNoise answers them before, with its own ``Cache-Control``):

- **private**: the request carries a session cookie (a merchant, an admin, anyone logged
  in) or the replicas' read-your-writes pin, the response sets a cookie, or the page used
  the CSRF token (any form): the page belongs to one visitor. ``Cache-Control: private,
  no-store`` and ``Vary: Cookie``, even if the view said otherwise: a shared cache that
  kept one would hand a visitor's page, or their CSRF token, to the next one, and the
  writer pinned to the primary would read a copy older than their write. The merchants'
  space, checkout, orders, accounts and the admin are private by path too, whatever the
  request carries (their anonymous answer is a redirect to the login form, which no
  cache needs either).
- **public**: a successful GET/HEAD of the anonymous read-only pages (the JSON API, the
  home page, a commune's page), that is not private by the rules above:
  ``Cache-Control: public, max-age=60, stale-while-revalidate=30, stale-if-error=600``.
  The data changes when a merchant edits a listing or an import runs; a minute of delay
  is invisible to a resident, and a shared cache absorbs the repeated requests (the
  first view of the map is the same for every visitor). The HTML pages also get
  ``Vary: Cookie``: a logged-in merchant (session cookie) never gets the anonymous copy.
- anything else is left as the view made it (errors are not marked cacheable).

Every GET answer that may be stored (not ``no-store``) gets a strong ``ETag`` (a hash of
the body) and a request whose ``If-None-Match`` matches gets a 304 without the body
(Django's own ``get_conditional_response``): a cache revalidating a stale copy, or a
browser, downloads nothing when nothing changed.
"""

from __future__ import annotations

import collections
import re
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)

from geo_directory.middleware import is_json_api

MAX_AGE = 60
STALE_WHILE_REVALIDATE = 30
STALE_IF_ERROR = 600
PUBLIC_STATUSES = {200}
# The anonymous read-only HTML pages (maps/urls.py).
PUBLIC_PAGES = re.compile(r"^/(?:communes/[^/]+/)?$")
# Pages of one person, whatever the request carries (accounts, orders, admin).
PRIVATE_PREFIXES = ("/admin/", "/compte/", "/espace/", "/commercant/", "/mes-commandes/")
PRIVATE_PAGES = re.compile(r"^/commerces/[^/]+/commander/")
# Besides the session: the read-your-writes pin of the read replicas' router
# (geo_directory/postgis/router.py PIN_COOKIE): its holder just wrote and must read fresh.
PIN_COOKIE = "sn_primaire"


def private_cookies() -> tuple[str, ...]:
    """Cookies whose presence makes a request private (a shared cache passes it on)."""
    return (settings.SESSION_COOKIE_NAME, PIN_COOKIE)


def asset_prefixes() -> tuple[str, ...]:
    return (settings.STATIC_URL, settings.MEDIA_URL)


def is_public_path(path: str) -> bool:
    return is_json_api(path) or bool(PUBLIC_PAGES.match(path))


def is_private(request, response) -> bool:
    path = request.path_info
    return (
        path.startswith(PRIVATE_PREFIXES)
        or bool(PRIVATE_PAGES.match(path))
        or any(name in request.COOKIES for name in private_cookies())
        or bool(response.cookies)
        # Set by django.middleware.csrf.get_token: the page holds a CSRF token.
        or bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        or _authenticated(request)
    )


def _authenticated(request) -> bool:
    # request.user is lazy (session lookup): only look when a session was loaded anyway.
    session = getattr(request, "session", None)
    if session is None or not getattr(session, "accessed", False):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SharedCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(asset_prefixes()):
            # Content-addressed files (static, photos): the same bytes for everyone, whatever
            # cookie the visitor carries; their view already says public and immutable.
            return response
        if is_private(request, response):
            # Replaces whatever the view said: private wins over public.
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ("Cookie",))
            return response
        if request.method not in ("GET", "HEAD"):
            return response
        path = request.path_info
        if (
            response.status_code in PUBLIC_STATUSES
            and "Cache-Control" not in response
            and is_public_path(path)
        ):
            patch_cache_control(
                response,
                public=True,
                max_age=MAX_AGE,
                stale_while_revalidate=STALE_WHILE_REVALIDATE,
                stale_if_error=STALE_IF_ERROR,
            )
            if not is_json_api(path):
                patch_vary_headers(response, ("Cookie",))
        if response.streaming or "no-store" in response.get("Cache-Control", ""):
            return response
        if response.status_code == 200 and not response.has_header("ETag"):
            set_response_etag(response)
        etag = response.get("ETag")
        if etag:
            return get_conditional_response(request, etag=etag, response=response)
        return response


# --- The server's own cache of public API answers (ResponseCacheMiddleware) -----------------

# A unique value (not a counter: DatabaseCache.incr is a read then a write, two writers
# could leave the same number) rewritten by every change of what the API shows.
GENERATION_KEY = "api:data-generation"
# The models whose rows the API's answers show: listings, categories, territory, photos,
# and the campaigns behind "takes_orders".
GENERATION_APPS = frozenset({"businesses", "territory", "photos"})
GENERATION_MODELS = frozenset({("orders", "campaign")})
MAX_ENTRIES = 2_000
MAX_BODY = 256 * 1024
# Request headers that make an answer someone's own (besides the private cookies).
PRIVATE_HEADERS = ("HTTP_AUTHORIZATION",)


def data_generation():
    """The current data generation, read from the primary (the cache table is not a
    replicated app, postgis/router.py): one indexed row."""
    from django.core.cache import cache

    return cache.get(GENERATION_KEY)


def bump_generation(**kwargs) -> None:
    """Every server's cached API answers are stale from the commit of this change on: the
    write goes through the writer's own connection and transaction (DatabaseCache), so
    the new generation becomes visible exactly when the change does."""
    import secrets

    from django.core.cache import cache

    cache.set(GENERATION_KEY, secrets.token_hex(8), None)


def shows_in_the_api(sender) -> bool:
    meta = getattr(sender, "_meta", None)
    return meta is not None and (
        meta.app_label in GENERATION_APPS or (meta.app_label, meta.model_name) in GENERATION_MODELS
    )


def bump_on_model_change(sender, **kwargs) -> None:
    """post_save / post_delete / m2m_changed receiver (api/apps.py)."""
    if shows_in_the_api(sender):
        bump_generation()


class ResponseCacheMiddleware:
    """Public JSON API answers kept in the worker's memory for ``API_RESPONSE_CACHE_SECONDS``.

    The map's requests are grid-aligned (maps/static/maps/js/tiles.js): the same screen
    asks the same URL, and the first views of the region and of each commune repeat from
    visitor to visitor. A repeat is answered from memory, keyed by the full URL (scheme,
    host, path and query: the answers hold absolute links) and Accept, without any other
    middleware (this one is outermost: what it replays is the answer they all made for
    that URL, headers included), the view or its SQL: only the data generation is read
    (one row). Measured in process before it: a listing request spends ~1.6 ms of Python
    building its 50 features, ~1 ms in the middleware (CSP, ETag hash, URL resolving).

    Correct by construction:
    - only what ``SharedCacheMiddleware`` (further in) marked ``public``, a 200 with
      no cookie set and no Vary beyond Accept-Encoding, is stored;
    - a request with a session or the replicas' read-your-writes pin (a merchant who just
      wrote) or an Authorization header is never answered from, nor stored in, the cache;
    - a change of a listing, category, commune, photo or campaign through the models, or
      an import (``listings_bulk_changed``), rewrites the data generation in the same
      transaction (``bump_generation``): every worker's copies are stale from its commit.
      A set-based ``QuerySet.update()`` sends no signal: it shows after at most the TTL,
      as does a replica's lag behind a commit (at most ``DATABASE_REPLICA_MAX_LAG``);
    - a hit honours ``If-None-Match`` (304) with the stored ETag.
    Off (0) unless set: ``gunicorn.conf.py`` turns it on for the served site.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.entries: collections.OrderedDict = collections.OrderedDict()
        self.lock = threading.Lock()

    def _key(self, request):
        if request.method != "GET" or not is_json_api(request.path_info):
            return None
        if any(name in request.COOKIES for name in private_cookies()):
            return None
        if any(header in request.META for header in PRIVATE_HEADERS):
            return None
        return (
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            request.META.get("HTTP_ACCEPT", ""),
        )

    def __call__(self, request):
        ttl = float(getattr(settings, "API_RESPONSE_CACHE_SECONDS", 0) or 0)
        key = self._key(request) if ttl > 0 else None
        if key is None:
            return self.get_response(request)
        try:
            generation = data_generation()
        except (OperationalError, InterfaceError):
            # The database is down: no copy can be trusted, and the view's own query
            # gets the French 503 (middleware.DatabaseUnavailableMiddleware).
            return self.get_response(request)
        now = time.monotonic()
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        if entry is not None and entry[0] == generation and entry[1] > now:
            _, _, status, headers, body = entry
            response = HttpResponse(body, status=status)
            for name, value in headers:
                response[name] = value
            etag = response.get("ETag")
            if etag:
                response = get_conditional_response(request, etag=etag, response=response)
            response["X-Sn-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._storable(response):
            headers = list(response.items())
            stored = (generation, now + ttl, response.status_code, headers, response.content)
            with self.lock:
                self.entries[key] = stored
                self.entries.move_to_end(key)
                while len(self.entries) > MAX_ENTRIES:
                    self.entries.popitem(last=False)
        return response

    @staticmethod
    def _storable(response) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        if "public" not in directives or directives & {"private", "no-store", "no-cache"}:
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return vary <= {"accept-encoding"} and len(response.content) <= MAX_BODY
