"""A listing's GeoJSON features, built from the rows of ``queries.Query.page_rows`` (the
listing, 50 to 200 a request) or ``page`` (the detail): the one home of a feature's
properties, their order and their types, which are the API's JSON bytes."""

from __future__ import annotations

from functools import lru_cache

from django.utils import timezone

from geo_directory.businesses.hours_text import describe_fr, opening_status_fr
from geo_directory.photos.public import photos_for
from geo_directory.shops.paths import shop_slug

from . import reference

PHOTO_KEYS = ("src", "srcset", "alt", "width", "height")


def page_features(names: list[str], rows: list[tuple], ref: reference.Reference) -> list[dict]:
    """The GeoJSON features of rows of ``queries.Query.page_rows`` (``names``: their
    columns, LIST_FIELDS or DETAIL_FIELDS first). Rows are read by position and each
    category's slug and label looked up once: a listing builds 50 to 200 of these and
    was a third of its Python time with a dict and ``bool()``s per row."""
    at = {name: i for i, name in enumerate(names)}
    open_at, orders_at, lon_at, lat_at = at["open_now"], at["takes_orders"], at["lon"], at["lat"]
    distance_at = at.get("distance_m")
    communes = ref.commune_names
    categories: dict = {}  # category id -> (slug, label), this page's
    features = []
    for row in rows:
        (pk, name, category_id, street, postcode, commune, phone, email, website, hours) = row[:10]
        labels = categories.get(category_id)
        if labels is None:
            category = ref.categories.get(category_id)
            labels = categories[category_id] = (
                (category.slug, category.label) if category else (None, None)
            )
        properties = {
            "name": name,
            "category": labels[0],
            "category_label": labels[1],
            "street": street,
            "postcode": postcode,
            "commune": commune,
            "commune_name": communes.get(commune),
            "phone": phone,
            "email": email,
            "website": website,
            "opening_hours": hours,
            "hours_text": hours_text(hours),
            # open_now is NULL without hours: false, as bool() made it.
            "open_now": row[open_at] is True,
            "takes_orders": row[orders_at],  # an EXISTS: never NULL
            "offers_pickup": row[10],
            "offers_delivery": row[11],
            "url": f"/commerces/{pk}-{shop_slug(name)}/",  # shop_path, without a call
        }
        if distance_at is not None:
            properties["distance_m"] = round(row[distance_at], 1)
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": {"type": "Point", "coordinates": [row[lon_at], row[lat_at]]},
                "properties": properties,
            }
        )
    return features


def feature(row: dict, ref: reference.Reference, detail: bool = False, now=None) -> dict:
    """One row of ``queries.Query.page`` (a dict) as a feature: ``page_features``'s, with
    the detail's fields when ``detail``."""
    built = page_features(list(row), [tuple(row.values())], ref)[0]
    if detail:
        radius = row["delivery_radius_km"]
        built["properties"].update(
            description=row["description"],
            delivery_radius_km=float(radius) if radius is not None else None,
            delivery_min_order_cents=row["delivery_min_order_cents"],
            delivery_fee_cents=row["delivery_fee_cents"],
            opening_hours_text=row["opening_hours_text"],
            opening_status=opening_status_fr(
                row["hours_week"],
                row["hours_windows"],
                row["hours_windows_until"],
                now or timezone.now(),
            ),
            photos=[{key: p[key] for key in PHOTO_KEYS} for p in photos_for(row["id"])],
        )
    return built


# Hours strings repeat a lot (chains, defaults): describe each one once per process.
hours_text = lru_cache(maxsize=4096)(describe_fr)
