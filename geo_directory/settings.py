"""The one settings module, read from the environment.

Every variable below has a documented default (see README, "Configuration"):

- ``DATABASE_URL``: a ``postgis://`` URL; unset, the project-local cluster started by
  ``scripts/pgcluster.sh`` (Unix socket under ``.pg/run``) is used.
- ``GEO_DATA_DIR``: the folder of real public data, default ``../shared/data``.
- ``SECRET_KEY``: the signing key (sessions, CSRF, password-reset links). Unset, it is read
  from ``SECRET_KEY_FILE`` (default ``.secret_key`` at the checkout's root, git-ignored,
  mode 0600), which ``make`` creates once per install with a random key. With neither, a
  public development key is used, and only for ``DEBUG`` or the test suite: a production
  configuration (``DEBUG`` off, outside tests) refuses to start with it.
- ``TRUSTED_PROXIES``: comma-separated addresses or CIDR networks of the reverse proxies in
  front of gunicorn (e.g. ``127.0.0.1,10.0.0.0/8``), default empty. The client address
  (rate limits) is ``REMOTE_ADDR``, unless that peer is a trusted proxy: then the
  right-most address of ``X-Forwarded-For`` that is not a trusted proxy. ``X-Forwarded-For``
  from any other peer is ignored (anyone can write that header).
- ``DEBUG``: ``1``/``0``, default ``0``.
- ``ALLOWED_HOSTS``: comma-separated, default ``127.0.0.1,localhost``.
- ``TILE_URL``: the map's raster tile URL template (the only external resource).
- ``GEOCODER_BAN_DOMAIN``, ``GEOCODER_BAN_SCHEME``: the national address API (or a
  self-hosted addok with the same API), default ``api-adresse.data.gouv.fr`` / https.
- ``GEOCODER_NOMINATIM_DOMAIN``: the fallback geocoder, default
  ``nominatim.openstreetmap.org``; empty disables it.
- ``TEST_DATABASE_NAME``: the name of the throwaway test database.
- ``DATABASE_REPLICA_URLS``: comma-separated ``postgis://`` URLs of read replicas (see
  docs/deployment.md), with ``DATABASE_REPLICA_MAX_LAG`` (seconds, default 5).
"""

import ipaddress
import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# pytest (the test suite) or `manage.py test`: the development key is acceptable there.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
# The development key is prefixed "django-insecure-" so `check --deploy` flags it.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-set-SECRET_KEY"
SECRET_KEY_FILE = Path(os.environ.get("SECRET_KEY_FILE") or BASE_DIR / ".secret_key")


def read_secret_key() -> str:
    """SECRET_KEY, else the install's key file (`make` writes it), else the public key."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if not key and SECRET_KEY_FILE.is_file():
        key = SECRET_KEY_FILE.read_text().strip()
    return key or DEVELOPMENT_SECRET_KEY


SECRET_KEY = read_secret_key()
if SECRET_KEY == DEVELOPMENT_SECRET_KEY and not (DEBUG or TESTING):
    from django.core.exceptions import ImproperlyConfigured

    # Anyone who reads the source knows that key: sessions, password-reset links and every
    # signed value would be forgeable. Refuse to serve rather than serve with it.
    raise ImproperlyConfigured(
        f"SECRET_KEY is not set and {SECRET_KEY_FILE} does not exist: `make run` creates a "
        "random key there once per install, or set SECRET_KEY. The public development key "
        "is only for DEBUG=1 and the tests."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

GEO_DATA_DIR = Path(os.environ.get("GEO_DATA_DIR") or BASE_DIR.parent / "shared" / "data").resolve()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "geo_directory.territory",
    "geo_directory.businesses",
    "geo_directory.accounts",
    "geo_directory.geocoding",
    "geo_directory.orders",
    "geo_directory.import_runs",
    "geo_directory.photos",
    "geo_directory.shops",
    # Before drf_spectacular: its Swagger page template is overridden (no inline code).
    "geo_directory.api",
    "geo_directory.opendata",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "maps",
]

MIDDLEWARE = [
    # Repeated public API GETs from the worker's memory (off unless API_RESPONSE_CACHE_SECONDS):
    # outermost, so that a hit skips every other middleware; what it replays is the answer
    # they all made for the same URL (security headers, CSP, Cache-Control, ETag). Under
    # gunicorn its hits, and static files, are answered before Django (geo_directory/front.py).
    "geo_directory.caching.ResponseCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "geo_directory.middleware.CSPMiddleware",  # django-csp's, its policy built once
    # Before anything reads the URL: a NUL byte or an unknown HTTP method is a French 400/405.
    "geo_directory.middleware.RequestSanityMiddleware",
    # Static files for Django's own servers (live servers, runserver, the test client) and
    # for what the WSGI front passes on; gunicorn's front serves the rest with the same
    # settings. The middleware above it give each file its headers once (WHITENOISE_ADD_...).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "geo_directory.caching.SharedCacheMiddleware",  # Cache-Control/ETag: public or private
    # Sessions, language, user and messages: for the pages, skipped for the JSON API.
    "geo_directory.middleware.SessionMiddleware",
    "geo_directory.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "geo_directory.middleware.AuthenticationMiddleware",
    "geo_directory.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: its 503 (database unreachable) still gets the headers of the others.
    "geo_directory.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "geo_directory.urls"
# A refused CSRF check gets the French 403 page (geo_directory/errors.py).
CSRF_FAILURE_VIEW = "geo_directory.errors.csrf_failure"
WSGI_APPLICATION = "geo_directory.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's error pages (404.html, 403.html, 400.html, 500.html).
        "DIRS": [BASE_DIR / "geo_directory" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "geo_directory.accounts.context_processors.merchant_orders",
            ],
        },
    },
]


def local_cluster_database() -> dict:
    """The project-local cluster of scripts/pgcluster.sh, reached on its Unix socket."""
    return {
        "ENGINE": "geo_directory.postgis",
        "NAME": os.environ.get("PGDATABASE", "sauvons_noel"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "HOST": os.environ.get("PGHOST", str(BASE_DIR / ".pg" / "run")),
        "PORT": os.environ.get("PGPORT", "5432"),
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], engine="geo_directory.postgis")
    }
else:
    DATABASES = {"default": local_cluster_database()}
# Each gunicorn worker keeps its connection: opening one (with the session settings of
# geo_directory/postgis/base.py) costs 8-30 ms on the shared cores,
# so with 60 s every worker paid it once a minute. The health check replaces a connection
# the server dropped (restart, crash) before a request uses it; it looks at the socket
# instead of sending SELECT 1 (geo_directory/postgis/base.py).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A commit PostgreSQL acknowledges must survive a server crash: an order confirmed to a
# resident, an import reported done. The local cluster runs `synchronous_commit = off`
# (scripts/pgcluster.sh, for bulk loads), which loses the last ~0.6 s of acknowledged
# commits in a crash (tests/hardening/test_faults.py lost confirmed orders that way), so
# the application's connections set it back on whatever the server's default.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = f"{_options.get('options', '')} -c synchronous_commit=on".strip()
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_sauvons_noel")}

# Read replicas (PostgreSQL streaming standbys, docs/deployment.md): public reads go to a
# healthy one, writes and their author's next reads to the primary
# (geo_directory/postgis/router.py). Comma-separated postgis:// URLs; unset, no replica.
for _i, _url in enumerate(u for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u):
    _replica = dj_database_url.parse(_url.strip(), engine="geo_directory.postgis")
    # A replica that does not answer costs at most 2 s, then is skipped until its next check.
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    _replica.update(CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"], CONN_HEALTH_CHECKS=True)
    DATABASES[f"replica_{_i}"] = {**_replica, "TEST": {"MIRROR": "default"}}
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["geo_directory.postgis.router.ReplicaRouter"]
    MIDDLEWARE = ["geo_directory.postgis.router.ReadYourWritesMiddleware", *MIDDLEWARE]
    DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "5"))
    DATABASE_REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "1"))
    DATABASE_REPLICA_PIN_SECONDS = int(os.environ.get("DATABASE_REPLICA_PIN_SECONDS", "10"))

# Debian 12 ships GDAL 3.6; GDAL never opens user-supplied files here (GeoJSON is parsed
# by Python and GEOS), so its missing file/network blocking is not a risk we carry.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Checked on sign-up and on password reset (accounts.forms.SignupForm, Django's
# SetPasswordForm); 10 characters at least: « noel2026 » is refused.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet (the maps) and OpenLayers (the admin's map widget) come from the npm registry
# at build time (maps/package.json), never from a CDN.
NODE_MODULES = BASE_DIR / "maps" / "node_modules"
STATICFILES_DIRS = [
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/ol", NODE_MODULES / "ol" / "dist"),
]
# Uploaded photos (geo_directory/photos: an S3-compatible store is a settings override).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Merchants' claim proofs: personal data, never served (docs/deployment.md).
CLAIM_DOCUMENTS_ROOT = Path(os.environ.get("CLAIM_DOCUMENTS_ROOT") or BASE_DIR / "private-media")
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _static_file_headers(headers, path, url):
    """The headers the middleware chain adds, given by WhiteNoise to each static file itself
    (geo_directory/front.py: gunicorn serves static files before Django's handler)."""
    from geo_directory.front import static_file_headers

    static_file_headers(headers, path, url)


WHITENOISE_ADD_HEADERS_FUNCTION = _static_file_headers

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Sauvons Noël <noreply@sauvons-noel.fr>")
# Text messages to merchants (geo_directory/notifications/sms.py): a class path, like
# EMAIL_BACKEND. The console one prints; a provider's backend is one class to add.
SMS_BACKEND = os.environ.get(
    "SMS_BACKEND",
    "geo_directory.notifications.sms." + ("LocmemBackend" if TESTING else "ConsoleBackend"),
)

TILE_URL = os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

GEOCODER_BAN_DOMAIN = os.environ.get("GEOCODER_BAN_DOMAIN", "api-adresse.data.gouv.fr")
GEOCODER_BAN_SCHEME = os.environ.get("GEOCODER_BAN_SCHEME", "https")
GEOCODER_NOMINATIM_DOMAIN = os.environ.get(
    "GEOCODER_NOMINATIM_DOMAIN", "nominatim.openstreetmap.org"
)
GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "3"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sauvons Noël API",
    "DESCRIPTION": "Commerces de proximité de la Région Sud",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Production hardening -------------------------------------------------------------
# `SECURE_HTTPS=1` when the site is served behind TLS (a reverse proxy setting
# X-Forwarded-Proto): HSTS, HTTPS redirect and secure cookies. Off by default because
# `make run` serves plain HTTP on 127.0.0.1, where secure cookies would break logins.
SECURE_HTTPS = env_bool("SECURE_HTTPS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None


def _tile_origin(url: str) -> str:
    """The origin of the tile URL template, for the CSP (``{s}`` subdomains → ``*``)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}"


# Content-Security-Policy (django-csp): our pages load only their own scripts and styles
# (no inline code), images from here and the tile server, and call only our own API.
# The admin is left out: Django's GIS map widget renders an inline script.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", _tile_origin(TILE_URL)],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# One cache shared by every gunicorn worker (and every host on the same database): a
# table in PostgreSQL, created by the migration accounts/0003_shared_cache_table
# (`manage.py createcachetable` is idempotent too). Django's default LocMemCache would give
# each worker its own counters, multiplying every rate limit by the number of workers.
# Seconds a worker keeps a public API answer in memory (geo_directory/caching.py
# ResponseCacheMiddleware); 0 turns it off. gunicorn.conf.py sets it for the served site.
API_RESPONSE_CACHE_SECONDS = float(os.environ.get("API_RESPONSE_CACHE_SECONDS") or 0)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
# The reverse proxies whose X-Forwarded-For is believed (ratelimits.client_ip).
TRUSTED_PROXIES = [
    ipaddress.ip_network(item, strict=False) for item in env_list("TRUSTED_PROXIES", "")
]

# Abuse limits (geo_directory/ratelimits.py): scope -> {"ip"|"account": (count, seconds)},
# merged over ratelimits.DEFAULTS; a count of 0 or None lifts that limit. Over it: 429 with
# a French message and Retry-After.
RATE_LIMITS: dict = {}

# Merchants' accounts (geo_directory.accounts): log in with the e-mail address.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "/"
