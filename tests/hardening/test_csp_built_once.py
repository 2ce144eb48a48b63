"""The Content-Security-Policy built once per process (middleware.CSPMiddleware) is the
header django-csp's own middleware writes, and follows a change of the settings."""

import copy

import pytest
from django.conf import settings as django_settings
from django.test import Client

pytestmark = pytest.mark.django_db

URLS = (
    "/",
    "/api/v1/categories/",
    "/api/v1/businesses/?point=5.381000,43.298000&page_size=2",
    "/api/v1/businesses/?point=abc",  # a 400
    "/communes/13055/",
    "/compte/connexion/",  # a form (CSRF)
    "/api/v1/nowhere/",  # a 404
)
CSP_HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def _headers(urls):
    client = Client()
    return [(url, {name: client.get(url).get(name) for name in CSP_HEADERS}) for url in urls]


STOCK = [
    "csp.middleware.CSPMiddleware" if name == "geo_directory.middleware.CSPMiddleware" else name
    for name in django_settings.MIDDLEWARE
]


@pytest.mark.parametrize("report_only", [False, True])
def test_the_same_headers_as_django_csp_s_own_middleware(settings, report_only):
    assert "geo_directory.middleware.CSPMiddleware" in django_settings.MIDDLEWARE
    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
            "DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report/"}
        }
    ours = _headers(URLS)
    assert all(found["Content-Security-Policy"] for _, found in ours)
    assert all(bool(f["Content-Security-Policy-Report-Only"]) == report_only for _, f in ours)
    settings.MIDDLEWARE = STOCK
    assert _headers(URLS) == ours


def test_a_change_of_the_policy_shows_at_once(settings):
    before = Client().get("/api/v1/categories/")["Content-Security-Policy"]
    policy = copy.deepcopy(django_settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"] = ["'self'", "https://tuiles.example.org"]
    settings.CONTENT_SECURITY_POLICY = policy
    after = Client().get("/api/v1/categories/")["Content-Security-Policy"]
    assert "https://tuiles.example.org" in after and after != before
    # An excluded prefix (the admin) gets none, as with django-csp.
    assert "Content-Security-Policy" not in Client().get("/admin/login/")
