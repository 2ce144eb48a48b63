"""The server-rendered pages of the maps app: home shell and commune page."""

import json
import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from geo_directory.businesses.hours_text import describe_fr_lines
from geo_directory.businesses.models import Business, Category
from tests.factories import make_merchant

pytestmark = pytest.mark.django_db


def test_home_renders_the_shell_with_chips_and_config(client, settings):
    settings.TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    config = json.loads(
        re.search(r'id="sn-config" type="application/json">(.*?)</script>', html)[1]
    )
    assert config["tileUrl"] == settings.TILE_URL
    # Leaflet is served by Django static files, never a CDN.
    assert re.search(r'src="/static/vendor/leaflet/leaflet(\.[0-9a-f]+)?\.js"', html)
    assert "unpkg" not in html and "cdn" not in html.lower()
    # The parents are the chips over the map; every leaf is a choice of the filters.
    main = re.search(r'<div class="chips chips-main"(.*?)</div>', html, re.S)[1]
    parents = Category.objects.filter(parent=None).order_by("position")
    assert re.findall(r'data-category="([a-z0-9-]+)"', main) == [c.slug for c in parents]
    chips = re.findall(r'data-category="([a-z0-9-]+)"', html)
    assert set(chips) == set(Category.objects.values_list("slug", flat=True))
    assert len(chips) == Category.objects.count(), "one chip each"
    assert 'role="status"' in html and 'aria-live="polite"' in html


def test_home_page_never_reads_the_listings_table(client):
    client.get("/")  # first request: whatever is loaded once per process
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements, "the chips are read from the database"
    assert [s for s in statements if "businesses_business" in s] == []


def test_home_chips_count_the_published_listings_of_each_category(client):
    expected = dict(
        Business.objects.published()
        .order_by()
        .values_list("category__slug")
        .annotate(n=Count("id"))
    )
    assert expected, "the real chain listings are published"
    busiest = max(expected, key=expected.get)
    closing = Business.objects.published().filter(category__slug=busiest).first()
    Business.objects.filter(pk=closing.pk).update(status=Business.Status.CLOSED)
    expected[busiest] -= 1
    html = client.get("/").content.decode()
    chips = {
        slug: int(n)
        for slug, n in re.findall(
            r'data-category="([a-z0-9-]+)"[^>]*>[^<]*<span class="chip-count"> (\d+)</span>', html
        )
    }
    leaves = Category.objects.filter(parent__isnull=False).select_related("parent")
    assert {leaf.slug: chips[leaf.slug] for leaf in leaves} == {
        leaf.slug: expected.get(leaf.slug, 0) for leaf in leaves
    }
    # A parent counts its leaves' listings.
    for parent in Category.objects.filter(parent=None):
        assert chips[parent.slug] == sum(expected.get(c.slug, 0) for c in parent.children.all())


def test_commune_page_lists_its_published_businesses(client):
    response = client.get("/communes/13055/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Marseille</h1>" in html
    assert "codes postaux 13001, 13002" in html
    expected = list(
        Business.objects.published().within_commune("13055").values_list("id", flat=True)
    )
    assert expected, "the real chain listings include shops in Marseille"
    listed = [int(i) for i in re.findall(r'class="business-card" id="commerce-(\d+)"', html)]
    assert sorted(listed) == sorted(expected)
    boundary = json.loads(
        re.search(r'id="sn-boundary" type="application/json">(.*?)</script>', html)[1]
    )
    assert boundary["geometry"]["type"] == "MultiPolygon"


def test_commune_page_hides_unpublished_businesses(client):
    business = Business.objects.published().within_commune("13055").first()
    Business.objects.filter(pk=business.pk).update(status=Business.Status.PENDING)
    html = client.get("/communes/13055/").content.decode()
    assert f'id="commerce-{business.pk}"' not in html


def test_counts_are_french_plurals_zero_and_one_singular(client):
    """« 0 commerce », « 1 commerce », « 2 commerces » (Django's pluralize says « 0 commerces »)."""
    from geo_directory.businesses.models import Category
    from geo_directory.territory.models import Commune
    from maps.templatetags.french import counted

    assert [counted(n, "commerce", "commerces") for n in (0, 1, 2)] == [
        "0 commerce",
        "1 commerce",
        "2 commerces",
    ]
    assert counted(1250, "habitant", "habitants") == "1\xa0250 habitants"  # as floatformat:"0g"
    moustiers = Commune.objects.get(code="04135")  # no listing in the real data
    titles = []
    for _ in range(3):
        html = client.get("/communes/04135/").content.decode()
        titles.append(re.search(r'<h2 id="commune-list-title">(.*?)</h2>', html)[1])
        assert re.search(r"\b[01] commerces\b", html) is None
        Business.objects.create(
            name="Faïencerie témoin",
            category=Category.objects.get(slug="artisanat-d-art"),
            status=Business.Status.PUBLISHED,
            location=moustiers.boundary.point_on_surface,
        )
    assert titles == [
        "0 commerce à Moustiers-Sainte-Marie",
        "1 commerce à Moustiers-Sainte-Marie",
        "2 commerces à Moustiers-Sainte-Marie",
    ]


def test_unknown_commune_is_404(client):
    assert client.get("/communes/99999/").status_code == 404
    assert client.get("/communes/nope/").status_code == 404


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("Mo-Fr 08:00-12:00,14:00-19:00", ["Du lundi au vendredi : 8 h – 12 h, 14 h – 19 h"]),
        ("Sa 09:00-12:30; Su off", ["Samedi : 9 h – 12 h 30", "Dimanche : fermé"]),
        ("24/7", ["Ouvert 24 h/24, 7 j/7"]),
        ("", []),
        ("sunrise-sunset", ["sunrise-sunset"]),  # beyond the subset: kept as written
    ],
)
def test_hours_in_words_one_line_per_rule(expression, words):
    assert describe_fr_lines(expression) == words


def test_a_big_commune_is_listed_page_by_page(client, monkeypatch):
    from django.contrib.gis.geos import Point

    from geo_directory.businesses.models import Business, Category
    from maps import views

    monkeypatch.setattr(views, "COMMUNE_PAGE_SIZE", 5)
    category = Category.objects.get(slug="fromagerie")
    for n in range(12):
        Business(
            name=f"Fromagerie de Gap {n:02d}",
            category=category,
            status="published",
            location=Point(6.0790 + n * 1e-4, 44.5594, srid=4326),
        ).save()
    total = Business.objects.published().within_commune("05061").count()
    first = client.get("/communes/05061/").content.decode()
    assert f"{total} commerces à Gap" in first
    assert first.count('class="business-card"') == 5
    assert f"Page 1 sur {-(-total // 5)}" in first and 'rel="next"' in first
    last = client.get(f"/communes/05061/?page={-(-total // 5)}").content.decode()
    assert last.count('class="business-card"') == total - 5 * (
        total // 5 if total % 5 else total // 5 - 1
    )
    assert 'rel="prev"' in last and 'rel="next"' not in last


def _chip_names(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-category="([a-z0-9-]+)"[^>]*>([^<]*)<span', html))


def test_home_chips_are_rendered_once_for_the_same_categories_and_counts(client):
    client.force_login(make_merchant())  # a page rendered for its visitor, chips included
    first = client.get("/")
    second = client.get("/")
    # The fragment's template is not rendered again: its HTML is reused, byte for byte.
    assert "maps/_chips.html" not in [t.name for t in second.templates]
    assert "maps/home.html" in [t.name for t in second.templates]

    def chips(response) -> str:
        return re.search(r'<section class="filters".*?</section>', response.content.decode(), re.S)[
            0
        ]

    assert chips(second) == chips(first)


def test_home_chips_follow_a_renamed_category_and_a_changed_count(client):
    client.get("/")  # the chips are now kept for these categories and counts
    leaf = Category.objects.filter(parent__isnull=False).order_by("position").first()
    leaf.label = "Sapins de Noël"
    leaf.save()
    html = client.get("/").content.decode()
    assert _chip_names(html)[leaf.slug] == "Sapins de Noël"

    counts = lambda html: {  # noqa: E731
        slug: int(n)
        for slug, n in re.findall(
            r'data-category="([a-z0-9-]+)"[^>]*>[^<]*<span class="chip-count"> (\d+)</span>', html
        )
    }
    before = counts(html)
    shop = Business.objects.published().exclude(category=leaf).first()
    shop.category = leaf
    shop.save()
    after = counts(client.get("/").content.decode())
    assert after[leaf.slug] == before[leaf.slug] + 1


def test_home_page_of_anonymous_visitors_is_rendered_once(client):
    first = client.get("/")
    second = client.get("/")
    assert second.templates == [], "the anonymous page is kept whole"
    assert second.content == first.content
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert "Cookie" in second["Vary"]  # the session was looked at, as the header does


def test_home_page_of_a_logged_in_merchant_is_their_own(client):
    anonymous = client.get("/").content.decode()
    assert "Se déconnecter" not in anonymous and "csrfmiddlewaretoken" not in anonymous
    merchant = make_merchant()
    client.force_login(merchant)
    own = client.get("/")
    html = own.content.decode()
    # Their header: the logout form and its CSRF token, never the anonymous copy.
    assert "Se déconnecter" in html and "csrfmiddlewaretoken" in html
    assert "maps/home.html" in [t.name for t in own.templates]
    assert "private" in own["Cache-Control"]
    client.logout()
    again = client.get("/").content.decode()
    # The merchant's page was not kept for the next anonymous visitor.
    assert "Se déconnecter" not in again and "csrfmiddlewaretoken" not in again
    assert again == anonymous


def test_home_page_follows_the_tile_server_setting(client, settings):
    client.get("/")
    settings.TILE_URL = "https://tuiles.example.test/{z}/{x}/{y}.png"
    html = client.get("/").content.decode()
    assert '<link rel="preconnect" href="https://tuiles.example.test" crossorigin>' in html


def test_home_page_holding_a_csrf_token_is_never_kept(client, settings, tmp_path):
    # A home page with a form for anonymous visitors (its CSRF token) is each visitor's own.
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "home.html").write_text(
        '{% extends "maps/base.html" %}{% block body %}<form method="post">'
        "{% csrf_token %}</form>{% endblock %}"
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    tokens = []
    for _ in range(2):
        client.cookies.clear()
        html = client.get("/").content.decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1])
    assert tokens[0] != tokens[1]
