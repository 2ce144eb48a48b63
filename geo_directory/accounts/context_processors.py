"""The merchant's header: « Commandes (3 nouvelles) » on every page of a logged-in merchant,
and whether the page belongs to the merchant space (``merchant_page``: the base templates
then show the merchant navigation, accounts/templatetags/merchant_space.py).

One query, on the ``business_owner`` partial index then the orders' ``business_id`` index,
and only when a template reads it (lazy): anonymous visitors cost nothing, and a page
that does not show the header costs nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class MerchantOrders:
    shops: int
    new: int

    @property
    def label(self) -> str:
        # French: 0 and 1 take the singular.
        return f"{self.new} nouvelle{'s' if self.new > 1 else ''}"

    def __bool__(self) -> bool:
        return self.shops > 0


def count_new_orders(user) -> MerchantOrders:
    """The user's listings and their orders still to accept (``placed``), counting only
    the orders placed since the user owns the listing (like ``Order.objects.for_owner``)."""
    from geo_directory.businesses.models import Business
    from geo_directory.orders.models import Order

    since_ownership = Q(ownership__isnull=True) | Q(
        ownership__user=user, orders__created_at__gte=F("ownership__since")
    )
    totals = Business.objects.filter(owner=user).aggregate(
        shops=Count("id", distinct=True),
        new=Count("orders", filter=Q(orders__status=Order.Status.PLACED) & since_ownership),
    )
    return MerchantOrders(totals["shops"], totals["new"])


# The pages of the merchant space, by URL name: one list, so that a new merchant page
# gets the merchant navigation by being named here rather than by editing its template.
MERCHANT_VIEWS = frozenset(
    {
        "accounts:dashboard",
        "accounts:create",
        "accounts:edit",
        "accounts:claim",
        "photos:manage",
        "orders:merchant_home",
        "orders:merchant_dashboard",
        "orders:preparation",
        "orders:catalogue_admin",
        "orders:product_new",
        "orders:product_edit",
        "orders:campaign_new",
        "orders:campaign_edit",
    }
)


def is_merchant_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in MERCHANT_VIEWS


def merchant_orders(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}  # a visitor has no merchant space: no navigation, no count
    return {
        "merchant_page": is_merchant_page(request),
        "merchant_orders": SimpleLazyObject(lambda: count_new_orders(user)),
    }
