"""The admin speaks French, plurals included: no « Campagne de commandess », no
« Arrondissement municipals », no English field label on the listings' pages."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_listing, make_shop, make_user

pytestmark = pytest.mark.django_db

ENGLISH = [
    "Category",
    "Status",
    "Owner",
    "Delivery min order cents",
    "Delivery fee cents",
    "Created at",
    "Updated at",
    "Businesses",
    "Orders",
    "Accounts",
    "Geocoding",
]
WRONG_PLURALS = ["commandess", "municipals", "créneaus", "ligne de commandes"]


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("admin-fr", is_staff=True, is_superuser=True))
    return client


def _visible_text(html: str) -> str:
    """The page's text and its attributes' words, without the URLs and class names."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _assert_french(html: str, english=ENGLISH) -> None:
    text = _visible_text(html)
    for label in english:
        assert not re.search(rf"\b{re.escape(label)}\b", text), label
    for plural in WRONG_PLURALS:
        assert plural not in text.lower(), plural


def test_admin_index_is_french(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Campagnes de commandes" in html and "Arrondissements municipaux" in html
    assert "Commerces" in html and "Commandes" in html
    _assert_french(html)


def test_business_change_list_and_form_are_french(admin_client):
    shop = make_shop(make_user("chef"), min_order_cents=3000)
    make_listing("Fiche en attente", status="pending")
    changelist = admin_client.get(reverse("admin:businesses_business_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "Catégorie" in html and "Statut" in html and "Propriétaire" in html
    _assert_french(html)
    form = admin_client.get(
        reverse("admin:businesses_business_change", args=[shop["business"].pk])
    ).content.decode()
    assert "Minimum de commande pour la livraison (centimes)" in form
    # The inlines of other apps (photos, geocoding review) still have English dates.
    _assert_french(form, [label for label in ENGLISH if label != "Created at"])


@pytest.mark.parametrize(
    "name", ["orders_order", "orders_campaign", "orders_product", "accounts_listingclaim"]
)
def test_orders_and_claims_change_lists_are_french(admin_client, name):
    make_shop(make_user("chef"))
    html = admin_client.get(reverse(f"admin:{name}_changelist")).content.decode()
    _assert_french(html)
