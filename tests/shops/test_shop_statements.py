"""Issue #19: the shop page's own statements read what the page shows, not the commune's
boundary (a multipolygon parsed on every request, shown nowhere on the page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_listing

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
    # The listing with its category and commune in one statement, its photos, its orders.
    assert len(statements) == 3, statements
