"""robots.txt, sitemap.xml (index) and its pages: valid XML, every published shop and
every commune, never a listing that is not public; pages split by keyset."""

import xml.etree.ElementTree as ET

import pytest

from geo_directory.businesses.models import Business
from geo_directory.shops import sitemaps
from geo_directory.territory.models import Commune
from tests.factories import make_listing

pytestmark = pytest.mark.django_db
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def xml(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(body)  # raises on malformed XML


def locs(root: ET.Element, tag: str) -> list[str]:
    return [e.text for e in root.findall(f"sm:{tag}/sm:loc", NS)]


def all_urls(client) -> list[str]:
    index = xml(client.get("/sitemap.xml"))
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    urls = []
    for page in locs(index, "sitemap"):
        root = xml(client.get(page.removeprefix("http://testserver")))
        assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
        page_urls = locs(root, "url")
        assert len(page_urls) <= 50_000
        urls += page_urls
    return urls


def test_sitemap_lists_published_shops_and_communes_only(client):
    shop = make_listing("Boulangerie <du> Port & Fils", 5.3698, 43.2951)
    pending = make_listing("Fiche en attente", 5.3698, 43.2951, status=Business.Status.PENDING)
    merged = make_listing("Fiche fusionnée", 5.3698, 43.2951)
    Business.objects.filter(pk=merged.pk).update(merged_into=shop)
    urls = all_urls(client)
    assert f"http://testserver{shop.get_absolute_url()}" in urls
    assert not any(f"/commerces/{pending.pk}-" in url for url in urls)
    assert not any(f"/commerces/{merged.pk}-" in url for url in urls)
    assert "http://testserver/communes/13055/" in urls
    communes = [url for url in urls if "/communes/" in url]
    assert len(communes) == Commune.objects.count()
    shops = [url for url in urls if "/commerces/" in url]
    assert len(shops) == len(set(shops)) == Business.objects.published().count()


def test_shop_pages_are_split_by_keyset(client, monkeypatch):
    monkeypatch.setattr(sitemaps, "PER_FILE", 7)
    published = list(Business.objects.published().order_by("pk").values_list("pk", flat=True))
    assert len(published) > 14, "the real listings of the demo data"
    assert sitemaps.page_numbers() == sorted({pk // 7 for pk in published})
    urls = [url for url in all_urls(client) if "/commerces/" in url]
    assert [int(url.split("/commerces/")[1].split("-")[0]) for url in urls] == published


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /espace/" in lines
