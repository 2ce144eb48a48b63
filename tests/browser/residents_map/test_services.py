"""Filters that need listings the real data lacks (no chain declares delivery).

These tests commit their own listing (``committed_db``, deleted at the end) so that the
live server's connection sees it: they carry no ``django_db`` mark, whose transaction
would hide the row from the server.
"""

import re

import pytest
from django.contrib.gis.geos import Point

from geo_directory.businesses.models import Business, Category
from tests.browser.conftest import wait_until

from .conftest import open_home

pytestmark = [pytest.mark.browser]


def test_name_search_and_delivery_toggle(located_page, site_url, committed_db):
    delivering = Business.objects.create(
        name="Fromagerie des Tests",
        category=Category.objects.get(slug="fromagerie"),
        street="1 La Canebière",
        postcode="13001",
        location=Point(5.3795, 43.2975, srid=4326),
        opening_hours="Mo-Sa 08:00-19:00",
        offers_delivery=True,
        status=Business.Status.PUBLISHED,
    )
    page = located_page
    open_home(page, site_url + "/?c=43.29800,5.38100&z=14")
    page.get_by_label("Nom du commerce").fill("gifi")
    page.wait_for_url(re.compile("q=gifi"))
    wait_until(
        page,
        "[...document.querySelectorAll('#results-list .result-name')]"
        ".every(e => e.textContent === 'GiFi')",
    )
    assert page.locator("#results-list button[data-id]").count() > 0
    page.get_by_label("Nom du commerce").fill("")
    page.get_by_label("Livraison").check()
    page.wait_for_url(re.compile("livraison=1"))
    wait_until(
        page,
        "id => [...document.querySelectorAll('#results-list button[data-id]')]"
        ".map(e => e.dataset.id).join() === id",
        arg=str(delivering.pk),
    )
    page.locator(f'#results-list button[data-id="{delivering.pk}"]').click()
    panel = page.locator("#detail")
    panel.locator("h2#detail-title").wait_for()
    assert "Livraison" in panel.inner_text()
    assert "du lundi au samedi : 8 h – 19 h" in panel.inner_text().lower()
    assert page.js_errors == []
