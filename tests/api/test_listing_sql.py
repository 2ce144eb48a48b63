"""The listing endpoints' SQL (geo_directory/api/queries.py) against an independent oracle.

The oracle below is written here only, with plain Django ORM and GeoDjango's own functions
(``GeometryDistance``, ``Distance``, ``dwithin``, the opening-hours ``Q``): the same answer
asked another way. Both must give the same rows, in the same order, with the same fields,
and the same counts, for every filter alone and combined.
"""

import datetime as dt

import pytest
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef
from django.utils import timezone

from geo_directory.api import queries, views
from geo_directory.api.query_words import understand
from geo_directory.businesses.managers import relevance_to
from geo_directory.businesses.models import Business, Category
from geo_directory.orders.models import Campaign
from geo_directory.postgis.l93 import L93, to_l93
from tests.factories import make_listing

from .conftest import built

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
    # Trades, a commune and name words (api/query_words.py).
    "q=boulangerie%20Paul",
    "q=boulangerie%20paul%20marseille",
    f"q=boulagerie&point={VIEUX_PORT[0]},{VIEUX_PORT[1]}",
    "q=marseille",
    f"q=bazar%20marseille&in_bbox={MARSEILLE_BOX}",
]


@pytest.fixture
def variety(db):
    """Listings the real data lacks: hours (always, never, none), services, campaigns,
    a merged duplicate and an unpublished one."""
    always = make_listing("Boulangerie de garde", *VIEUX_PORT, opening_hours="24/7")
    make_listing("Boulangerie fermée", 5.3700, 43.2970, opening_hours="off", offers_pickup=True)
    make_listing(
        "Épicerie qui livre",
        5.3680,
        43.2990,
        "epicerie",
        offers_delivery=True,
        opening_hours="24/7",
    )
    make_listing("Brouillon", 5.3690, 43.2960, status=Business.Status.PENDING)
    make_listing("Doublon", 5.3699, 43.2966, merged_into=always)
    Campaign.objects.create(
        business=always, name="Réveillon", cutoff_at=timezone.now() + dt.timedelta(days=3)
    )
    return Business.objects.filter(pk__gte=always.pk).order_by("pk")


def search_tiers(text: str) -> tuple[list[set[int]], str | None]:
    """The listings ``q=text`` finds, best tier first, and the text they are ranked by:
    the reading of ``query_words.understand`` (trades, commune, name words) applied with
    the ORM; the whole text in the names when that reading finds nothing. A place only:
    its listings, ranked by no text (None: in the commune order). A trade alone: its
    tiers, ranked by no text ("": each tier in the filters' order, by id without one)."""
    words = understand(text)
    published = Business.objects.filter(status="published", merged_into__isnull=True)
    if words.commune:
        published = published.filter(commune_id=words.commune)

    def named(names):
        return set(
            published.filter(pk__in=Business.objects.matching(names).values("pk")).values_list(
                "pk", flat=True
            )
        )

    if not words.interpreted:
        return [named(text)], text
    names = words.name_text or words.trade_text
    name = named(names) if names else set()
    trade = set()
    if words.categories:
        categories = Category.objects.with_descendants(list(words.categories))
        trade = set(published.filter(category_id__in=categories).values_list("pk", flat=True))
    if not words.categories and not names:
        place = set(published.values_list("pk", flat=True))
        return ([place], None) if place else ([named(text)], text)
    if not words.categories:
        tiers = [name]
    elif words.name_text:
        tiers = [trade & name, name - trade, trade - name]
    else:
        tiers = [trade & name, trade - name, name - trade]
    if not set().union(*tiers):
        return [named(text)], text
    return tiers, words.words_text if words.name_text or len(tiers) < 3 else ""


def l93(lon, lat):
    return Point(*to_l93(lon, lat), srid=L93)


def oracle(data: dict, now):
    """The listings and their order for these cleaned parameters, in plain ORM."""
    qs = Business.objects.filter(status="published", merged_into__isnull=True)
    qs = qs.annotate(lon=views.Lon(F("location")), lat=views.Lat(F("location")))
    if data.get("point") and data.get("dist") is not None:
        qs = qs.filter(location_l93__dwithin=(l93(*data["point"]), data["dist"]))
    if data.get("in_bbox"):
        x0, y0, x1, y1 = data["in_bbox"]
        qs = qs.filter(lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1)
    if data.get("commune"):
        qs = qs.filter(commune_id=data["commune"])
    if data.get("departement"):
        qs = qs.filter(commune__departement_id=data["departement"])
    if data.get("category"):
        qs = qs.filter(category_id__in=Category.objects.with_descendants(data["category"]))
    if data.get("open_now") is True:
        qs = qs.filter(Business.objects.open_condition(now))
    if data.get("open_now") is False:
        qs = qs.exclude(Business.objects.open_condition(now))
    if data.get("open_at"):
        qs = qs.filter(Business.objects.open_condition(data["open_at"]))
    if data.get("service"):
        qs = qs.filter(**{f"offers_{data['service']}": True})
    tiers, relevance_text = search_tiers(data["q"]) if data.get("q") else (None, "")
    if data.get("q"):
        qs = qs.filter(pk__in=set().union(*tiers))
    fields = [*views.LIST_FIELDS, "open_now", "takes_orders", "lon", "lat"]
    qs = qs.annotate(
        open_now=ExpressionWrapper(Business.objects.open_condition(now), BooleanField()),
        takes_orders=Exists(Campaign.objects.open_at(now).filter(business=OuterRef("pk"))),
    )

    def tier(row):  # stable sort: each tier keeps the order within it
        return next(i for i, pks in enumerate(tiers) if row["id"] in pks)

    if data.get("point"):
        here = Point(*data["point"], srid=4326)
        qs = qs.annotate(distance_m=Distance("location", here, spheroid=True))
        rows = qs.order_by(GeometryDistance("location_l93", l93(*data["point"]))).values(
            *fields, "distance_m"
        )
        return sorted(rows, key=tier) if tiers else rows
    if tiers and relevance_text:
        relevance = dict(
            Business.objects.annotate(r=relevance_to(relevance_text)).values_list("pk", "r")
        )
        rows = qs.values(*fields)
        # The trade's listings without the name: by id (nothing to rank them by).
        unscored = 2 if understand(data["q"]).name_text and len(tiers) == 3 else None

        def score(row):
            return 0 if tier(row) == unscored else -relevance[row["id"]]

        return sorted(rows, key=lambda row: (tier(row), score(row), row["id"]))
    if data.get("commune") or data.get("departement") or relevance_text is None:
        rows = qs.order_by("commune_id", "id").values(*fields)
    elif data.get("in_bbox"):
        x0, y0, x1, y1 = data["in_bbox"]
        centre = l93((x0 + x1) / 2, (y0 + y1) / 2)
        rows = qs.order_by(GeometryDistance("location_l93", centre)).values(*fields)
    else:
        rows = qs.order_by("id").values(*fields)
    return sorted(rows, key=tier) if tiers else rows


def normalised(rows):
    rows = [dict(row) for row in rows]
    for row in rows:
        if "distance_m" in row:
            row["distance_m"] = round(getattr(row["distance_m"], "m", row["distance_m"]), 3)
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUERIES)
def test_sql_path_gives_the_orm_rows_order_and_counts(query, variety):
    now = timezone.now()
    cleaned, fast = built(query, now)
    expected = normalised(oracle(cleaned, now))
    for offset, limit in [(0, 51), (7, 13)]:
        assert (
            normalised(fast.page(offset, limit, views.LIST_FIELDS))
            == (expected[offset : offset + limit])
        )
    total = len(expected)
    assert fast.count(views.COUNT_CAP) == (total, True)
    # Past the cap: an estimate, above the cap.
    _, again = built(query, now)
    count, exact = again.count(3)
    assert exact == (total <= 3)
    if not exact:
        assert count > 3


@pytest.mark.django_db
def test_detail_sql_gives_the_orm_row(variety):
    now = timezone.now()
    shop = make_listing(
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
    fields = [*views.DETAIL_FIELDS, "open_now", "takes_orders", "lon", "lat"]
    for pk in pks:
        orm = list(
            Business.objects.published()
            .filter(pk=pk)
            .annotate(
                open_now=ExpressionWrapper(Business.objects.open_condition(now), BooleanField()),
                takes_orders=Exists(Campaign.objects.open_at(now).filter(business=OuterRef("pk"))),
                lon=views.Lon(F("location")),
                lat=views.Lat(F("location")),
            )
            .values(*fields)
        )
        assert queries.published_by_id(pk, now).page(0, 1, views.DETAIL_FIELDS) == orm
    assert queries.published_by_id(shop.pk, now).page(0, 1, views.DETAIL_FIELDS)
