"""Residents' pages (catalogue, cart, checkout, their orders) and the merchant dashboard.

Object-level permissions: an order is shown only to its resident (their account, or the
signed link sent to a guest) and to the owner of its business; anyone else gets a 404,
which does not even confirm the order exists.
"""

from __future__ import annotations

import contextlib
import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from geo_directory.businesses.models import Business
from geo_directory.photos.public import photos_for
from geo_directory.ratelimits import ratelimit

from . import guest_access, payments, services
from .cart import Cart
from .forms import REFUSAL_REASONS, AddToCartForm, CheckoutForm, GuestOrdersForm, StatusForm
from .models import Order, OrderLine, Product, Slot, euros
from .notifications import order_url
from .zones import BadPoint, businesses_delivering_to, delivery_answer, parse_point


def _site_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _business(business_id: int) -> Business:
    return get_object_or_404(
        Business.objects.published().select_related("commune", "category"), pk=business_id
    )


# --- residents -------------------------------------------------------------------------


def catalogue(request, business_id: int):
    business = _business(business_id)
    cart = Cart(request.session, business.pk)
    if request.method == "POST":
        form = AddToCartForm(request.POST)
        if form.is_valid():
            product = get_object_or_404(
                Product, pk=form.cleaned_data["product"], business=business, available=True
            )
            cart.add(product.pk, form.cleaned_data["quantity"])
            messages.success(request, f"« {product.name} » ajouté au panier.")
            return redirect("orders:catalogue", business_id=business.pk)
        messages.error(request, "Quantité invalide.")
    campaigns = business.campaigns.open_at(timezone.now()).prefetch_related("slots")
    # One query for the shop's photos and its products' ones.
    photos = photos_for(business)
    products = list(business.products.all())
    for product in products:
        product.gallery = [p for p in photos if p["product_id"] == product.pk]
    return render(
        request,
        "orders/catalogue.html",
        {
            "business": business,
            "products": products,
            "shop_photos": [p for p in photos if p["product_id"] is None],
            "campaigns": campaigns,
            "cart_count": len(cart),
        },
    )


def cart_view(request, business_id: int):
    business = _business(business_id)
    cart = Cart(request.session, business.pk)
    if request.method == "POST":
        for key, value in request.POST.items():
            if key.startswith("qty_"):
                try:
                    cart.set(int(key[4:]), int(value))
                except ValueError:
                    messages.error(request, "Quantité invalide.")
        if "remove" in request.POST:
            with contextlib.suppress(ValueError):
                cart.set(int(request.POST["remove"]), 0)
        return redirect("orders:cart", business_id=business.pk)
    rows, subtotal = cart.detail()
    return render(
        request,
        "orders/cart.html",
        {"business": business, "rows": rows, "subtotal": euros(subtotal)},
    )


@ratelimit("checkout")
def checkout(request, business_id: int):
    business = _business(business_id)
    cart = Cart(request.session, business.pk)
    rows, subtotal = cart.detail()
    if not rows:
        messages.info(request, "Votre panier est vide.")
        return redirect("orders:catalogue", business_id=business.pk)
    user = request.user
    initial = {}
    if user.is_authenticated:
        initial = {"customer_name": user.get_full_name() or user.username, "email": user.email}
    form = CheckoutForm(request.POST or None, business=business, initial=initial)
    if request.method == "GET" and not form.fields["fulfilment"].choices:
        messages.info(request, "Ce commerce ne prend pas de commandes en ce moment.")
        return redirect("orders:catalogue", business_id=business.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delivery = None
            if data["fulfilment"] == "delivery":
                delivery = services.delivery_point_for(data)
            order = services.place_order(
                business,
                cart.lines(),
                data["slot"].pk,
                data["fulfilment"],
                services.Customer(
                    name=data["customer_name"],
                    email=data["email"],
                    phone=data["phone"],
                    user=user if user.is_authenticated else None,
                    note=data["note"],
                ),
                delivery=delivery,
                site_url=_site_url(request),
            )
        except services.CheckoutError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
        else:
            cart.clear()
            url = order_url(order, token=order.issued_access_token)
            pay_url = payments.start_payment(order, _site_url(request) + url)
            messages.success(
                request,
                f"Merci ! Votre commande {order.number} est enregistrée ; "
                f"un e-mail de confirmation a été envoyé à {order.email}.",
            )
            return redirect(pay_url or url)
    zone = business.delivery_zone.geojson if business.delivery_zone else None
    return render(
        request,
        "orders/checkout.html",
        {
            "business": business,
            "form": form,
            "rows": rows,
            "subtotal": euros(subtotal),
            "zone_geojson": zone,
            "tile_url": settings.TILE_URL,
        },
    )


def delivery_check(request, business_id: int):
    """The checkout map asks this as soon as the door is placed (JSON, French messages)."""
    business = _business(business_id)
    try:
        point = parse_point(request.GET.get("point"))
    except BadPoint as exc:
        return JsonResponse({"errors": {"point": str(exc)}}, status=400)
    return JsonResponse(delivery_answer(business, point))


def _visible_order(request, number: str, token: str | None) -> Order:
    order = (
        Order.objects.select_related("business", "campaign", "slot").filter(number=number).first()
    )
    if order is None or not (
        order.visible_to(request.user, token) or guest_access.may_see(request, order)
    ):
        raise Http404("Commande introuvable")
    return order


def _is_resident(request, order: Order, token: str | None) -> bool:
    user = request.user
    return (
        order.token_is_valid(token)
        or (user.is_authenticated and user.pk == order.user_id)
        or guest_access.may_see(request, order)
    )


def order_detail(request, number: str):
    token = request.GET.get("cle")
    order = _visible_order(request, number, token)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "events": order.events.all(),
            "token": token if order.token_is_valid(token) else "",
            "is_resident": _is_resident(request, order, token),
            "is_merchant": order.owner_may_see(request.user),
            "can_cancel": order.can_be_cancelled(),
        },
    )


@require_POST
def order_cancel(request, number: str):
    token = request.POST.get("cle")
    order = _visible_order(request, number, token)
    if not _is_resident(request, order, token):
        raise Http404("Commande introuvable")
    try:
        services.cancel_order(order, actor=request.user, site_url=_site_url(request))
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"La commande {order.number} est annulée.")
    url = reverse("orders:order_detail", args=[order.number])
    return redirect(url + (f"?cle={token}" if order.token_is_valid(token) else ""))


@ratelimit("guest_orders")
def my_orders(request):
    """An account's orders, and those placed with the address a guest proved they read.

    A guest without that proof gets a form asking for the address: a sign-in link goes
    there (never the merchants' login, which is not theirs)."""
    guest_email = guest_access.session_email(request)
    form = GuestOrdersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        guest_access.send_link(form.cleaned_data["email"], _site_url(request))
        messages.success(
            request,
            "Si des commandes ont été passées avec cette adresse, un lien pour les voir "
            "vient d'y être envoyé. Pensez à regarder dans les indésirables.",
        )
        return redirect("orders:my_orders")
    mine = Q(pk__in=[])
    if request.user.is_authenticated:
        mine |= Q(user=request.user)
    if guest_email:
        mine |= Q(pk__in=guest_access.orders_with_email(guest_email).values("pk"))
    orders = Order.objects.filter(mine).select_related("business", "slot").order_by("-created_at")
    return render(
        request,
        "orders/my_orders.html",
        {"orders": orders, "form": form, "guest_email": guest_email},
    )


def guest_access_link(request, token: str):
    """The link of the e-mail: the session remembers the address, the URL loses the token."""
    email = guest_access.email_for_token(token)
    if email is None:
        messages.error(
            request,
            "Ce lien n'est plus valable (il expire au bout d'une heure) : "
            "demandez-en un nouveau ci-dessous.",
        )
        return redirect("orders:my_orders")
    request.session[guest_access.SESSION_KEY] = email
    return redirect("orders:my_orders")


def delivery_finder(request):
    """« Qui livre chez moi ? »: the businesses whose delivery zone covers a point."""
    raw = request.GET.get("point")
    businesses, error, point = None, None, None
    if raw:
        try:
            point = parse_point(raw)
        except BadPoint as exc:
            error = str(exc)
        else:
            businesses = list(businesses_delivering_to(point))
    return render(
        request,
        "orders/delivery_finder.html",
        {
            "businesses": businesses,
            "error": error,
            "point": point,
            "tile_url": settings.TILE_URL,
        },
        status=400 if error else 200,
    )


# --- merchants -------------------------------------------------------------------------


def _owned_business(request, business_id: int) -> Business:
    return get_object_or_404(Business, pk=business_id, owner=request.user)


@login_required
def merchant_home(request):
    since_ownership = Q(ownership__isnull=True) | Q(
        ownership__user=request.user, orders__created_at__gte=F("ownership__since")
    )
    businesses = Business.objects.filter(owner=request.user).annotate(
        to_handle=Count("orders", filter=Q(orders__status=Order.Status.PLACED) & since_ownership)
    )
    if len(businesses) == 1:
        return redirect("orders:merchant_dashboard", business_id=businesses[0].pk)
    return render(request, "orders/merchant_home.html", {"businesses": businesses})


@login_required
def merchant_dashboard(request, business_id: int):
    business = _owned_business(request, business_id)
    slots = (
        Slot.objects.filter(campaign__business=business)
        .select_related("campaign")
        .order_by("starts_at", "id")
    )
    orders = (
        Order.objects.for_owner(request.user)
        .filter(business=business)
        .exclude(status=Order.Status.CANCELLED)
        .prefetch_related("lines")
        .order_by("created_at")
    )
    by_slot: dict[int, list[Order]] = {}
    for order in orders:
        by_slot.setdefault(order.slot_id, []).append(order)
    groups = [(slot, by_slot.get(slot.pk, [])) for slot in slots]
    return render(
        request,
        "orders/merchant_dashboard.html",
        {
            "business": business,
            "groups": groups,
            "status_form": StatusForm(),
            "refusal_reasons": REFUSAL_REASONS,
        },
    )


@login_required
@require_POST
def merchant_set_status(request, number: str):
    order = get_object_or_404(Order.objects.for_owner(request.user), number=number)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_status(
                order,
                form.cleaned_data["status"],
                actor=request.user,
                note=form.cleaned_data["note"],
                site_url=_site_url(request),
            )
        except services.TransitionError as exc:
            messages.error(request, str(exc))
        else:
            order.refresh_from_db()
            messages.success(request, f"Commande {order.number} : {order.get_status_display()}.")
    else:
        errors = form.non_field_errors() or ["Statut inconnu."]
        messages.error(request, errors[0])
    return redirect("orders:merchant_dashboard", business_id=order.business_id)


PREPARED_STATUSES = (
    Order.Status.PLACED,
    Order.Status.ACCEPTED,
    Order.Status.READY,
    Order.Status.COLLECTED,
)


def _preparation(request, slot_id: int):
    slot = get_object_or_404(
        Slot.objects.select_related("campaign__business"),
        pk=slot_id,
        campaign__business__owner=request.user,
    )
    orders = list(
        Order.objects.for_owner(request.user)
        .filter(slot=slot, status__in=PREPARED_STATUSES)
        .prefetch_related("lines")
        .order_by("number")
    )
    totals = (
        OrderLine.objects.filter(order__in=orders)
        .values("product_name")
        .annotate(quantity=Sum("quantity"))
        .order_by("product_name")
    )
    return slot, orders, totals


@login_required
def preparation_list(request, slot_id: int):
    slot, orders, totals = _preparation(request, slot_id)
    return render(
        request,
        "orders/preparation.html",
        {"slot": slot, "business": slot.campaign.business, "orders": orders, "totals": totals},
    )


def _decimal_comma(cents: int) -> str:
    """``1234`` → ``12,34`` for a French spreadsheet (integer arithmetic, no float)."""
    return f"{cents // 100},{cents % 100:02d}"


def _cell(text: str) -> str:
    """Text typed by a resident, made inert for spreadsheets: a cell starting with = + - @
    (or a tab/CR) would be run as a formula by Excel or LibreOffice (CSV injection)."""
    return f"'{text}" if text and text[0] in "=+-@\t\r" else text


@login_required
def preparation_csv(request, slot_id: int):
    slot, orders, _totals = _preparation(request, slot_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    start = timezone.localtime(slot.starts_at)
    response["Content-Disposition"] = (
        f'attachment; filename="preparation-{start:%Y%m%d-%H%M}-creneau-{slot.pk}.csv"'
    )
    response.write("\ufeff")  # BOM: opens in French Excel with accents intact
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            "commande",
            "statut",
            "client",
            "téléphone",
            "mode",
            "adresse",
            "produit",
            "quantité",
            "prix unitaire (€)",
            "total ligne (€)",
            "remarque",
        ]
    )
    for order in orders:
        for line in order.lines.all():
            writer.writerow(
                [
                    order.number,
                    order.get_status_display(),
                    _cell(order.customer_name),
                    _cell(order.phone),
                    order.get_fulfilment_display(),
                    _cell(order.delivery_address),
                    _cell(line.product_name),
                    line.quantity,
                    _decimal_comma(line.unit_price_cents),
                    _decimal_comma(line.total_cents),
                    _cell(order.note),
                ]
            )
    return response
