"""The workers' in-memory cache of public API answers (caching.ResponseCacheMiddleware):
a repeat is answered from memory with its ETag (and 304), a change of the data shows at
once, and nothing of one person's (session, read-your-writes pin) is ever served from or
kept in it."""

import pytest
from django.test import Client

from geo_directory import caching
from geo_directory.businesses.models import Business, Category
from geo_directory.businesses.signals import announce_bulk_change
from geo_directory.caching import PIN_COOKIE
from tests.businesses.test_category_counts import MARSEILLE

pytestmark = pytest.mark.django_db

NEAR = "/api/v1/businesses/?point=5.381000,43.298000&page_size=3"
CLUSTERS = "/api/v1/clusters/?in_bbox=5.18555,43.06888,5.62500,43.58039&zoom=10"


@pytest.fixture(autouse=True, scope="module")
def listener_closed_at_the_end():
    """The cache's listener thread holds a connection to the test database: closed before
    pytest-django drops it."""
    yield
    caching.stop_listening()


@pytest.fixture
def cached(settings):
    settings.API_RESPONSE_CACHE_SECONDS = 10
    return Client()


@pytest.fixture
def shop():
    return Business.objects.create(
        name="Fournil du cache",
        category=Category.objects.get(slug="boulangerie"),
        status="published",
        location=MARSEILLE,
    )


def test_a_repeat_is_answered_from_memory_with_its_etag(cached, shop):
    for url in (NEAR, CLUSTERS):
        first = cached.get(url)
        assert first.status_code == 200 and "X-Sn-Cache" not in first
        again = cached.get(url)
        assert again["X-Sn-Cache"] == "hit"
        assert again.content == first.content
        assert again["ETag"] == first["ETag"]
        # Every header the middleware chain gave the first answer (security, CSP, caching).
        assert dict(again.items()) == {**dict(first.items()), "X-Sn-Cache": "hit"}
        assert again["X-Content-Type-Options"] == "nosniff"
        assert again["Content-Type"] == "application/json"
        revalidated = cached.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert revalidated.status_code == 304 and revalidated["X-Sn-Cache"] == "hit"
        assert not revalidated.content


def test_a_change_of_a_listing_shows_at_once(cached, shop):
    assert b"Fournil du cache" in cached.get(NEAR).content
    assert cached.get(NEAR)["X-Sn-Cache"] == "hit"
    shop.name = "Fournil renommé"
    shop.save()
    fresh = cached.get(NEAR)
    assert "X-Sn-Cache" not in fresh
    assert b"Fournil renomm" in fresh.content and b"Fournil du cache" not in fresh.content
    # An import (set-based, no model signal) says so through listings_bulk_changed.
    assert cached.get(NEAR)["X-Sn-Cache"] == "hit"
    announce_bulk_change(sender="test")
    assert "X-Sn-Cache" not in cached.get(NEAR)
    shop.delete()
    assert b"Fournil renomm" not in cached.get(NEAR).content


def test_a_writer_and_a_logged_in_visitor_never_get_a_kept_answer(cached, shop):
    assert cached.get(NEAR).status_code == 200
    assert cached.get(NEAR)["X-Sn-Cache"] == "hit"
    # The merchant who just wrote carries the read-your-writes pin: fresh from the view.
    cached.cookies[PIN_COOKIE] = "1"
    pinned = cached.get(NEAR)
    assert pinned.status_code == 200 and "X-Sn-Cache" not in pinned
    del cached.cookies[PIN_COOKIE]
    # A session: private, never served from nor stored in the cache.
    other = cached.get("/api/v1/communes/?q=mars")
    assert other.status_code == 200
    cached.cookies["sessionid"] = "x" * 32
    for _ in range(2):
        private = cached.get("/api/v1/communes/?q=nice")
        assert private.status_code == 200 and "X-Sn-Cache" not in private
    assert "X-Sn-Cache" not in cached.get("/api/v1/communes/?q=mars")
    del cached.cookies["sessionid"]
    assert "X-Sn-Cache" not in cached.get("/api/v1/communes/?q=nice")  # was never stored


def test_errors_pages_and_other_hosts_are_not_shared(cached, shop):
    for _ in range(2):
        bad = cached.get("/api/v1/businesses/?point=abc")
        assert bad.status_code == 400 and "X-Sn-Cache" not in bad
        # A page is kept only for a visitor without cookies (the test below).
        page = cached.get("/", HTTP_COOKIE="csrftoken=" + "x" * 32)
        assert page.status_code == 200 and "X-Sn-Cache" not in page
    url = "/api/v1/businesses/?point=5.381000,43.298000&page_size=1"
    assert cached.get(url, HTTP_HOST="127.0.0.1").status_code == 200
    assert cached.get(url, HTTP_HOST="127.0.0.1")["X-Sn-Cache"] == "hit"
    # The answer's "next" link names the host: another host is another entry.
    assert "X-Sn-Cache" not in cached.get(url, HTTP_HOST="localhost")


def test_off_unless_configured(shop):
    client = Client()
    client.get(NEAR)
    assert "X-Sn-Cache" not in client.get(NEAR)


def test_the_store_is_bounded_by_the_bytes_it_holds(monkeypatch):
    """Answers are 1 KB (a count) to 116 KB (a listing of 200 features): the store keeps
    what fits in MAX_BYTES, least recently used dropped first, whatever their number."""
    monkeypatch.setattr(caching, "ENTRY_OVERHEAD", 0)
    monkeypatch.setattr(caching, "MAX_BYTES", 1000)
    store = caching.ResponseStore()

    def entry(size):
        return (1, 100.0, 200, [], b"x" * size)

    store.put("a", entry(400))
    store.put("b", entry(400))
    assert store.get("a", 1, 0.0) is not None  # "a" now the most recently used
    store.put("c", entry(400))  # 1,200 bytes: "b", the least recently used, goes
    assert store.get("b", 1, 0.0) is None
    assert store.get("a", 1, 0.0) is not None and store.get("c", 1, 0.0) is not None
    assert store.size == 800
    store.put("c", entry(100))  # replaced: counted once
    assert store.size == 500
    store.put("big", entry(5000))  # alone over the budget: kept alone (MAX_BODY bounds it)
    assert list(store.entries) == ["big"] and store.size == 5000


def test_the_home_page_is_kept_for_a_visitor_without_cookies(cached, shop):
    """The first request of every visit: kept per language header, never for a request
    that carries any cookie (a session, a language choice, a CSRF cookie), dropped by a
    change of the data it shows."""
    first = cached.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert first.status_code == 200 and "X-Sn-Cache" not in first
    again = cached.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert again["X-Sn-Cache"] == "hit" and again.content == first.content
    assert dict(again.items()) == {**dict(first.items()), "X-Sn-Cache": "hit"}
    english = cached.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "X-Sn-Cache" not in english and english["Content-Language"] == "en"
    assert cached.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"
    for cookie in ("django_language=en", "csrftoken=" + "x" * 32, "sessionid=" + "y" * 32):
        for _ in range(2):
            answer = cached.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9", HTTP_COOKIE=cookie)
            assert "X-Sn-Cache" not in answer, cookie
    Category.objects.filter(slug="boulangerie").update(label="Boulangeries du cache")
    Category.objects.get(slug="boulangerie").save()  # a change through the models
    fresh = cached.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert "X-Sn-Cache" not in fresh and "Boulangeries du cache" in fresh.content.decode()
