"""Security headers on the public pages, the API and the admin."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/api/v1/businesses/", "/communes/13055/"])
def test_public_responses_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "https://tile.openstreetmap.org" in csp  # the configured tile server
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_forms_are_csrf_protected(client):
    # A POST without the CSRF token is refused (Django's CsrfViewMiddleware, never exempt).
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/compte/connexion/", {"username": "x", "password": "y"})
    assert response.status_code == 403
