"""The preparation CSV never lets a resident's text run as a spreadsheet formula."""

import csv
import io

import pytest

from geo_directory.orders.services import Customer, place_order
from tests.factories import lines

pytestmark = pytest.mark.django_db


def test_formula_like_text_is_exported_inert(client, shop):
    merchant, business, slot, menu = shop["merchant"], shop["business"], shop["slot"], shop["menu"]
    attacker = Customer(
        name='=HYPERLINK("http://evil.example","clic")',
        email="x@example.fr",
        phone="+33 6 12 34 56 78",
        note="@SUM(1+1)",
    )
    order = place_order(business, lines((menu, 1)), slot.pk, "pickup", attacker)
    client.force_login(merchant)
    response = client.get(f"/commercant/creneaux/{slot.pk}/preparation.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    row = next(r for r in rows[1:] if r[0] == order.number)
    assert row[2] == '\'=HYPERLINK("http://evil.example","clic")'
    assert row[3] == "'+33 6 12 34 56 78"
    assert row[10] == "'@SUM(1+1)"
    assert row[6] == menu.name  # ordinary text is untouched
