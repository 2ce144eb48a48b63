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
import hashlib
import os
import re
import threading
import time
from http import HTTPStatus

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import quote_etag

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
            set_etag(response)
        etag = response.get("ETag")
        if etag:
            return get_conditional_response(request, etag=etag, response=response)
        return response


def set_etag(response) -> None:
    """Django's ``set_response_etag`` with SHA-1 instead of MD5: OpenSSL's SHA-1 hashes
    2.5 times faster on our CPUs (37 µs against 90 µs for a 60 KB listing, every 200 here
    is hashed). An ETag only tells two versions of one URL apart: no security at stake."""
    if not response.streaming and response.content:
        digest = hashlib.sha1(response.content, usedforsecurity=False).hexdigest()
        response.headers["ETag"] = quote_etag(digest)


# --- The server's own cache of public API answers (ResponseCacheMiddleware) -----------------

# The data generation: a number each process keeps in memory, moved on by every change of
# what the API shows (``bump_generation``): at once in the process that writes, and in every
# other process when the writer commits, by PostgreSQL's NOTIFY on this channel, which a
# listener thread per process receives (``_listen``). A hit reads no database at all: the
# generation's read through Django's database cache (a SELECT, base64, unpickling) cost
# ~0.27 ms of Python and a PostgreSQL round trip on every hit.
CHANNEL = "sn_api_data"
# The models whose rows the API's answers show: listings, categories, territory, photos,
# and the campaigns behind "takes_orders".
GENERATION_APPS = frozenset({"businesses", "territory", "photos"})
GENERATION_MODELS = frozenset({("orders", "campaign")})
# Each process keeps at most MAX_BYTES of answers (their bodies, plus ENTRY_OVERHEAD each
# for the key and headers), least recently used dropped first: ~4,000 answers of the load
# test's mix (30 KB on average: a listing of 200 features is 116 KB, a count 2 KB). With
# the 60 s of gunicorn.conf.py, 2,000 answers held only 38 % of the API requests against
# 41-44 % for 4,000-8,000 (python -m bench.cache_sim).
MAX_BYTES = 128 * 1024 * 1024
ENTRY_OVERHEAD = 1024
MAX_BODY = 256 * 1024
# Request headers that make an answer someone's own (besides the private cookies).
PRIVATE_HEADERS = ("HTTP_AUTHORIZATION",)
# The listener's reconnection pace while the database is down, and how long the first
# request of a process waits for its first connection (then the cache is usable at once).
LISTEN_RETRY_SECONDS = 1.0
LISTEN_FIRST_WAIT_SECONDS = 2.0

_generation = 0
_listening = False  # the listener holds a LISTENing connection: notices can be trusted
_listener: tuple[int, threading.Thread, threading.Event] | None = None  # (pid, thread, stop)
_state_lock = threading.Lock()


def data_generation() -> int | None:
    """This process's current data generation, or None while its listener is not connected
    (starting, or the database is down): then no kept answer can be trusted, and the
    view's own query gets the French 503 (middleware.DatabaseUnavailableMiddleware)."""
    _ensure_listener()
    return _generation if _listening else None


def _bump_local() -> None:
    global _generation
    with _state_lock:
        _generation += 1


def bump_generation(**kwargs) -> None:
    """Every server's cached API answers are stale from the commit of this change on.

    This process's copies at once (before the commit: a request of this process that reads
    the old rows meanwhile keeps its answer under the new generation, which the NOTIFY
    below moves on again at the commit). Other processes' when the writer's transaction
    commits: the NOTIFY goes through the writer's own connection, and PostgreSQL delivers
    it only at commit (never if it rolls back). A test's transaction never commits: its
    own process's bump is what its next request sees.

    Sent even where the cache is off (``API_RESPONSE_CACHE_SECONDS`` unset or 0): whether
    this process keeps answers says nothing of the others. A ``manage.py`` import or shell
    runs with it off beside gunicorn workers that have it on (``gunicorn.conf.py`` sets it
    for them only): skipping the NOTIFY there would leave every worker serving the old
    listings for the whole TTL after the import (tests/hardening/
    test_response_cache_listener.py, its other process has the cache off). With no one
    listening, a NOTIFY costs one statement in a transaction that is writing anyway."""
    from django.db import connections

    _bump_local()
    with connections[kwargs.get("using") or "default"].cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])


def _connect():
    """A connection of its own to the primary (``default``'s parameters, session settings
    included), in autocommit: LISTEN needs a session, so through PgBouncer it needs
    ``pool_mode = session`` (docs/deployment.md), as the rest of the site does."""
    import psycopg
    from django.db import connections

    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.setdefault("connect_timeout", 5)
    return psycopg.connect(**params, autocommit=True)


def _listen(stop: threading.Event, attempted: threading.Event) -> None:
    """Receive the other processes' bumps; while not connected, say so (``_listening``).

    A (re)connection moves the generation on before it is trusted: notices sent while the
    connection was down are lost, so nothing kept before it is used again. The database
    going down ends the connection's socket (a crash, a restart): the loop sees it at once
    and the cache steps aside until the database is back."""
    global _listening
    import psycopg

    while not stop.is_set():
        try:
            with _connect() as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                _bump_local()
                _listening = True
                attempted.set()
                while not stop.is_set():
                    for _notice in conn.notifies(timeout=LISTEN_RETRY_SECONDS):
                        _bump_local()
        except psycopg.Error:
            pass
        finally:
            _listening = False
            attempted.set()
        stop.wait(LISTEN_RETRY_SECONDS)


def _ensure_listener() -> None:
    """One listener thread per process, started by its first cached request: in a gunicorn
    worker, after the fork (a forked child has a copy of the parent's flags, not its
    threads)."""
    global _listener, _listening
    if _listener is not None and _listener[0] == os.getpid():
        return
    with _state_lock:
        if _listener is not None and _listener[0] == os.getpid():
            return
        _listening = False
        stop, attempted = threading.Event(), threading.Event()
        thread = threading.Thread(
            target=_listen, args=(stop, attempted), name="sn-api-cache-listener", daemon=True
        )
        _listener = (os.getpid(), thread, stop)
        thread.start()
    attempted.wait(LISTEN_FIRST_WAIT_SECONDS)


def stop_listening() -> None:
    """End this process's listener and close its connection (tests: before the test
    database is dropped)."""
    global _listener
    with _state_lock:
        listener, _listener = _listener, None
    if listener is not None and listener[0] == os.getpid():
        listener[2].set()
        listener[1].join(timeout=LISTEN_RETRY_SECONDS * 3)


def shows_in_the_api(sender) -> bool:
    meta = getattr(sender, "_meta", None)
    return meta is not None and (
        meta.app_label in GENERATION_APPS or (meta.app_label, meta.model_name) in GENERATION_MODELS
    )


def bump_on_model_change(sender, **kwargs) -> None:
    """post_save / post_delete / m2m_changed receiver (api/apps.py)."""
    if shows_in_the_api(sender):
        bump_generation()


def ttl() -> float:
    return float(getattr(settings, "API_RESPONSE_CACHE_SECONDS", 0) or 0)


def is_kept_page(path: str) -> bool:
    """The anonymous read-only HTML pages the workers keep (the home page, a commune's):
    the first request of every visit."""
    return bool(PUBLIC_PAGES.match(path))


def may_be_kept(path: str) -> bool:
    """Whether an answer to ``path`` may be kept at all (``cache_key`` decides the rest):
    the JSON API and the public pages. The WSGI front asks it before building a request."""
    return is_json_api(path) or is_kept_page(path)


def cache_key(request, host) -> tuple | None:
    """The key of the kept answer to ``request``, or None if it may have none: the one home
    of the rules that make an answer shareable (a public JSON API GET, or a public page's
    GET without any cookie, with nothing of one person's) and of what tells two answers
    apart. ``host`` is called only for a request that may have one (the middleware's
    validates it, the front's reads it).

    A page varies on the cookies and the language (``Vary: Accept-Language, Cookie``): it
    is kept only for a request without any cookie (a visitor's first request; a session,
    a language cookie or a CSRF cookie all pass it on to Django) and its key holds the
    Accept-Language header the language was chosen from."""
    path = request.path_info
    if request.method != "GET" or not may_be_kept(path):
        return None
    if is_json_api(path):
        language = None
    elif not request.META.get("HTTP_COOKIE"):  # a public page
        language = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    else:
        return None
    if any(name in request.COOKIES for name in private_cookies()):
        return None
    if any(header in request.META for header in PRIVATE_HEADERS):
        return None
    return (
        request.scheme,
        host(),
        request.get_full_path(),
        request.META.get("HTTP_ACCEPT", ""),
        language,
    )


class ResponseStore:
    """This process's kept answers, by ``cache_key``: filled by ``ResponseCacheMiddleware``
    (after the whole chain made the answer), read before Django by the WSGI front
    (``answer_before_django``) and by the middleware. An entry is
    ``(generation, expiry, status, headers, body)``; it answers only while both hold."""

    def __init__(self):
        self.entries: collections.OrderedDict = collections.OrderedDict()
        self.size = 0  # bytes held: sum of entry_size()
        self.lock = threading.Lock()

    @staticmethod
    def entry_size(entry) -> int:
        return len(entry[4]) + ENTRY_OVERHEAD

    def get(self, key, generation: int, now: float):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        if entry is not None and entry[0] == generation and entry[1] > now:
            return entry
        return None

    def put(self, key, entry) -> None:
        with self.lock:
            replaced = self.entries.pop(key, None)
            if replaced is not None:
                self.size -= self.entry_size(replaced)
            self.entries[key] = entry
            self.size += self.entry_size(entry)
            while self.size > MAX_BYTES and len(self.entries) > 1:
                _, dropped = self.entries.popitem(last=False)
                self.size -= self.entry_size(dropped)


STORE = ResponseStore()
PAGE_VARY = frozenset({"accept-encoding", "accept-language", "cookie"})
HIT_HEADER = ("X-Sn-Cache", "hit")
# The request headers get_conditional_response reads: a request without any is answered
# with the stored answer as it is.
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def kept_response(request, entry) -> HttpResponse:
    """The kept answer replayed: its status, headers and body, a 304 on a matching
    ``If-None-Match`` (Django's own ``get_conditional_response``), ``X-Sn-Cache: hit``."""
    _, _, status, headers, body = entry
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    etag = response.get("ETag")
    if etag:
        response = get_conditional_response(request, etag=etag, response=response)
    response[HIT_HEADER[0]] = HIT_HEADER[1]
    return response


def answer_before_django(environ, start_response):
    """The WSGI front's half of the cache (geo_directory/front.py): a hit answered from
    ``environ`` without Django's handler (no request_started/finished signals, no
    middleware), else None. Measured under gunicorn, a hit cost 0.68-0.73 ms of worker CPU
    through the handler.

    The host in the key is the request's raw one (Host, or X-Forwarded-Host where
    trusted), not validated here: entries are only stored by the middleware, whose key
    came from Django's ``get_host()``, which refuses (400) any host outside
    ``ALLOWED_HOSTS`` before anything is stored. A host Django refused is in no key, so a
    request naming one never matches and goes on to Django, which refuses it as before."""
    if ttl() <= 0:
        return None
    # A copy: WSGIRequest writes the decoded path back into its environ (META), which
    # Django's handler would then decode a second time (a non-Latin-1 path was a 500).
    request = WSGIRequest(dict(environ))
    key = cache_key(request, request._get_raw_host)
    if key is None:
        return None
    generation = data_generation()
    if generation is None:
        return None
    entry = STORE.get(key, generation, time.monotonic())
    if entry is None:
        return None
    if any(header in environ for header in CONDITIONAL_HEADERS):
        response = kept_response(request, entry)
        # As Django's WSGIHandler writes it; the body as a list, not the response object,
        # whose close() would send request_finished (close_old_connections...) for nothing.
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, list(response.items()))
        return [response.content]
    # The stored headers as they are: what kept_response's HttpResponse would give back
    # (they came out of one), without its ~60 µs of checking each header again.
    _, _, status, headers, body = entry
    start_response(f"{status} {HTTPStatus(status).phrase}", [*headers, HIT_HEADER])
    return [body]


class ResponseCacheMiddleware:
    """Public JSON API answers kept in the worker's memory for ``API_RESPONSE_CACHE_SECONDS``,
    and the public pages (home, a commune's) for a visitor without any cookie (``cache_key``).

    The map's requests are grid-aligned (maps/static/maps/js/tiles.js): the same screen
    asks the same URL, and the first views of the region and of each commune repeat from
    visitor to visitor. A repeat is answered from memory, keyed by the full URL (scheme,
    host, path and query: the answers hold absolute links) and Accept, without any other
    middleware (this one is outermost: what it replays is the answer they all made for
    that URL, headers included), the view or its SQL: no database read at all (the data
    generation is in memory, kept current by a listener thread). Under gunicorn the hits
    do not even reach Django: the WSGI front (geo_directory/front.py) answers them from the
    same ``STORE`` with the same rules (``cache_key``, ``kept_response``). Measured in process
    before it: a listing request spends ~1.6 ms of Python building its 50 features,
    ~1 ms in the middleware (CSP, ETag hash, URL resolving).

    Correct by construction:
    - only what ``SharedCacheMiddleware`` (further in) marked ``public``, a 200 with
      no cookie set and no Vary beyond Accept-Encoding (a page: beyond what its key
      holds, its language header, and the cookies its request had none of), is stored;
    - a request with a session or the replicas' read-your-writes pin (a merchant who just
      wrote) or an Authorization header is never answered from, nor stored in, the cache;
    - a change of a listing, category, commune, photo or campaign through the models, or
      an import (``listings_bulk_changed``), moves the data generation on: this process's
      copies at once, every other worker's when the writer's transaction commits
      (``bump_generation``: NOTIFY in that transaction; its listener thread receives it
      within milliseconds of the commit). While a worker's listener is not connected
      (the database is down, or restarting) its cache is neither read nor filled.
      A set-based ``QuerySet.update()`` sends no signal: it shows after at most the TTL.
      An answer read from a replica that had not yet replayed a commit (at most
      ``DATABASE_REPLICA_MAX_LAG`` behind) is kept under the new generation: it too shows
      the change after at most the TTL, the public ``max-age`` a proxy already allows;
    - a hit honours ``If-None-Match`` (304) with the stored ETag.
    Off (0) unless set: ``gunicorn.conf.py`` turns it on for the served site.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Django's get_host() validates the host (DisallowedHost, a 400, for any other):
        # only hosts it accepted ever enter a key (see answer_before_django).
        key = cache_key(request, request.get_host) if ttl() > 0 else None
        if key is None:
            return self.get_response(request)
        generation = data_generation()
        if generation is None:
            return self.get_response(request)
        now = time.monotonic()
        # Under gunicorn the WSGI front (answer_before_django) answered the hits already;
        # Django's own servers (tests, runserver, live servers) have no front.
        entry = STORE.get(key, generation, now)
        if entry is not None:
            return kept_response(request, entry)
        response = self.get_response(request)
        if self._storable(response, page=key[4] is not None):
            headers = list(response.items())
            STORE.put(
                key, (generation, now + ttl(), response.status_code, headers, response.content)
            )
        return response

    @staticmethod
    def _storable(response, page: bool) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        if "public" not in directives or directives & {"private", "no-store", "no-cache"}:
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        # A page's key holds the language header and only a request without cookies has
        # one (cache_key): what it varies on is in its key.
        allowed = PAGE_VARY if page else {"accept-encoding"}
        return vary <= allowed and len(response.content) <= MAX_BODY
