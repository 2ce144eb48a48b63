"""The public read-only API under /api/v1/.

Hot paths build GeoJSON from ``.values()`` rows with orjson (no GEOS object per row, no
serializer per field); querysets and filters do the SQL. Bad parameters answer
``400 {"errors": {"<param>": "<reason>"}}``.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import orjson
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, FloatField, Func, OuterRef
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from geo_directory.businesses.hours_text import describe_fr
from geo_directory.businesses.models import Business
from geo_directory.orders.models import Campaign
from geo_directory.territory.models import Commune

from . import clusters, listing, reference, schema
from .filters import BusinessFilterSet, parse_int

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
# Offsets beyond this are refused: a client that needs more narrows its query.
MAX_OFFSET = 10_000
# The count is exact up to this many rows; above, it is PostgreSQL's estimate and the
# response says so (``count_exact: false``): counting a million rows for every page
# would cost more than the page itself.
COUNT_CAP = 1_000

LIST_FIELDS = (
    "id",
    "name",
    "category_id",
    "street",
    "postcode",
    "commune_id",
    "phone",
    "email",
    "website",
    "opening_hours",
    "offers_pickup",
    "offers_delivery",
)
DETAIL_FIELDS = (
    *LIST_FIELDS,
    "description",
    "delivery_radius_km",
    "delivery_min_order_cents",
    "delivery_fee_cents",
)


class Lon(Func):
    function = "ST_X"
    output_field = FloatField()


class Lat(Func):
    function = "ST_Y"
    output_field = FloatField()


def json_response(data, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, content_type="application/json")


def errors_response(errors: dict[str, str]) -> HttpResponse:
    return json_response({"errors": errors}, status=400)


def feature(row: dict, ref: reference.Reference, detail: bool = False) -> dict:
    category = ref.categories.get(row["category_id"])
    properties = {
        "name": row["name"],
        "category": category.slug if category else None,
        "category_label": category.label if category else None,
        "street": row["street"],
        "postcode": row["postcode"],
        "commune": row["commune_id"],
        "commune_name": ref.commune_names.get(row["commune_id"]),
        "phone": row["phone"],
        "email": row["email"],
        "website": row["website"],
        "opening_hours": row["opening_hours"],
        "hours_text": hours_text(row["opening_hours"]),
        "open_now": bool(row["open_now"]),
        "takes_orders": bool(row["takes_orders"]),
        "offers_pickup": row["offers_pickup"],
        "offers_delivery": row["offers_delivery"],
    }
    if "distance_m" in row:
        distance = row["distance_m"]  # metres: a Distance from the ORM, a float from SQL
        properties["distance_m"] = round(getattr(distance, "m", distance), 1)
    if detail:
        radius = row["delivery_radius_km"]
        properties.update(
            description=row["description"],
            delivery_radius_km=float(radius) if radius is not None else None,
            delivery_min_order_cents=row["delivery_min_order_cents"],
            delivery_fee_cents=row["delivery_fee_cents"],
        )
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
        "properties": properties,
    }


# Hours strings repeat a lot (chains, defaults): describe each one once per process.
hours_text = lru_cache(maxsize=4096)(describe_fr)


def feature_rows(queryset, fields, now, with_distance: bool):
    names = [*fields, "open_now", "takes_orders", "lon", "lat"]
    if with_distance:
        names.append("distance_m")
    # "Commander" on the map: the listing has an ordering campaign open now (one index
    # probe per returned row, on orders_campaign's business foreign key).
    taking_orders = Exists(Campaign.objects.open_at(now).filter(business=OuterRef("pk")))
    return (
        queryset.with_open_flag(now)
        .annotate(lon=Lon(F("location")), lat=Lat(F("location")), takes_orders=taking_orders)
        .values(*names)
    )


_tuned = weakref.WeakSet()


def tune_session() -> None:
    """Once per database connection: no parallel workers for the API's small queries.

    Launching workers costs tens of milliseconds on a busy machine, far more than the
    few hundred rows a capped count reads (a 1 km radius count: 5 ms of work, 38 ms with
    a parallel worker). Other connections (imports) keep PostgreSQL's default.
    """
    connection.ensure_connection()
    raw = connection.connection
    if raw not in _tuned:
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        _tuned.add(raw)


def counted(queryset) -> tuple[int, bool]:
    """(count, exact): exact up to COUNT_CAP rows, else the planner's estimate."""
    ids = queryset.order_by().values("id")
    sql, params = ids[: COUNT_CAP + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS capped", params)
        count = cursor.fetchone()[0]
        if count <= COUNT_CAP:
            return count, True
        sql, params = ids.query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str | bytes):
        plan = orjson.loads(plan)
    return max(int(plan[0]["Plan"]["Plan Rows"]), COUNT_CAP + 1), False


class PublicView(APIView):
    """Read-only, anonymous: no session, no CSRF, no authentication work per request."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        """APIView.initial without the steps that have nothing to do here (no
        authenticator, AllowAny, no throttle, no versioning: ~0.1 ms a request); a
        subclass that sets any of them gets DRF's full checks."""
        if (
            self.authentication_classes
            or self.throttle_classes
            or self.versioning_class is not None
            or list(self.permission_classes) != [AllowAny]
        ):
            return super().initial(request, *args, **kwargs)
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(
            request
        )
        request.version, request.versioning_scheme = None, None


class BusinessListView(PublicView):
    @extend_schema(
        operation_id="businesses_list",
        summary="Commerces publiés (GeoJSON), filtrables et paginés",
        parameters=[*schema.BUSINESS_FILTERS, *schema.PAGINATION],
        responses={200: schema.FEATURE_COLLECTION, 400: schema.ERRORS},
    )
    def get(self, request, commune: str | None = None):
        return self.listing(request, commune)

    def listing(self, request, commune=None):
        """The published listings, filtered and paged (the SQL of api/listing.py, or the
        querysets of BusinessFilterSet for a filter listing.py does not know)."""
        tune_session()
        now = timezone.now()
        data = request.GET
        if commune is not None:
            if commune not in reference.get().commune_names:
                raise Http404("Commune inconnue")
            data = data.copy()  # a deep copy: only when there is something to add
            data["commune"] = commune
        # The published() queryset is built only on the ORM path: 0.4 ms the SQL path saves.
        filterset = BusinessFilterSet(data, Business.objects.none(), request=request, now=now)
        errors = {} if filterset.is_valid() else filterset.error_dict()
        page_size = parse_int(request.GET, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
        page = parse_int(request.GET, "page", 1, 1, MAX_OFFSET, errors)
        if "page" not in errors and (page - 1) * page_size >= MAX_OFFSET:
            errors["page"] = (
                f"page trop lointaine : au plus {MAX_OFFSET} résultats parcourables, "
                "affinez la recherche"
            )
        if errors:
            return errors_response(errors)
        offset = (page - 1) * page_size
        fast = listing.build(filterset.form.cleaned_data, now)
        if fast is not None:  # the same statements, written as SQL (api/listing.py)
            rows = fast.page(now, offset, page_size + 1, LIST_FIELDS)
        else:
            filtered = filterset.ranked(filterset.filter_queryset(Business.objects.published()))
            with_distance = filterset.form.cleaned_data.get("point") is not None
            rows = list(
                feature_rows(filtered, LIST_FIELDS, now, with_distance)[
                    offset : offset + page_size + 1
                ]
            )
        has_next = len(rows) > page_size
        rows = rows[:page_size]
        if page == 1 and not has_next:
            count, exact = len(rows), True
        elif fast is not None:
            count, exact = fast.count(COUNT_CAP)
        else:
            count, exact = counted(filtered)
        ref = reference.get()
        # The links are built only when there are some (a URL costs ~0.1 ms to build).
        url = request.build_absolute_uri() if has_next or page > 1 else ""
        previous = None
        if page > 1:
            previous = (
                remove_query_param(url, "page")
                if page == 2
                else replace_query_param(url, "page", page - 1)
            )
        return json_response(
            {
                "type": "FeatureCollection",
                "count": count,
                "count_exact": exact,
                "next": replace_query_param(url, "page", page + 1) if has_next else None,
                "previous": previous,
                "features": [feature(row, ref) for row in rows],
            }
        )


class BusinessDetailView(PublicView):
    @extend_schema(
        operation_id="businesses_retrieve",
        summary="Un commerce publié (Feature GeoJSON) avec tous ses champs publics",
        responses={200: schema.FEATURE, 404: OpenApiResponse(description="inconnu")},
    )
    def get(self, request, pk: int):
        rows = listing.published_by_id(pk).page(timezone.now(), 0, 1, DETAIL_FIELDS)
        if not rows:
            raise Http404("Commerce introuvable")
        return json_response(feature(rows[0], reference.get(), detail=True))


class CommuneBusinessesView(BusinessListView):
    @extend_schema(
        operation_id="communes_businesses_list",
        summary="Les commerces d'une commune (mêmes filtres que /businesses/)",
        parameters=[*schema.BUSINESS_FILTERS, *schema.PAGINATION],
        responses={
            200: schema.FEATURE_COLLECTION,
            400: schema.ERRORS,
            404: OpenApiResponse(description="commune inconnue"),
        },
    )
    def get(self, request, insee: str):
        return self.listing(request, insee.upper())


class CommuneSearchView(PublicView):
    @extend_schema(
        operation_id="communes_search",
        summary="Autocomplétion des communes par nom ou code postal",
        parameters=schema.COMMUNE_SEARCH,
        responses={200: schema.COMMUNE_RESULTS, 400: schema.ERRORS},
    )
    def get(self, request):
        errors = {}
        text = " ".join((request.GET.get("q") or "").split())
        if not text:
            errors["q"] = "paramètre obligatoire : un nom de commune ou un code postal"
        elif len(text) > 100:
            errors["q"] = "au plus 100 caractères"
        elif "\x00" in text:  # PostgreSQL refuses NUL in text: a 400, not a 500
            errors["q"] = "caractère nul (\\x00) interdit"
        limit = parse_int(request.GET, "limit", 10, 1, 20, errors)
        if errors:
            return errors_response(errors)
        return json_response({"results": Commune.objects.autocomplete(text, limit)})


class CommuneDetailView(PublicView):
    @extend_schema(
        operation_id="communes_retrieve",
        summary="Une commune : contour simplifié pour l'affichage (Feature GeoJSON)",
        responses={200: schema.COMMUNE_FEATURE, 404: OpenApiResponse(description="inconnue")},
    )
    def get(self, request, insee: str):
        if "\x00" in insee:  # PostgreSQL refuses NUL in text: no such commune
            raise Http404("Commune inconnue")
        row = (
            Commune.objects.filter(code=insee.upper())
            .with_display_boundary()
            .annotate(lon=Lon(F("centre")), lat=Lat(F("centre")))
            .values(
                "code",
                "name",
                "postcodes",
                "population",
                "departement_id",
                "lon",
                "lat",
                "display_geojson",
                "bbox_xmin",
                "bbox_ymin",
                "bbox_xmax",
                "bbox_ymax",
            )
            .first()
        )
        if row is None:
            raise Http404("Commune inconnue")
        body = (
            b'{"type":"Feature","id":'
            + orjson.dumps(row["code"])
            + b',"geometry":'
            + (row["display_geojson"] or "null").encode()
            + b',"properties":'
            + orjson.dumps(
                {
                    "code": row["code"],
                    "name": row["name"],
                    "postcodes": row["postcodes"],
                    "population": row["population"],
                    "departement": row["departement_id"],
                    "centre": [row["lon"], row["lat"]] if row["lon"] is not None else None,
                    "bbox": [row["bbox_xmin"], row["bbox_ymin"], row["bbox_xmax"], row["bbox_ymax"]]
                    if row["bbox_xmin"] is not None
                    else None,
                }
            )
            + b"}"
        )
        return HttpResponse(body, content_type="application/json")


CATEGORY_COUNTS_TTL = 60  # seconds a big directory's counts per category are kept


def published_per_category() -> dict[int, int]:
    """Published listings per category id.

    Counting is a scan of the whole table: 0.7 s at a million listings. For a directory
    that big (the pre-aggregated clusters' threshold), the counts are kept
    CATEGORY_COUNTS_TTL seconds in the cache; a small one is counted on every request.
    """

    def count() -> dict[int, int]:
        rows = Business.objects.published().order_by().values_list("category_id")
        return dict(rows.annotate(n=Count("id")))

    if clusters.listings_estimate() < clusters.PRECOMPUTED_MIN_ROWS:
        return count()
    return cache.get_or_set("api:published-per-category", count, CATEGORY_COUNTS_TTL)


class CategoryTreeView(PublicView):
    @extend_schema(
        operation_id="categories_tree",
        summary="L'arbre des catégories, avec le nombre de commerces publiés",
        responses={200: schema.CATEGORY_TREE},
    )
    def get(self, request):
        ref = reference.get()
        direct = published_per_category()

        def node(category_id: int) -> dict:
            info = ref.categories[category_id]
            children = [node(child) for child in ref.children.get(category_id, [])]
            return {
                "slug": info.slug,
                "label": info.label,
                "count": direct.get(category_id, 0) + sum(c["count"] for c in children),
                "children": children,
            }

        return json_response([node(root) for root in ref.children.get(None, [])])


class ClusterView(PublicView):
    @extend_schema(
        operation_id="clusters_list",
        summary="Regroupements de commerces pour une carte dézoomée (GeoJSON)",
        parameters=[*schema.CLUSTER_PARAMS, *schema.BUSINESS_FILTERS],
        responses={200: schema.CLUSTERS, 400: schema.ERRORS},
    )
    def get(self, request):
        now = timezone.now()
        filterset = BusinessFilterSet(
            request.GET, Business.objects.none(), request=request, now=now
        )
        errors = {} if filterset.is_valid() else filterset.error_dict()
        raw_zoom = (request.GET.get("zoom") or "").strip()
        zoom = parse_int(request.GET, "zoom", 0, 0, 22, errors)
        if not raw_zoom:
            errors["zoom"] = "paramètre obligatoire : le niveau de zoom de la carte (0 à 22)"
        if errors:
            return errors_response(errors)
        data = filterset.form.cleaned_data
        bbox = data.get("in_bbox") or clusters.REGION_BBOX
        cell_m = clusters.cell_size(zoom, bbox)
        used = {name for name, value in data.items() if value not in (None, "", [])}
        grid = clusters.precomputed_grid(cell_m)
        if (
            grid is not None
            and used <= {"in_bbox", "category"}
            and clusters.listings_estimate() >= clusters.PRECOMPUTED_MIN_ROWS
        ):
            level, k = grid
            category_ids = (
                reference.get().descendants(data["category"]) if data.get("category") else None
            )
            rows = clusters.precomputed_clusters(level, k, bbox, category_ids)
            mode, cell_m = "precomputed", level * k
        else:
            if "in_bbox" not in used:
                filterset.form.cleaned_data["in_bbox"] = bbox
            rows = filterset.filter_queryset(Business.objects.published()).grid_clusters(cell_m)
            mode = "live"
        singles = {row[3] for row in rows if row[0] == 1}
        details = {}
        if singles:
            ref = reference.get()
            for pk, name, category_id in (
                Business.objects.published()
                .filter(pk__in=singles)
                .values_list("id", "name", "category_id")
            ):
                category = ref.categories.get(category_id)
                details[pk] = {
                    "id": pk,
                    "name": name,
                    "category": category.slug if category else None,
                }
        features = []
        for count, lon, lat, min_id in rows:
            properties = {"count": count}
            if count == 1:
                properties.update(details.get(min_id, {}))
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                    "properties": properties,
                }
            )
        return json_response(
            {
                "type": "FeatureCollection",
                "mode": mode,
                "cell_m": round(cell_m, 1),
                "features": features,
            }
        )
