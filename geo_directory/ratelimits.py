"""The site's one rate-limit mechanism: fixed windows counted in the shared cache.

Each limited endpoint has a *scope* (``"login"``, ``"checkout"``...) with one or more
keys — ``"ip"`` (the client address) and ``"account"`` (the e-mail typed, or the logged-in
user) — each allowing ``count`` requests per ``period`` seconds. The counters live in
Django's ``default`` cache, a ``DatabaseCache`` (settings.CACHES): every gunicorn worker
sees the same counts. ``cache.incr`` is a read then a write, so a burst of simultaneous
requests can be under-counted by at most the number of workers; the limit still holds
within that margin.

Limits are read at each request from ``settings.RATE_LIMITS`` (scope → {key: (count,
period)}), merged over ``DEFAULTS`` below, so tests and deployments can override them.
A cache failure (database down) lets the request through: the view then fails or answers
on its own, and a rate limiter never turns an outage into a wall of 429.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape

log = logging.getLogger(__name__)

MINUTE, HOUR = 60, 3600

# scope → {key: (requests allowed, per seconds)}. The per-IP limits stay generous: many
# residents share one address behind a mobile operator's NAT.
DEFAULTS: dict[str, dict[str, tuple[int, int]]] = {
    # Each miss costs a call to the upstream geocoder (GEOCODER_RATE_LIMIT still honoured).
    "geocoding": {"ip": (60, MINUTE)},
    "signup": {"ip": (10, HOUR)},
    "login": {"ip": (30, 5 * MINUTE), "account": (10, 5 * MINUTE)},
    # Per account: no mail-bombing of one address through the reset form.
    "password_reset": {"ip": (10, HOUR), "account": (3, HOUR)},
    "checkout": {"ip": (30, 10 * MINUTE), "account": (10, 10 * MINUTE)},
    # Each request may send an e-mail: no mail-bombing through « Mes commandes ».
    "guest_orders": {"ip": (10, HOUR), "account": (3, HOUR)},
    # Each one e-mails or texts a shop's published address: no spamming shops through us.
    "claim_code": {"ip": (20, HOUR), "account": (6, HOUR)},
}

MESSAGES = {
    "geocoding": "Trop de requêtes de géocodage : réessayez dans une minute.",
    "signup": "Trop d'inscriptions depuis votre connexion : réessayez plus tard.",
    "login": "Trop de tentatives de connexion : patientez quelques minutes avant de réessayer.",
    "password_reset": "Trop de demandes de réinitialisation : réessayez plus tard.",
    "checkout": "Trop de commandes envoyées en peu de temps : patientez quelques minutes.",
    "guest_orders": "Trop de demandes de lien : réessayez plus tard.",
    "claim_code": "Trop de codes demandés : réessayez dans une heure ou envoyez un justificatif.",
}


def limits(scope: str) -> dict[str, tuple[int, int]]:
    """The limits of a scope: DEFAULTS, then settings.RATE_LIMITS (``None`` removes a key)."""
    merged = dict(DEFAULTS.get(scope, {}))
    if scope == "geocoding" and hasattr(settings, "GEOCODER_RATE_LIMIT"):
        merged["ip"] = (settings.GEOCODER_RATE_LIMIT, MINUTE)
    merged.update(getattr(settings, "RATE_LIMITS", {}).get(scope, {}))
    return {key: value for key, value in merged.items() if value and value[0]}


def _is_trusted(address: str, proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in proxies)


def client_ip(request) -> str:
    """The client's address: the peer (``REMOTE_ADDR``), unless the peer is one of
    ``settings.TRUSTED_PROXIES``; then the right-most address of X-Forwarded-For that is
    not a trusted proxy (each proxy appends the address it received the request from, so
    everything left of that is whatever the client chose to write). X-Forwarded-For from
    any other peer is ignored: anyone could forge a new address per request."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = getattr(settings, "TRUSTED_PROXIES", ())
    if not proxies or not _is_trusted(remote, proxies):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if _is_trusted(hop, proxies):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:  # not an address: a misconfigured proxy, not a client's word
            return remote
    return remote  # no header, or only proxies: the request came from the proxy itself


def _account(request) -> str:
    """The account a request is about: the logged-in user, else the e-mail it types."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    for field in ("username", "email"):
        value = request.POST.get(field, "").strip().lower()
        if value:
            return f"email:{value}"
    return ""


IDENTIFIERS = {"ip": client_ip, "account": _account}


def hit(scope: str, key: str, ident: str, count: int, period: int) -> int:
    """Count one request; 0 if allowed, else the seconds until the window ends."""
    now = int(time.time())
    window = now // period
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{key}:{period}:{window}:{digest}"
    cache.add(cache_key, 0, timeout=period + 30)
    try:
        n = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period + 30)
        n = 1
    return 0 if n <= count else period - now % period or 1


def check(request, scope: str) -> int:
    """Count the request under every key of the scope; 0, or the Retry-After seconds."""
    retry = 0
    try:
        for key, (count, period) in limits(scope).items():
            ident = IDENTIFIERS[key](request)
            if ident:
                retry = max(retry, hit(scope, key, ident, count, period))
    except Exception:  # the shared cache is a database table: fail open, say so
        log.warning("rate limit %s not checked: cache unavailable", scope, exc_info=True)
        return 0
    return retry


def too_many(request, scope: str, retry_after: int, as_json: bool = False) -> HttpResponse:
    message = MESSAGES.get(scope, "Trop de requêtes : réessayez plus tard.")
    if as_json:
        response = JsonResponse({"error": message}, status=429)
    else:
        response = HttpResponse(
            '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>Trop de requêtes — Sauvons Noël</title></head><body><h1>Trop de "
            f'requêtes</h1><p>{escape(message)}</p><p><a href="/">Retour à l\'accueil</a>'
            "</p></body></html>",
            status=429,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit(scope: str, methods: tuple[str, ...] = ("POST",), as_json: bool = False):
    """Decorator: requests with one of ``methods`` count against ``scope``; over → 429."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                retry = check(request, scope)
                if retry:
                    return too_many(request, scope, retry, as_json)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
