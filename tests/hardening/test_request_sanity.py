"""Requests the site cannot mean to serve get a French 400/405, never a 500, on every route.

A NUL byte (``%00``) in the path or the query reached views and filters whose SQL
PostgreSQL refuses (``A string literal cannot contain NUL``): ``/communes/%00/``,
``/commandes/%00/``, an admin filter ``?status__exact=%00`` were 500s. ``TRACE /``
answered 200 with the home page. ``RequestSanityMiddleware`` (geo_directory/middleware.py)
refuses both before any view; this walks every URL pattern of the project (the real
resolver), logged in as a superuser so that the admin's views run too.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

SAMPLES = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": "0" * 32}
ROUTE_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<\w+>([^()]*)\)")


def _route_text(pattern, fill) -> str:
    """A concrete path piece for a pattern, each parameter replaced by ``fill(conv)``."""
    if hasattr(pattern, "_route"):
        return ROUTE_PARAM.sub(lambda m: fill(m["conv"] or "str"), pattern._route)
    regex = pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")

    def group(match):
        inner = match.group(1)
        if re.fullmatch(r"[\w|]+", inner):  # an alternation of names: the admin's app labels
            return inner.split("|")[0]
        return fill("str")

    return REGEX_GROUP.sub(group, regex).replace("\\", "")


def all_paths(fill) -> set[str]:
    """Every URL of the project, parameters filled by ``fill``."""
    paths: set[str] = set()
    stack = [("/", get_resolver())]
    while stack:
        prefix, resolver = stack.pop()
        for entry in resolver.url_patterns:
            text = prefix + _route_text(entry.pattern, fill)
            if isinstance(entry, URLResolver):
                stack.append((text, entry))
            elif isinstance(entry, URLPattern):
                paths.add(text)
    return paths


@pytest.fixture
def superuser_client():
    user = get_user_model().objects.create_superuser("nul-admin", "nul-admin@example.fr", "x")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_the_walk_covers_the_project():
    paths = all_paths(SAMPLES.get)
    assert len(paths) > 60
    for expected in (
        "/communes/x/",
        "/commandes/x/",
        "/admin/orders/order/",
        "/api/v1/businesses/",
    ):
        assert expected in paths, expected


def test_nul_in_any_path_or_query_is_a_400_or_404_never_a_500(superuser_client):
    urls = set()
    for path in all_paths(SAMPLES.get):
        urls.add(path + "?q=%00&status__exact=%00&page=%00")
        urls.add(path + "%00")
    urls |= {path for path in all_paths(lambda conv: "%00") if "%00" in path}
    failures = []
    for url in sorted(urls):
        response = superuser_client.get(url)
        if response.status_code >= 500 or response.status_code not in (400, 404):
            failures.append((url, response.status_code))
    assert not failures, failures


@pytest.mark.parametrize(
    "url", ["/communes/%00/", "/commandes/%00/", "/admin/orders/order/?status__exact=%00"]
)
def test_the_probed_urls_get_the_french_400(superuser_client, url):
    response = superuser_client.get(url)
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()


def test_the_api_answers_json_naming_the_parameter(client):
    response = client.get("/api/v1/businesses/?page_size=5&q=ab%00c")
    assert response.status_code == 400
    assert "caractère nul" in response.json()["errors"]["q"]
    response = client.get("/api/v1/communes/%00/")
    assert "caractère nul" in response.json()["errors"]["path"]


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "TRACK", "MKCOL", "FOO"])
@pytest.mark.parametrize("path", ["/", "/communes/13001/", "/api/v1/businesses/"])
def test_odd_methods_are_405(method, path):
    response = Client(raise_request_exception=False).generic(method, path)
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert method not in response["Allow"]


@pytest.mark.parametrize("path", ["/", "/compte/connexion/"])
def test_pages_refuse_put_and_delete_but_serve_get(client, path):
    assert client.generic("PUT", path).status_code == 405
    assert client.generic("DELETE", path).status_code == 405
    assert client.get(path).status_code == 200
