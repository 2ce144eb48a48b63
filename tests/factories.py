"""Builders of the tests' rows: users, merchants, listings, shops with zones, campaigns, slots.

One module for every app's tests, so that a listing or a shop is built the same way
everywhere (the orders, API, open-data, accounts, hardening and browser tests).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from geo_directory.businesses.models import Business, Category
from geo_directory.orders.models import Campaign, Product, Slot
from geo_directory.orders.services import CartLine, Customer

PARIS = ZoneInfo("Europe/Paris")
# A real listing of the demo data: Paul, square Narvik (gare Saint-Charles), Marseille 1er.
PAUL_NARVIK = (5.381044, 43.302321)
CANEBIERE = (5.3800, 43.2973)  # La Canebière, ~560 m away
AIX_MIRABEAU = (5.4474, 43.5265)  # cours Mirabeau, Aix-en-Provence, ~25 km away
CANEBIERE_DOOR = (5.3776, 43.2966)  # the door of 2 La Canebière (tests/fake_ban.py answers it)

_seq = itertools.count(1)


def make_user(username=None, password=None, **extra):
    username = username or f"user{next(_seq)}-{timezone.now().timestamp():.0f}"
    extra.setdefault("email", f"{username}@example.fr")
    return get_user_model().objects.create_user(username=username, password=password, **extra)


def make_merchant(email="boulangerie@example.fr", password="Noel-2026-Marseille!"):
    """A merchant's account as signing up makes it: the e-mail is the username, active."""
    return make_user(email, password, email=email, is_active=True)


def make_moderator(email, password="Moderation-2026!"):
    """A staff account of the « moderateurs » group (the listings' and claims' review)."""
    user = make_user(email, password, email=email, is_staff=True)
    user.groups.add(Group.objects.get(name="moderateurs"))
    return user


def set_zone_radius(business: Business, metres: float) -> None:
    """The zone as the merchants' form makes it: the radius around the shop, as a polygon.

    The buffer is built in Lambert-93 (metres) with 64 segments per quarter circle, so the
    polygon's chords stay within a few centimetres of the true circle.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE businesses_business SET offers_delivery = true,"
            " delivery_radius_km = %s,"
            " delivery_zone = ST_Multi(ST_Transform("
            "   ST_Buffer(location_l93, %s, 'quad_segs=64'), 4326))"
            " WHERE id = %s",
            [Decimal(metres) / 1000, metres, business.pk],
        )
    business.refresh_from_db()


def make_listing(
    name="Boulangerie du Port", lon=5.3698, lat=43.2951, category="boulangerie", **fields
):
    """A published listing at (lon, lat), with only the fields given (a bare directory entry)."""
    fields.setdefault("status", Business.Status.PUBLISHED)
    business = Business(
        name=name,
        category=Category.objects.get(slug=category),
        location=Point(lon, lat, srid=4326),
        **fields,
    )
    business.save()
    return business


def make_own_listing(owner, **fields):
    """The merchant's bakery at 2 La Canebière, in the category the edit form's data
    (tests/accounts/helpers.py ``form_data``) chooses, pending unless ``status`` is given."""
    return Business.objects.create(
        name="Boulangerie du Vieux-Port",
        category=Category.objects.get(slug="boulangerie"),
        location=Point(*CANEBIERE_DOOR, srid=4326),
        street="2 La Canebière",
        postcode="13001",
        owner=owner,
        **fields,
    )


def make_business(
    name="Traiteur des Réformés",
    lon_lat=PAUL_NARVIK,
    owner=None,
    radius_m=None,
    fee_cents=None,
    min_order_cents=None,
    category="boulangerie",
):
    """A shop that takes orders: an address, pickup, and a delivery zone of ``radius_m``."""
    business = make_listing(
        name,
        *lon_lat,
        category=category,
        street="1 square Narvik",
        postcode="13001",
        owner=owner,
        offers_pickup=True,
        delivery_fee_cents=fee_cents,
        delivery_min_order_cents=min_order_cents,
    )
    if radius_m:
        set_zone_radius(business, radius_m)
    return business


def make_product(business, name="Menu du réveillon", price_cents=6500, stock=None, **extra):
    extra.setdefault("vat_rate", Decimal("10.00"))
    extra.setdefault("allergens", ["gluten", "lait", "crustaces"])
    return Product.objects.create(
        business=business, name=name, price_cents=price_cents, stock=stock, **extra
    )


def in_days(days: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    day = timezone.localtime(timezone.now(), PARIS).date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def make_campaign(business, cutoff_at=None, **extra):
    extra.setdefault("offers_pickup", True)
    extra.setdefault("offers_delivery", True)
    return Campaign.objects.create(
        business=business,
        name="Réveillon 2026",
        cutoff_at=cutoff_at or in_days(10, 18),
        **extra,
    )


def make_slot(campaign, kind="pickup", capacity=10, day=12, hour=10):
    return Slot.objects.create(
        campaign=campaign,
        kind=kind,
        capacity=capacity,
        starts_at=in_days(day, hour),
        ends_at=in_days(day, hour + 2),
    )


def make_shop(owner=None, *, slot=None, menu=None, **business):
    """A shop ready to take orders: ``make_business(owner=owner, **business)``, its
    campaign, one pickup slot (``make_slot(**slot)``) and the menu (``make_product(**menu)``)."""
    shop = make_business(owner=owner, **business)
    campaign = make_campaign(shop)
    return {
        "merchant": owner,
        "business": shop,
        "campaign": campaign,
        "slot": make_slot(campaign, **(slot or {})),
        "menu": make_product(shop, **(menu or {})),
    }


def customer(user=None, n=1):
    return Customer(
        name=f"Résident {n}", email=f"resident{n}@example.fr", phone="06 12 34 56 78", user=user
    )


def lines(*pairs):
    return [CartLine(product.pk, quantity) for product, quantity in pairs]
