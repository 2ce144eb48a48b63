"""``{% merchant_nav %}``: the one navigation of the merchant space, on each of its pages.

The links that concern one listing (hours, photos, catalogue, campaigns) go to the
listing the page is about (``business`` in the page's context, or the order's listing),
else to the merchant's only listing; a merchant with several listings and no listing in
view finds each listing's links on the dashboard (« Mes commerces »).
"""

from __future__ import annotations

from django import template

register = template.Library()

# Which item of the navigation a page belongs to (aria-current), by URL name.
SECTIONS = {
    "accounts:dashboard": "commerces",
    "accounts:create": "commerces",
    "accounts:claim": "commerces",
    "accounts:edit": "commerces",
    "photos:manage": "photos",
    "orders:catalogue_admin": "catalogue",
    "orders:product_new": "catalogue",
    "orders:product_edit": "catalogue",
    "orders:campaign_new": "campagnes",
    "orders:campaign_edit": "campagnes",
    "orders:merchant_home": "commandes",
    "orders:merchant_dashboard": "commandes",
    "orders:preparation": "commandes",
    "orders:order_detail": "commandes",
}


def _listing_in_view(context, user):
    business = context.get("business")
    if business is None and context.get("is_merchant") and context.get("order") is not None:
        business = context["order"].business
    if business is not None and getattr(business, "owner_id", None) == user.pk:
        return business
    return None


@register.inclusion_tag("accounts/_merchant_nav.html", takes_context=True)
def merchant_nav(context):
    request = context["request"]
    user = request.user
    # One query: the merchant's listings (the ``business_owner`` index), names only.
    listings = list(
        user.businesses.filter(merged_into__isnull=True).order_by("name").values("pk", "name")
    )
    current = _listing_in_view(context, user)
    if current is not None:
        current = {"pk": current.pk, "name": current.name}
    elif len(listings) == 1:
        current = listings[0]
    match = request.resolver_match
    return {
        "csrf_token": context.get("csrf_token"),
        "current": current,
        "several": len(listings) > 1,
        "section": SECTIONS.get(match.view_name if match else "", ""),
        "merchant_orders": context.get("merchant_orders"),
    }
