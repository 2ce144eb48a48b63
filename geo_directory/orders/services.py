"""Placing, cancelling and moving orders through their statuses.

Integrity is PostgreSQL's job, not Python's: a checkout takes its slot place with one
conditional ``UPDATE ... WHERE booked_count < capacity RETURNING`` (the row lock makes
concurrent checkouts queue on the slot, and each re-evaluates the condition on the row
it finally gets), then takes each stocked product the same way (``WHERE stock >= qty``),
all inside one transaction; the CHECK constraints of the models are the last guard. A
checkout that finds no row gets a clear ``CheckoutError`` and its transaction is rolled
back, so nothing it took is kept.

Lock order: a checkout takes the slot, then products by increasing id; a cancellation or
refusal takes its order row (``FOR NO KEY UPDATE OF`` the order only), then the slot,
then products by increasing id. No lock here is taken on a row that a checkout only
references (campaign, business), so foreign-key checks never close a cycle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format

from geo_directory.businesses.models import Business
from geo_directory.geocoding.service import GeocodingFailed, geocoder
from geo_directory.territory.region import BadCoordinates, check_lonlat

from . import notifications
from .models import Campaign, Order, OrderEvent, OrderLine, Product, Slot, euros

ORDER_NUMBER_PREFIX = "RV"
MAX_QUANTITY = 99


class CheckoutError(Exception):
    """A refusal explained to the resident (in French), tied to a form field if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionError(Exception):
    pass


@dataclass
class Customer:
    name: str
    email: str
    phone: str
    user: object | None = None  # an authenticated User, or None for a guest
    note: str = ""


@dataclass
class Delivery:
    point: Point
    address: str = ""


# A courier needs a door, not a commune: coarser results ask the resident for the map.
PRECISE_ENOUGH = {"housenumber", "street"}


def delivery_point_for(form_data: dict) -> Delivery:
    """Where to deliver, from the checkout form's cleaned data.

    The point the resident placed (or confirmed) on the checkout map, or their browser's
    geolocation, comes as the hidden ``lon``/``lat`` fields; without it the typed
    ``delivery_address`` is geocoded on the server (geocoding service: national address
    API, then Nominatim). Either way the point is then checked against the zone
    server-side (``check_delivery``), never trusted from the page.
    """
    address = (form_data.get("delivery_address") or "").strip()
    lon, lat = form_data.get("lon"), form_data.get("lat")
    if lon is not None and lat is not None:
        try:  # before GEOS: a coordinate of ~1e150 aborts the worker in its WKT writer
            lon, lat = check_lonlat(lon, lat)
        except BadCoordinates as exc:
            raise CheckoutError(
                f"Position de livraison invalide : {exc}", "delivery_address"
            ) from None
        return Delivery(Point(lon, lat, srid=4326), address)
    if not address:
        raise CheckoutError(
            "Placez votre porte sur la carte (ou utilisez « Ma position »).", "delivery_address"
        )
    try:
        result = geocoder.geocode(address)
    except GeocodingFailed as exc:
        raise CheckoutError(f"{exc} Placez votre porte sur la carte.", "delivery_address") from exc
    if result.precision not in PRECISE_ENOUGH:
        raise CheckoutError(
            f"Adresse trop imprécise ({result.label}) : placez votre porte sur la carte.",
            "delivery_address",
        )
    return Delivery(result.point, address)


@dataclass
class CartLine:
    product_id: int
    quantity: int


@dataclass
class _Priced:
    product: Product
    quantity: int
    stock_reserved: bool = field(default=False)


def _local(when: dt.datetime) -> str:
    return date_format(timezone.localtime(when), "l j F Y à H:i")


def next_order_number(when: dt.datetime) -> str:
    """``RV-2026-000123``: the year of the order, then a PostgreSQL sequence (unique)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        (value,) = cursor.fetchone()
    return f"{ORDER_NUMBER_PREFIX}-{timezone.localtime(when).year}-{value:06d}"


def _take_slot_place(slot_id: int, business_id: int, kind: str, now: dt.datetime) -> int:
    """One place in the slot, or a CheckoutError saying why not. Returns the campaign id."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE orders_slot AS s SET booked_count = s.booked_count + 1
              FROM orders_campaign AS c
             WHERE s.id = %s AND c.id = s.campaign_id AND c.business_id = %s
               AND s.kind = %s AND c.active AND c.cutoff_at > %s
               AND s.booked_count < s.capacity
            RETURNING s.campaign_id
            """,
            [slot_id, business_id, kind, now],
        )
        row = cursor.fetchone()
    if row:
        return row[0]
    # Why not: only to explain the refusal, the decision above is already taken.
    slot = (
        Slot.objects.select_related("campaign")
        .filter(pk=slot_id, campaign__business_id=business_id)
        .first()
    )
    if slot is None or slot.kind != kind:
        raise CheckoutError("Ce créneau n'existe pas pour ce mode de commande.", "slot")
    campaign = slot.campaign
    if not campaign.active or campaign.cutoff_at <= now:
        raise CheckoutError(
            f"Les commandes « {campaign.name} » sont closes depuis le "
            f"{_local(campaign.cutoff_at)}.",
            "slot",
        )
    raise CheckoutError(
        f"Le créneau {slot} est complet : choisissez-en un autre.",
        "slot",
    )


def _price_lines(business_id: int, lines: list[CartLine]) -> list[_Priced]:
    """The products of the cart as they are now (their current price will be frozen)."""
    if not lines:
        raise CheckoutError("Votre panier est vide.")
    quantities: dict[int, int] = {}
    for line in lines:
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise CheckoutError(f"Quantité invalide (de 1 à {MAX_QUANTITY}).")
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    products = Product.objects.filter(business_id=business_id, pk__in=quantities).order_by("pk")
    by_id = {product.pk: product for product in products}
    priced = []
    for product_id in sorted(quantities):
        product = by_id.get(product_id)
        if product is None:
            raise CheckoutError("Un produit de votre panier n'existe plus.")
        if not product.available:
            raise CheckoutError(f"« {product.name} » n'est plus disponible.")
        priced.append(_Priced(product, quantities[product_id]))
    return priced


def _take_stock(priced: list[_Priced]) -> None:
    """Decrement stocked products, by increasing id, never below zero."""
    with connection.cursor() as cursor:
        for item in priced:
            if item.product.stock is None:
                continue
            cursor.execute(
                "UPDATE orders_product SET stock = stock - %s"
                " WHERE id = %s AND stock IS NOT NULL AND stock >= %s RETURNING stock",
                [item.quantity, item.product.pk, item.quantity],
            )
            if cursor.fetchone() is None:
                cursor.execute("SELECT stock FROM orders_product WHERE id = %s", [item.product.pk])
                row = cursor.fetchone()
                left = row[0] if row else 0
                if left is None:  # stock management switched off meanwhile
                    continue
                if left == 0:
                    raise CheckoutError(f"« {item.product.name} » est épuisé.")
                raise CheckoutError(
                    f"Il ne reste que {left} « {item.product.name} » : réduisez la quantité."
                )
            item.stock_reserved = True


def check_delivery(business: Business, delivery: Delivery | None) -> None:
    """The point is inside the business's delivery zone (GiST-indexed ST_Intersects)."""
    if not business.offers_delivery:
        raise CheckoutError("Ce commerce ne livre pas.", "fulfilment")
    if delivery is None or delivery.point is None:
        raise CheckoutError("Indiquez le lieu de livraison sur la carte.", "delivery_address")
    if not Business.objects.filter(pk=business.pk).delivering_to(delivery.point).exists():
        raise CheckoutError(
            "Cette adresse est hors de la zone de livraison de ce commerce.", "delivery_address"
        )


def place_order(
    business: Business,
    lines: list[CartLine],
    slot_id: int,
    fulfilment: str,
    customer: Customer,
    delivery: Delivery | None = None,
    now: dt.datetime | None = None,
    site_url: str = "",
) -> Order:
    """Place an order, or raise CheckoutError; sends the confirmation after commit."""
    now = now or timezone.now()
    if fulfilment not in Order.Fulfilment.values:
        raise CheckoutError("Choisissez le retrait ou la livraison.", "fulfilment")
    if not (customer.email and customer.phone and customer.name):
        raise CheckoutError("Nom, e-mail et téléphone sont nécessaires.", "email")
    is_delivery = fulfilment == Order.Fulfilment.DELIVERY
    if is_delivery:
        check_delivery(business, delivery)

    with transaction.atomic():
        priced = _price_lines(business.pk, lines)
        subtotal = sum(item.product.price_cents * item.quantity for item in priced)
        fee = 0
        if is_delivery:
            minimum = business.delivery_min_order_cents or 0
            if subtotal < minimum:
                raise CheckoutError(
                    f"La livraison demande un minimum de commande de {euros(minimum)} "
                    f"(votre panier : {euros(subtotal)}).",
                    "fulfilment",
                )
            fee = business.delivery_fee_cents or 0
        campaign_id = _take_slot_place(slot_id, business.pk, fulfilment, now)
        campaign = Campaign.objects.get(pk=campaign_id)
        if is_delivery and not campaign.offers_delivery:
            raise CheckoutError("Cette campagne ne propose pas la livraison.", "fulfilment")
        if not is_delivery and not campaign.offers_pickup:
            raise CheckoutError("Cette campagne ne propose pas le retrait.", "fulfilment")
        _take_stock(priced)
        order = Order(
            number=next_order_number(now),
            business=business,
            campaign=campaign,
            slot_id=slot_id,
            user=customer.user if getattr(customer.user, "is_authenticated", False) else None,
            customer_name=customer.name,
            email=customer.email,
            phone=customer.phone,
            note=customer.note,
            fulfilment=fulfilment,
            delivery_address=delivery.address if (is_delivery and delivery) else "",
            delivery_point=delivery.point if (is_delivery and delivery) else None,
            subtotal_cents=subtotal,
            delivery_fee_cents=fee,
            total_cents=subtotal + fee,
            created_at=now,
            status_changed_at=now,
        )
        token = order.issue_access_token()
        order.save(force_insert=True)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=item.product,
                product_name=item.product.name,
                unit_price_cents=item.product.price_cents,
                vat_rate=item.product.vat_rate,
                quantity=item.quantity,
                stock_reserved=item.stock_reserved,
            )
            for item in priced
        )
        OrderEvent.objects.create(order=order, status=order.status, at=now, actor=order.user)
        # The shop's alert first: the resident's confirmation is the last e-mail sent.
        transaction.on_commit(lambda: notifications.shop_order_placed(order, site_url))
        transaction.on_commit(lambda: notifications.order_placed(order, site_url, token))
    return order


def reissue_access_link(order: Order, site_url: str = "") -> str:
    """Revoke the order's link (the old ``?cle=`` stops working at once) and e-mail the
    customer a new one. The admin's « Révoquer et renvoyer le lien de suivi » action."""
    with transaction.atomic():
        token = order.issue_access_token()
        order.save(update_fields=["access_token_hash"])
        transaction.on_commit(lambda: notifications.link_reissued(order, site_url, token))
    return token


def revoke_access_link(order: Order) -> None:
    """No link opens the order any more (its account, if any, and the shop still do)."""
    order.access_token_hash = ""
    order.save(update_fields=["access_token_hash"])


def _release(order: Order) -> None:
    """Give back the slot place and the stock taken by this order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_slot SET booked_count = booked_count - 1"
            " WHERE id = %s AND booked_count > 0",
            [order.slot_id],
        )
        # Lock the products in the checkouts' order (increasing id) before updating them.
        cursor.execute(
            "SELECT p.id FROM orders_product AS p JOIN orders_orderline AS l"
            " ON l.product_id = p.id WHERE l.order_id = %s AND l.stock_reserved"
            " ORDER BY p.id FOR NO KEY UPDATE OF p",
            [order.pk],
        )
        cursor.execute(
            """
            UPDATE orders_product AS p SET stock = p.stock + l.quantity
              FROM orders_orderline AS l
             WHERE l.order_id = %s AND l.product_id = p.id AND l.stock_reserved
               AND p.stock IS NOT NULL
            """,
            [order.pk],
        )


# Who may move an order from one status to the next.
MERCHANT_TRANSITIONS = {
    Order.Status.PLACED: {Order.Status.ACCEPTED, Order.Status.REFUSED},
    Order.Status.ACCEPTED: {Order.Status.READY, Order.Status.REFUSED},
    Order.Status.READY: {Order.Status.COLLECTED},
}


def _transition(
    order_id: int, new_status: str, actor, note: str, now, check, site_url, alert_shop=None
) -> Order:
    with transaction.atomic():
        # Lock the order row only (OF self), and without the KEY lock: a FOR UPDATE on the
        # joined campaign would block the FK checks (FOR KEY SHARE) of checkouts inserting
        # orders in that campaign while they hold a slot we wait for: a deadlock.
        order = (
            Order.objects.select_for_update(no_key=True, of=("self",))
            .select_related("campaign")
            .get(pk=order_id)
        )
        check(order)
        if new_status in Order.RELEASING:
            _release(order)
        order.status = new_status
        order.status_changed_at = now
        order.save(update_fields=["status", "status_changed_at"])
        OrderEvent.objects.create(
            order=order,
            status=new_status,
            at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            note=note,
        )
        if alert_shop is not None:
            transaction.on_commit(lambda: alert_shop(order, site_url))
        transaction.on_commit(lambda: notifications.status_changed(order, site_url, note))
    return order


def cancel_order(order: Order, actor=None, now=None, site_url: str = "") -> Order:
    """The resident cancels before the cut-off: the slot place and stock come back."""
    now = now or timezone.now()

    def check(locked: Order):
        if locked.status not in (Order.Status.PLACED, Order.Status.ACCEPTED):
            raise TransitionError(
                f"La commande {locked.number} est {locked.get_status_display()} : "
                "elle ne peut plus être annulée."
            )
        if locked.campaign.cutoff_at <= now:
            raise TransitionError(
                f"Annulation impossible après la clôture des commandes "
                f"({_local(locked.campaign.cutoff_at)}) : contactez le commerce."
            )

    return _transition(
        order.pk,
        Order.Status.CANCELLED,
        actor,
        "",
        now,
        check,
        site_url,
        alert_shop=notifications.shop_order_cancelled,
    )


def set_status(order: Order, new_status: str, actor, note="", now=None, site_url="") -> Order:
    """The merchant accepts, refuses, marks ready or collected (with an email each time)."""
    now = now or timezone.now()

    def check(locked: Order):
        if new_status not in MERCHANT_TRANSITIONS.get(locked.status, set()):
            raise TransitionError(
                f"Impossible de passer la commande {locked.number} de "
                f"« {locked.get_status_display()} » à "
                f"« {Order.Status(new_status).label} »."
            )

    return _transition(order.pk, new_status, actor, note, now, check, site_url)
