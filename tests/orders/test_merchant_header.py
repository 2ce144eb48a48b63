"""The merchant's header counts the orders to accept: « Commandes (3 nouvelles) »."""

import pytest
from django.test import RequestFactory

from geo_directory.accounts.context_processors import merchant_orders
from geo_directory.orders.models import Order
from geo_directory.orders.services import place_order
from tests.factories import customer, lines, make_user

pytestmark = pytest.mark.django_db


def _orders(shop, count):
    return [
        place_order(
            shop["business"], lines((shop["menu"], 1)), shop["slot"].pk, "pickup", customer(n=n)
        )
        for n in range(count)
    ]


@pytest.mark.parametrize(
    "placed,accepted,label",
    [
        (0, 0, "Commandes (0 nouvelle)"),
        (1, 2, "Commandes (1 nouvelle)"),
        (3, 1, "Commandes (3 nouvelles)"),
    ],
)
def test_header_counts_new_orders_with_french_plurals(client, shop, placed, accepted, label):
    orders = _orders(shop, placed + accepted)
    Order.objects.filter(pk__in=[o.pk for o in orders[placed:]]).update(status="accepted")
    client.force_login(shop["merchant"])
    for url in ("/mes-commandes/", "/espace/"):
        page = client.get(url, follow=True).content.decode()
        assert label in page, url


def test_one_query_for_a_merchant_none_for_others(shop, django_assert_num_queries):
    _orders(shop, 2)
    request = RequestFactory().get("/")
    request.user = shop["merchant"]
    context = merchant_orders(request)
    with django_assert_num_queries(1):
        assert context["merchant_orders"].label == "2 nouvelles"
        assert bool(context["merchant_orders"])
    request.user = make_user("resident")
    with django_assert_num_queries(1):
        assert not merchant_orders(request)["merchant_orders"]  # not a merchant: no link
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert merchant_orders(request) == {}


def test_resident_sees_no_merchant_link(client, shop):
    client.force_login(make_user("resident"))
    assert "Commandes (" not in client.get("/mes-commandes/").content.decode()
