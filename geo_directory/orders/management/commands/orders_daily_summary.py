"""E-mail each shop the summary of its slots whose campaign is still open (a nightly job).

Per slot: the places booked, the orders still to accept, accepted or ready, and the
quantities to prepare per product. Only shops with at least one live order receive it;
campaigns past their cut-off are left out (the preparation list takes over). Three queries
whatever the number of shops: the slots, their orders counted by status, the lines summed.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from geo_directory.orders.models import Order, OrderLine, Slot
from geo_directory.orders.notifications import dashboard_url, shop_recipients

LIVE = (Order.Status.PLACED, Order.Status.ACCEPTED, Order.Status.READY)


class Command(BaseCommand):
    help = "Envoie à chaque commerce le récapitulatif par créneau de ses commandes en cours."

    def add_arguments(self, parser):
        parser.add_argument("--site-url", default="", help="https://… for the links")

    def handle(self, *args, site_url="", **options):
        now = timezone.now()
        slots = list(
            Slot.objects.filter(campaign__active=True, campaign__cutoff_at__gt=now)
            .select_related("campaign__business__owner")
            .annotate(
                placed=Count("orders", filter=Q(orders__status=Order.Status.PLACED)),
                accepted=Count("orders", filter=Q(orders__status=Order.Status.ACCEPTED)),
                ready=Count("orders", filter=Q(orders__status=Order.Status.READY)),
            )
            .order_by("campaign__business_id", "starts_at", "id")
        )
        quantities: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for row in (
            OrderLine.objects.filter(order__slot__in=slots, order__status__in=LIVE)
            .values("order__slot_id", "product_name")
            .annotate(quantity=Sum("quantity"))
            .order_by("order__slot_id", "product_name")
        ):
            quantities[row["order__slot_id"]].append((row["product_name"], row["quantity"]))
        by_business = defaultdict(list)
        for slot in slots:
            slot.products = quantities.get(slot.pk, [])
            by_business[slot.campaign.business].append(slot)
        sent = 0
        for business, its_slots in by_business.items():
            if not any(s.placed + s.accepted + s.ready for s in its_slots):
                continue
            recipients = shop_recipients(business)
            if not recipients:
                continue
            body = render_to_string(
                "orders/email/shop_daily_summary.txt",
                {
                    "business": business,
                    "slots": its_slots,
                    "url": dashboard_url(business, site_url),
                    "today": timezone.localdate(now),
                },
            )
            subject = f"Vos commandes par créneau — {business.name}"
            send_mail(subject, body, None, recipients)
            sent += 1
        self.stdout.write(f"{sent} récapitulatif(s) envoyé(s).")
