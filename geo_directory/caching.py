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

import re

from django.conf import settings
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
