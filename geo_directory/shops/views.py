"""The shop page: ``/commerces/<id>-<slug>/``, entirely rendered on the server.

- published: the page, publicly cacheable like the commune page (caching.py's
  SharedCacheMiddleware makes it private for a logged-in visitor);
- wrong or missing slug: 301 to the canonical path (paths.py), so shared links survive
  a renamed shop;
- pending or draft: a preview for its owner and the staff, with a banner; anyone else
  gets the French « en cours de validation » page (404: it is not public);
- merged into another listing or closed: 410, in French, with a link to the listing it
  was merged into when that one is public.
"""

from __future__ import annotations

import json

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from geo_directory import caching
from geo_directory.businesses.hours_text import describe_fr_lines, opening_status_fr
from geo_directory.businesses.models import Business
from geo_directory.orders.models import Campaign, euros
from geo_directory.photos.public import photos_for
from maps.views import map_config

from . import seo
from .paths import shop_path, shop_slug

Status = Business.Status
PHOTO_SIZES = "(max-width: 600px) 100vw, 600px"
ZONE_TOLERANCE = 0.0005  # degrees
MAX_ID = 2**63 - 1  # bigint


def can_preview(user, business: Business) -> bool:
    """The owner of a listing under moderation, and the staff, see its page before it is
    published."""
    return user.is_authenticated and (user.is_staff or business.owner_id == user.pk)


def directions_url(business: Business) -> str:
    """OpenStreetMap's route planner with the shop as destination: no visitor position in
    the link (the visitor gives the start on OpenStreetMap's own page)."""
    lat, lon = business.location.y, business.location.x
    return f"https://www.openstreetmap.org/directions?route=%3B{lat:.5f}%2C{lon:.5f}"


def delivery_text(business: Business) -> str:
    if not business.offers_delivery:
        return ""
    if business.delivery_radius_km:
        radius = f"{business.delivery_radius_km.normalize():f}".replace(".", ",")
        text = f"Livraison dans un rayon de {radius} km"
    elif business.delivery_zone is not None:
        text = "Livraison dans la zone indiquée sur la carte"
    else:
        text = "Livraison"
    extras = []
    if business.delivery_min_order_cents:
        extras.append(f"dès {euros(business.delivery_min_order_cents)} de commande")
    if business.delivery_fee_cents is not None:
        fee = business.delivery_fee_cents
        extras.append(f"frais de livraison {euros(fee)}" if fee else "livraison offerte")
    return text + (f" ({', '.join(extras)})" if extras else "")


def map_data(business: Business) -> dict | None:
    """The small map's data (json_script): the shop's point and its delivery zone,
    simplified for display (~50 m)."""
    if business.location is None:
        return None
    zone = None
    if business.offers_delivery and business.delivery_zone is not None:
        zone = json.loads(business.delivery_zone.simplify(ZONE_TOLERANCE, True).geojson)
    return {
        "lat": business.location.y,
        "lon": business.location.x,
        "name": business.name,
        "zone": zone,
    }


def shop(request, pk: int, slug: str | None = None):
    if pk > MAX_ID:  # PostgreSQL would refuse it (bigint): no such shop, not a 500
        raise Http404("Commerce introuvable")
    # Unordered, not .first() (by the model's name, id: ~1.2 ms of Python to compile for
    # one row by its key); the commune's boundary, which no page of a shop shows, is not
    # read (a multipolygon parsed on every request), nor its département; the listing it
    # was merged into is read only for the rare page of a merged one (every column of a
    # second listing in the statement was ~0.7 ms of Python to compile and convert).
    # Whether it takes orders now rides on the same statement (one round trip fewer).
    now = timezone.now()
    open_campaign = Exists(Campaign.objects.open_at(now).filter(business=OuterRef("pk")))
    found = (
        Business.objects.select_related("category", "commune")
        .defer("commune__boundary")
        .annotate(open_campaign=open_campaign)
        .filter(pk=pk)
        .order_by()[:1]
    )
    business = next(iter(found), None)
    if business is None:
        raise Http404("Commerce introuvable")
    if business.merged_into_id or business.status == Status.CLOSED:
        survivor = business.merged_into
        if survivor is not None and (
            survivor.status != Status.PUBLISHED or survivor.merged_into_id
        ):
            survivor = None
        return render(
            request,
            "shops/gone.html",
            {"business": business, "survivor": survivor},
            status=410,
        )
    preview = business.status != Status.PUBLISHED
    if preview and not can_preview(request.user, business):
        return render(request, "shops/pending.html", {"business": business}, status=404)
    if slug != shop_slug(business.name):
        return redirect(shop_path(business.pk, business.name), permanent=True)

    url = request.build_absolute_uri(shop_path(business.pk, business.name))
    base = request.build_absolute_uri("/").rstrip("/")
    photos = photos_for(business)
    location = business.location
    context = {
        "business": business,
        "preview": preview,
        "canonical": url,
        "photos": photos,
        "photo_sizes": PHOTO_SIZES,
        "og_image": seo.absolute(photos[0]["src"], base) if photos else "",
        "hours": describe_fr_lines(business.opening_hours),
        "opening_status": opening_status_fr(
            business.hours_week, business.hours_windows, business.hours_windows_until, now
        ),
        "directions": directions_url(business) if location else "",
        "geo_uri": f"geo:{location.y:.6f},{location.x:.6f}" if location else "",
        "config": map_config(),
        "map_data": map_data(business),
        "delivery": delivery_text(business),
        "takes_orders": not preview and business.open_campaign,
        "json_ld": "" if preview else seo.json_ld(seo.local_business(business, url, photos, base)),
    }
    response = render(request, "shops/shop.html", context)
    if not preview:
        patch_cache_control(
            response,
            public=True,
            max_age=caching.MAX_AGE,
            stale_while_revalidate=caching.STALE_WHILE_REVALIDATE,
            stale_if_error=caching.STALE_IF_ERROR,
        )
        patch_vary_headers(response, ("Cookie",))
    return response
