"""Checkout rules: cut-off, capacity, stock, frozen prices, cancellation, order numbers."""

import re

import pytest
from django.db import IntegrityError, connection, transaction

from geo_directory.orders.models import Order, OrderEvent, Product, Slot
from geo_directory.orders.services import (
    CheckoutError,
    TransitionError,
    cancel_order,
    place_order,
    set_status,
)
from tests.factories import (
    customer,
    in_days,
    lines,
    make_product,
    make_shop,
    make_slot,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """Two places in the slot, five menus in stock, and a bûche at the reduced VAT rate."""
    shop = make_shop(make_user("traiteur"), slot={"capacity": 2}, menu={"stock": 5})
    shop["buche"] = make_product(
        shop["business"], name="Bûche pralinée", price_cents=2890, vat_rate="5.50"
    )
    return shop


def test_order_freezes_prices_and_numbers_are_human_and_unique(
    shop, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(
            shop["business"],
            lines((shop["menu"], 2), (shop["buche"], 1)),
            shop["slot"].pk,
            "pickup",
            customer(),
        )
    assert re.fullmatch(r"RV-\d{4}-\d{6}", order.number)
    assert order.subtotal_cents == order.total_cents == 2 * 6500 + 2890
    assert order.payment_status == "on_site"
    # The merchant raises the price and renames the product afterwards.
    Product.objects.filter(pk=shop["menu"].pk).update(price_cents=9900, name="Menu 2027")
    line = order.lines.get(product=shop["menu"])
    line.refresh_from_db()
    assert (line.product_name, line.unit_price_cents, line.quantity) == (
        "Menu du réveillon",
        6500,
        2,
    )
    assert str(order.lines.get(product=shop["buche"]).vat_rate) == "5.50"
    order.refresh_from_db()
    assert order.total_cents == 15890
    assert [e.status for e in order.events.all()] == ["placed"]
    # Confirmation email with the number, the total and the signed link of a guest (after
    # the shop's alert, which never carries the guest's link).
    assert [m.to for m in mailoutbox] == [["traiteur@example.fr"], ["resident1@example.fr"]]
    assert order.number in mailoutbox[1].subject
    assert "158,90 €" in mailoutbox[1].body
    assert f"cle={order.issued_access_token}" in mailoutbox[1].body
    assert order.issued_access_token not in mailoutbox[0].body

    second = place_order(
        shop["business"], lines((shop["buche"], 1)), shop["slot"].pk, "pickup", customer(n=2)
    )
    assert second.number != order.number


def test_order_after_the_cutoff_is_refused_and_takes_nothing(shop):
    campaign = shop["campaign"]
    campaign.cutoff_at = in_days(-1, 18)
    campaign.save()
    with pytest.raises(CheckoutError, match="closes depuis le"):
        place_order(
            shop["business"], lines((shop["menu"], 1)), shop["slot"].pk, "pickup", customer()
        )
    shop["slot"].refresh_from_db()
    shop["menu"].refresh_from_db()
    assert (shop["slot"].booked_count, shop["menu"].stock) == (0, 5)
    assert not Order.objects.filter(business=shop["business"]).exists()


def test_full_slot_and_missing_stock_are_refused_clearly(shop):
    for n in range(2):
        place_order(
            shop["business"], lines((shop["buche"], 1)), shop["slot"].pk, "pickup", customer(n=n)
        )
    with pytest.raises(CheckoutError, match="complet"):
        place_order(
            shop["business"], lines((shop["buche"], 1)), shop["slot"].pk, "pickup", customer()
        )
    other = make_slot(shop["campaign"], capacity=5, hour=14)
    with pytest.raises(CheckoutError, match="Il ne reste que 5"):
        place_order(shop["business"], lines((shop["menu"], 6)), other.pk, "pickup", customer())
    other.refresh_from_db()
    assert other.booked_count == 0  # the failed checkout gave its slot place back


def test_unavailable_product_and_wrong_slot_kind_are_refused(shop):
    Product.objects.filter(pk=shop["buche"].pk).update(available=False)
    with pytest.raises(CheckoutError, match="plus disponible"):
        place_order(
            shop["business"], lines((shop["buche"], 1)), shop["slot"].pk, "pickup", customer()
        )
    delivery_slot = make_slot(shop["campaign"], kind="delivery")
    with pytest.raises(CheckoutError, match="n'existe pas"):
        place_order(
            shop["business"], lines((shop["menu"], 1)), delivery_slot.pk, "pickup", customer()
        )


def test_check_constraints_are_the_last_guard(shop):
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=shop["slot"].pk).update(booked_count=3)  # capacity 2
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE orders_product SET stock = -1 WHERE id = %s", [shop["menu"].pk])


def test_cancel_before_cutoff_gives_back_the_place_and_the_stock(
    shop, mailoutbox, django_capture_on_commit_callbacks
):
    order = place_order(
        shop["business"], lines((shop["menu"], 3)), shop["slot"].pk, "pickup", customer()
    )
    shop["slot"].refresh_from_db()
    shop["menu"].refresh_from_db()
    assert (shop["slot"].booked_count, shop["menu"].stock) == (1, 2)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order)
    shop["slot"].refresh_from_db()
    shop["menu"].refresh_from_db()
    assert (shop["slot"].booked_count, shop["menu"].stock) == (0, 5)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert "annulée" in mailoutbox[-1].subject
    with pytest.raises(TransitionError, match="ne peut plus être annulée"):
        cancel_order(order)
    shop["slot"].refresh_from_db()
    assert shop["slot"].booked_count == 0  # not released twice


def test_cancel_after_cutoff_is_refused(shop):
    order = place_order(
        shop["business"], lines((shop["menu"], 1)), shop["slot"].pk, "pickup", customer()
    )
    with pytest.raises(TransitionError, match="après la clôture"):
        cancel_order(order, now=in_days(11))
    order.refresh_from_db()
    assert order.status == "placed"


def test_refusal_releases_and_transitions_are_checked(shop):
    merchant = shop["business"].owner
    order = place_order(
        shop["business"], lines((shop["menu"], 2)), shop["slot"].pk, "pickup", customer()
    )
    with pytest.raises(TransitionError, match="Impossible de passer"):
        set_status(order, "collected", merchant)
    set_status(order, "refused", merchant, note="Plus de chapon")
    shop["menu"].refresh_from_db()
    shop["slot"].refresh_from_db()
    assert (shop["menu"].stock, shop["slot"].booked_count) == (5, 0)
    event = OrderEvent.objects.get(order=order, status="refused")
    assert (event.actor, event.note) == (merchant, "Plus de chapon")
