"""The JSON API skips the pages' middleware (sessions, language, user, messages), and
only the API does (geo_directory/middleware.py, ``pages_only``)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import CsrfViewMiddleware

from geo_directory.middleware import is_json_api, pages_only

pytestmark = pytest.mark.django_db


def test_api_responses_skip_the_pages_middleware_and_keep_the_security_headers(client):
    response = client.get("/api/v1/businesses/?page_size=1", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Content-Language" not in response  # LocaleMiddleware skipped
    assert "Accept-Language" not in response.get("Vary", "")
    assert "Cookie" not in response.get("Vary", "")  # no session looked at
    assert not response.cookies
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "user")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/communes/13055/", "/api/v1/docs/"])
def test_pages_and_the_api_docs_keep_them(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert isinstance(response.wsgi_request.user, AnonymousUser)
    assert hasattr(response.wsgi_request, "session")


def test_the_api_still_answers_in_french_and_in_json_for_errors(client):
    response = client.get("/api/v1/communes/99999/businesses/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    response = client.get("/api/v1/businesses/?page=0", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "entier" in response.json()["errors"]["page"]


def test_only_api_paths_outside_the_docs_are_json_api():
    assert is_json_api("/api/v1/businesses/")
    assert is_json_api("/api/v1/delivers-to/")
    assert not is_json_api("/api/v1/docs/")
    assert not is_json_api("/communes/13055/")
    assert not is_json_api("/apiculteurs/")


def test_a_middleware_with_view_hooks_cannot_be_skipped_by_path():
    with pytest.raises(TypeError, match="process_view"):
        pages_only(CsrfViewMiddleware)
