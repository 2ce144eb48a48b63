"""50 checkouts racing, each in its own thread with its own PostgreSQL connection.

Uses ``committed_db`` (real commits) so that the threads see the shop and each other;
the rows created here are deleted at the end. Not marked ``django_db`` on purpose: that
would wrap the test in a transaction the other connections cannot see. ``django_db_setup``
is requested explicitly: ``committed_db`` alone does not switch to the test database.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections

from geo_directory.orders.models import Order, Product, Slot
from geo_directory.orders.services import CheckoutError, cancel_order, place_order
from tests.factories import customer, lines, make_business, make_campaign, make_product, make_slot

CHECKOUTS = 50


def race(business, product, slot):
    barrier = threading.Barrier(CHECKOUTS)

    def checkout(n):
        try:
            connection.ensure_connection()  # connect before the start line
            barrier.wait(timeout=60)
            order = place_order(business, lines((product, 1)), slot.pk, "pickup", customer(n=n))
            return ("ok", order.number)
        except CheckoutError as exc:
            return ("refused", exc.message)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=CHECKOUTS) as pool:
        results = list(pool.map(checkout, range(CHECKOUTS)))
    return [r[1] for r in results if r[0] == "ok"], [r[1] for r in results if r[0] == "refused"]


def test_fifty_checkouts_for_ten_places(django_db_setup, committed_db):
    business = make_business(name="Traiteur de la course aux créneaux")
    slot = make_slot(make_campaign(business), capacity=10)
    menu = make_product(business, stock=None)

    placed, refused = race(business, menu, slot)

    assert len(placed) == 10 and len(set(placed)) == 10
    assert len(refused) == 40
    assert all("complet" in message for message in refused), set(refused)
    assert Slot.objects.get(pk=slot.pk).booked_count == 10
    assert Order.objects.filter(slot=slot).count() == 10


def test_fifty_checkouts_for_ten_in_stock(django_db_setup, committed_db):
    business = make_business(name="Pâtisserie de la course aux bûches")
    slot = make_slot(make_campaign(business), capacity=100)
    buche = make_product(business, name="Bûche pralinée", price_cents=2890, stock=10)

    placed, refused = race(business, buche, slot)

    assert len(placed) == 10
    assert len(refused) == 40
    assert all("épuisé" in message for message in refused), set(refused)
    assert Product.objects.get(pk=buche.pk).stock == 0
    # Refused checkouts gave their slot place back with their rolled-back transaction.
    assert Slot.objects.get(pk=slot.pk).booked_count == 10
    assert Order.objects.filter(slot=slot).count() == 10


def test_cancellations_racing_checkouts_keep_the_books_exact(django_db_setup, committed_db):
    """10 residents cancel while 20 others check out: counts match the live orders."""
    business = make_business(name="Traiteur des annulations")
    slot = make_slot(make_campaign(business), capacity=10)
    menu = make_product(business, stock=15)
    first = [
        place_order(business, lines((menu, 1)), slot.pk, "pickup", customer(n=n)) for n in range(10)
    ]
    barrier = threading.Barrier(30)

    def cancel(order):
        try:
            barrier.wait(timeout=60)
            cancel_order(order)
            return "cancelled"
        finally:
            connections.close_all()

    def checkout(n):
        try:
            barrier.wait(timeout=60)
            place_order(business, lines((menu, 1)), slot.pk, "pickup", customer(n=n))
            return "ok"
        except CheckoutError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=30) as pool:
        jobs = [pool.submit(cancel, order) for order in first]
        jobs += [pool.submit(checkout, 100 + n) for n in range(20)]
        results = [job.result() for job in jobs]

    assert results.count("cancelled") == 10
    live = Order.objects.filter(slot=slot).exclude(status="cancelled")
    assert live.count() == results.count("ok") <= 10
    assert Slot.objects.get(pk=slot.pk).booked_count == live.count()
    assert Product.objects.get(pk=menu.pk).stock == 15 - live.count()
