"""HTTP caching (geo_directory/caching.py): public answers a shared cache may keep, with
an ETag and 304s; pages of one person (session, CSRF token, merchants, checkout, admin)
never kept by one. The last tests put a real nginx (deploy/nginx.conf.template) in front
of a live server."""

import os
import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model

from deploy.nginx import NGINX, Nginx
from geo_directory.caching import PIN_COOKIE, private_cookies

PUBLIC_API = [
    "/api/v1/categories/",
    "/api/v1/businesses/?point=5.3750,43.2960&page_size=20",
    "/api/v1/clusters/?in_bbox=4.2,42.9,7.8,45.2&zoom=8",
    "/api/v1/communes/?q=mars",
    "/api/v1/communes/13055/",
]
PUBLIC_PAGES = ["/", "/communes/13055/"]


def _directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def _assert_public(response):
    directives = _directives(response)
    assert "public" in directives, response.get("Cache-Control")
    assert "max-age=60" in directives
    assert any(d.startswith("stale-while-revalidate=") for d in directives)
    assert "private" not in directives and "no-store" not in directives
    assert response.get("ETag", "").startswith('"')
    assert not response.cookies


def _assert_private(response):
    directives = _directives(response)
    assert {"private", "no-store"} <= directives, response.get("Cache-Control")
    assert "public" not in directives
    assert "Cookie" in response.get("Vary", "")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_API + PUBLIC_PAGES)
def test_public_answers_are_cacheable_by_a_shared_cache(client, path):
    response = client.get(path)
    assert response.status_code == 200
    _assert_public(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_vary_on_cookie(client, path):
    # A logged-in merchant (session cookie) must never get the anonymous copy.
    assert "Cookie" in client.get(path)["Vary"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/communes/?q=mars", "/"])
def test_a_matching_if_none_match_gets_304_without_body(client, path):
    first = client.get(path)
    etag = first["ETag"]
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "public" in _directives(again)
    other = client.get(path, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200 and other.content == first.content


@pytest.mark.django_db
def test_only_successful_answers_are_marked_cacheable(client):
    assert "public" in _directives(client.get("/api/v1/businesses/?point=5.37,43.29"))
    refused = client.get("/api/v1/businesses/?point=999,999")
    assert refused.status_code == 400
    assert "public" not in _directives(refused)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/compte/inscription/", "/espace/", "/mes-commandes/", "/commercant/commandes/"]
)
def test_forms_and_personal_pages_are_never_shared(client, path):
    # Forms hold a CSRF token (and set its cookie); /espace/ redirects an anonymous
    # visitor to the login form, but is a merchant's page whatever the request.
    response = client.get(path)
    assert response.status_code in (200, 302)
    _assert_private(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/communes/13055/", "/espace/", "/api/v1/categories/"])
def test_a_logged_in_visitor_gets_private_answers(client, path):
    user = get_user_model().objects.create_user("cache-merchant", "m@example.fr", "x-9ZqwerTy")
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    _assert_private(response)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/v1/categories/"])
def test_a_visitor_pinned_to_the_primary_gets_private_answers(client, path):
    # Just wrote (read replicas' read-your-writes pin): must not get a shared copy.
    client.cookies[PIN_COOKIE] = "1"
    response = client.get(path)
    assert response.status_code == 200
    _assert_private(response)


# --- a real nginx in front of a live server --------------------------------------------------


@pytest.fixture
def live_url(committed_db, site_url):
    # Committed rows (a session) are visible to the server thread's own connection.
    return site_url.removeprefix("http://")


@pytest.fixture
def proxy(live_url):
    if not os.path.exists(NGINX):
        pytest.fail("nginx is not installed: scripts/system-deps.sh installs it")
    with Nginx(live_url, private_cookies=private_cookies()) as nginx:
        yield nginx


def _get(url: str, cookie: str | None = None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/communes/?q=nice", "/communes/06088/"])
def test_nginx_serves_the_second_request_of_a_public_url_from_its_cache(proxy, path):
    first = _get(proxy.url + path)
    second = _get(proxy.url + path)
    assert first[0] == second[0] == 200
    assert first[1]["X-Cache-Status"] == "MISS"
    assert second[1]["X-Cache-Status"] == "HIT"
    assert second[2] == first[2]


@pytest.mark.django_db
def test_nginx_never_serves_a_page_with_a_csrf_token_from_its_cache(proxy):
    # The cache works (a public page is served from it)...
    assert _get(proxy.url + "/communes/13055/")[1]["X-Cache-Status"] == "MISS"
    assert _get(proxy.url + "/communes/13055/")[1]["X-Cache-Status"] == "HIT"
    # ... yet a login form, with its CSRF token, never is.
    statuses, tokens = [], set()
    for _ in range(3):
        status, headers, body = _get(proxy.url + "/compte/connexion/")
        assert status == 200 and b"csrfmiddlewaretoken" in body
        statuses.append(headers["X-Cache-Status"])
        tokens.add(body.split(b'name="csrfmiddlewaretoken" value="', 1)[1][:64])
    assert "HIT" not in statuses
    assert len(tokens) == 3  # each visitor gets their own token, never a stored one


# No django_db mark: committed_db (through live_url) commits the session the server reads.
def test_nginx_never_serves_a_logged_in_page_from_its_cache(proxy):
    from django.conf import settings
    from django.test import Client

    user = get_user_model().objects.create_user("cache-nginx", "n@example.fr", "x-9ZqwerTy")
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    # The anonymous copy of the home page is in the cache: the merchant must not get it.
    assert _get(proxy.url + "/")[1]["X-Cache-Status"] == "MISS"
    assert _get(proxy.url + "/")[1]["X-Cache-Status"] == "HIT"
    for path in ["/", "/espace/", "/espace/"]:
        status, headers, _ = _get(proxy.url + path, cookie)
        assert status == 200
        assert headers["X-Cache-Status"] != "HIT"
        assert "private" in headers["Cache-Control"]
