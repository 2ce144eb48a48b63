"""Checkout client for tests/hardening/test_faults.py, run in a subprocess.

    python tests/hardening/faults_checkout_client.py setup
        creates a shop, a campaign, a big slot and a stocked product; prints their ids (JSON)
    python tests/hardening/faults_checkout_client.py run BUSINESS SLOT PRODUCT OUT STOP THREADS
        THREADS residents place orders through ``geo_directory.orders.services.place_order``
        until the file STOP exists; each outcome is appended to OUT, one line each:
        ``ok <n> <order number>`` only once place_order has returned (committed),
        ``error <n> <exception>`` when the database failed under that checkout (in flight:
        committed or not, the client cannot know), ``refused <n> <message>``.

Each checkout starts like a web request does (``close_old_connections``: with
``CONN_HEALTH_CHECKS`` a connection broken by a database crash is dropped and the next
query reconnects), so orders resume by themselves once the database is back.
"""

import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings")

import django  # noqa: E402

django.setup()

from django.db import InterfaceError, OperationalError, close_old_connections  # noqa: E402

from geo_directory.businesses.models import Business  # noqa: E402
from geo_directory.orders.services import (  # noqa: E402
    CartLine,
    CheckoutError,
    Customer,
    place_order,
)

STOCK = 1_000_000


def setup():
    from tests.factories import make_business, make_campaign, make_product, make_slot

    business = make_business(name="Traiteur de la panne de courant")
    slot = make_slot(make_campaign(business), capacity=1_000_000)
    product = make_product(business, name="Bûche de secours", price_cents=2500, stock=STOCK)
    print(json.dumps({"business": business.pk, "slot": slot.pk, "product": product.pk}))


def run(business_id, slot_id, product_id, out, stop, threads):
    with Path(out).open("a", encoding="utf-8") as log:
        _run(business_id, slot_id, product_id, log, stop, threads)


def _run(business_id, slot_id, product_id, log, stop, threads):
    lock = threading.Lock()
    counter = iter(range(1, 10**9))

    def record(line):
        with lock:
            log.write(line + "\n")
            log.flush()

    def resident():
        business = None
        while not Path(stop).exists():
            close_old_connections()  # what each web request does first
            with lock:
                n = next(counter)
            try:
                if business is None:
                    business = Business.objects.get(pk=business_id)
                order = place_order(
                    business,
                    [CartLine(product_id, 1 + n % 3)],
                    slot_id,
                    "pickup",
                    Customer(name=f"Client {n}", email=f"client{n}@example.fr", phone="0600000000"),
                )
            except CheckoutError as exc:
                record(f"refused {n} {exc.message}")
            except (OperationalError, InterfaceError) as exc:
                record(f"error {n} {str(exc).splitlines()[0] if str(exc) else type(exc)}")
                time.sleep(0.2)
            else:
                record(f"ok {n} {order.number}")  # place_order returned: committed
        close_old_connections()

    workers = [threading.Thread(target=resident) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup()
    else:
        business, slot, product, out, stop, threads = sys.argv[2:8]
        run(int(business), int(slot), int(product), out, stop, int(threads))
