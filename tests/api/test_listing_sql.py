"""The listing endpoints' SQL (geo_directory/api/listing.py) against the ORM path.

Both must give the same rows, in the same order, with the same fields, and the same
counts, for every filter alone and combined: the SQL is the hot path, the querysets of
``BusinessFilterSet`` and ``geo_directory.businesses.managers`` are the reference.
"""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from geo_directory.api import listing, views
from geo_directory.api.filters import BusinessFilterSet
from geo_directory.businesses.models import Business
from geo_directory.orders.models import Campaign

VIEUX_PORT = (5.3698, 43.2965)
MARSEILLE_BOX = "5.30,43.24,5.45,43.36"
QUERIES = [
    "",
    f"point={VIEUX_PORT[0]},{VIEUX_PORT[1]}",
    f"point={VIEUX_PORT[0]},{VIEUX_PORT[1]}&dist=3000",
    f"point={VIEUX_PORT[0]},{VIEUX_PORT[1]}&dist=0",
    "point=7.262,43.698&category=alimentation",
    f"point={VIEUX_PORT[0]},{VIEUX_PORT[1]}&in_bbox={MARSEILLE_BOX}",
    f"in_bbox={MARSEILLE_BOX}",
    "in_bbox=4.2,42.9,7.8,45.2",
    f"in_bbox={MARSEILLE_BOX}&commune=13055",
    "commune=13055",
    "commune=06088&category=boulangerie",
    "departement=13",
    "departement=06",
    "departement=83&service=pickup",
    "category=alimentation",
    "category=boulangerie,bazar&category=commerce",
    "open_now=true",
    "open_now=false",
    "open_now=false&commune=13055",
    "open_at=2026-12-24T10:30",
    "open_at=2026-12-25T03:00%2B01:00&in_bbox=4.2,42.9,7.8,45.2",
    "service=pickup",
    "service=delivery",
    f"point={VIEUX_PORT[0]},{VIEUX_PORT[1]}&dist=5000&category=alimentation"
    "&open_at=2026-12-01T10:00&service=delivery",
    # Name search: ranked by relevance, or nearest first with a point.
    "q=boulagerie",
    "q=Carrefour%20city",
    "q=paul&commune=13055",
    f"q=boulangerie&point={VIEUX_PORT[0]},{VIEUX_PORT[1]}",
    "q=zzzzqqqq",
    "q=action&departement=83&open_now=false",
]


@pytest.fixture
def variety(make_business):
    """Listings the real data lacks: hours (always, never, none), services, campaigns,
    a merged duplicate and an unpublished one."""
    always = make_business("Boulangerie de garde", *VIEUX_PORT, opening_hours="24/7")
    make_business("Boulangerie fermée", 5.3700, 43.2970, opening_hours="off", offers_pickup=True)
    make_business(
        "Épicerie qui livre",
        5.3680,
        43.2990,
        "epicerie",
        offers_delivery=True,
        opening_hours="24/7",
    )
    make_business("Brouillon", 5.3690, 43.2960, status=Business.Status.PENDING)
    make_business("Doublon", 5.3699, 43.2966, merged_into=always)
    Campaign.objects.create(
        business=always, name="Réveillon", cutoff_at=timezone.now() + dt.timedelta(days=3)
    )
    return Business.objects.filter(pk__gte=always.pk).order_by("pk")


def orm_rows(filterset, now, offset, limit):
    with_distance = filterset.form.cleaned_data.get("point") is not None
    rows = views.feature_rows(filterset.qs, views.LIST_FIELDS, now, with_distance)
    return list(rows[offset : offset + limit])


def normalised(rows):
    for row in rows:
        if "distance_m" in row:
            row["distance_m"] = round(getattr(row["distance_m"], "m", row["distance_m"]), 3)
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUERIES)
def test_sql_path_gives_the_orm_rows_order_and_counts(query, variety, monkeypatch):
    now = timezone.now()
    filterset = BusinessFilterSet(QueryDict(query), Business.objects.published(), now=now)
    assert filterset.is_valid(), filterset.error_dict()
    fast = listing.build(filterset.form.cleaned_data, now)
    assert fast is not None
    for offset, limit in [(0, 51), (7, 13)]:
        expected = normalised(orm_rows(filterset, now, offset, limit))
        assert normalised(fast.page(now, offset, limit, views.LIST_FIELDS)) == expected
    assert fast.count(views.COUNT_CAP) == views.counted(filterset.qs)
    # Past the cap: both fall back to an estimate, above the cap.
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    orm_count, orm_exact = views.counted(filterset.qs)
    sql_count, sql_exact = fast.count(3)
    assert orm_exact == sql_exact
    if not sql_exact:
        assert sql_count > 3 and orm_count > 3


@pytest.mark.django_db
def test_detail_sql_gives_the_orm_row(variety, make_business):
    now = timezone.now()
    shop = make_business(
        "Boulangerie qui livre loin",
        5.3710,
        43.2950,
        opening_hours="Mo-Sa 07:00-19:30",
        description="Pain au levain",
        offers_delivery=True,
        delivery_radius_km=4.5,
        delivery_min_order_cents=1500,
        delivery_fee_cents=300,
    )
    pks = [*variety.values_list("pk", flat=True), shop.pk, Business.objects.published().first().pk]
    for pk in pks:
        orm = list(
            views.feature_rows(
                Business.objects.published().filter(pk=pk), views.DETAIL_FIELDS, now, False
            )
        )
        assert listing.published_by_id(pk).page(now, 0, 1, views.DETAIL_FIELDS) == orm
    assert listing.published_by_id(shop.pk).page(now, 0, 1, views.DETAIL_FIELDS)
