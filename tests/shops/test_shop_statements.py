"""Issue #19: the shop page's own statements read what the page shows, not the commune's
boundary (a multipolygon parsed on every request, shown nowhere on the page), and
whether it takes orders in the listing's statement."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_campaign, make_listing

pytestmark = pytest.mark.django_db


def test_the_page_reads_its_commune_without_the_boundary(client):
    shop = make_listing("Boulangerie du Panier", 5.3698, 43.2951, postcode="13002")
    assert shop.commune is not None
    with CaptureQueriesContext(connection) as captured:
        response = client.get(shop.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert f"13002 {shop.commune.name}" in page and shop.category.label in page
    statements = [q["sql"] for q in captured.captured_queries]
    assert any('"territory_commune"."name"' in sql for sql in statements)
    assert not any('"territory_commune"."boundary"' in sql for sql in statements), statements
    # The listing with its category, its commune and whether it takes orders in one
    # statement, then its photos.
    assert len(statements) == 2, statements


def test_commander_only_while_a_campaign_is_open(client):
    shop = make_listing("Traiteur du Cours", 5.3698, 43.2951)
    order = reverse("orders:catalogue", args=[shop.pk])

    def offers_orders() -> bool:
        response = client.get(shop.get_absolute_url())
        assert response.status_code == 200
        return re.search(rf'href="{order}"[^>]*>Commander', response.content.decode()) is not None

    assert not offers_orders()
    make_campaign(shop, cutoff_at=timezone.now() - dt.timedelta(hours=1))  # closed
    make_campaign(shop, active=False)  # paused
    assert not offers_orders()
    make_campaign(shop)
    assert offers_orders()
