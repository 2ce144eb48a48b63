"""The public read-only API under /api/v1/.

Each query parameter family is a filter backend of ``params.py`` (parses, filters and
documents itself); the listing views clean every family's parameters (all errors at
once), let each filter a ``queries.Query`` and run its statements (``queries.py``, the one
implementation of the listing SQL). GeoJSON is built from rows with orjson (no GEOS object
per row, no serializer per field). Bad parameters answer
``400 {"errors": {"<param>": "<reason>"}}``.
"""

from __future__ import annotations

from functools import lru_cache

import orjson
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Count, F, FloatField, Func
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from geo_directory.businesses.models import Business
from geo_directory.territory.models import Commune
from geo_directory.territory.region import EXTENT

from . import clusters, params, queries, query_words, reference, schema
from .features import feature, page_features

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
    "opening_hours_text",
    "hours_week",
    "hours_windows",
    "hours_windows_until",
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


# (view class, Accept, ?format=, suffix) -> (renderer, media type): PublicView.negotiated.
NEGOTIATED: dict = {}
NEGOTIATED_MAX = 512


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
        request.accepted_renderer, request.accepted_media_type = self.negotiated(request)
        request.version, request.versioning_scheme = None, None

    def negotiated(self, request):
        """DRF's content negotiation, remembered per view, Accept header, ``?format=`` and
        suffix, the only things it reads: it parses the Accept header against the
        renderers on every request (~60 µs). A refusal (406) is not remembered."""
        key = (
            type(self),
            request.META.get("HTTP_ACCEPT"),
            request.query_params.get(api_settings.URL_FORMAT_OVERRIDE),
            self.format_kwarg,
        )
        found = NEGOTIATED.get(key)
        if found is None:
            found = self.perform_content_negotiation(request)
            if len(NEGOTIATED) < NEGOTIATED_MAX:  # Accept headers are the client's
                NEGOTIATED[key] = found
        return found


class FilteredView(PublicView):
    """A view whose query parameters are the families of ``filter_backends`` (params.py):
    cleaned all at once, then each filters the view's ``queries.Query``."""

    filter_backends: list = []
    schema = schema.ParamsSchema()

    def clean(self, query) -> dict[str, str]:
        self.cleaned, errors = params.clean(query, self.filter_backends)
        return errors

    def filter_queryset(self, query: queries.Query) -> queries.Query:
        for backend in self.filter_backends:
            query = backend().filter_queryset(self.request, query, self)
        return query


class BusinessListView(FilteredView):
    filter_backends = [*params.LISTING_FILTERS, params.Pagination]

    @extend_schema(
        operation_id="businesses_list",
        summary="Commerces publiés (GeoJSON), filtrables et paginés",
        responses={200: schema.FEATURE_COLLECTION, 400: schema.ERRORS},
    )
    def get(self, request, commune: str | None = None):
        return self.listing(request, commune)

    def listing(self, request, commune=None):
        """The published listings, filtered, ordered and paged (queries.py)."""
        data = request.GET
        if commune is not None:
            if commune not in reference.get().commune_names:
                raise Http404("Commune inconnue")
            data = data.copy()  # a deep copy: only when there is something to add
            data.setlist("commune", [commune])
        errors = self.clean(data)
        if errors:
            return errors_response(errors)
        page, page_size = self.cleaned["page"], self.cleaned["page_size"]
        offset = (page - 1) * page_size
        query = self.filter_queryset(queries.Query(timezone.now()))
        names, rows = query.page_rows(offset, page_size + 1, LIST_FIELDS)
        has_next = len(rows) > page_size
        rows = rows[:page_size]
        if page == 1 and not has_next:
            count, exact = len(rows), True
        else:
            sure = clusters.surely_more_than(self.cleaned, COUNT_CAP)
            count, exact = query.count(COUNT_CAP, more=sure)
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
                "next": replace_query_param(url, "page", page + 1)
                if has_next and page < params.Pagination.MAX_PAGE
                else None,
                "previous": previous,
                "features": page_features(names, rows, ref),
            }
        )


class BusinessDetailView(PublicView):
    @extend_schema(
        operation_id="businesses_retrieve",
        summary="Un commerce publié (Feature GeoJSON) avec tous ses champs publics",
        responses={200: schema.FEATURE, 404: OpenApiResponse(description="inconnu")},
    )
    def get(self, request, pk: int):
        now = timezone.now()
        rows = queries.published_by_id(pk, now).page(0, 1, DETAIL_FIELDS)
        if not rows:
            raise Http404("Commerce introuvable")
        return json_response(feature(rows[0], reference.get(), detail=True, now=now))


class CommuneBusinessesView(BusinessListView):
    filter_backends = [params.CommuneInPath, *BusinessListView.filter_backends]

    @extend_schema(
        operation_id="communes_businesses_list",
        summary="Les commerces d'une commune (mêmes filtres que /businesses/)",
        # The commune is the path's: a ``commune`` query parameter is ignored.
        parameters=[OpenApiParameter("commune", exclude=True)],
        responses={
            200: schema.FEATURE_COLLECTION,
            400: schema.ERRORS,
            404: OpenApiResponse(description="commune inconnue"),
        },
    )
    def get(self, request, insee: str):
        return self.listing(request, insee.upper())


class CommuneSearchView(FilteredView):
    filter_backends = [params.CommuneSearch]

    @extend_schema(
        operation_id="communes_search",
        summary="Autocomplétion des communes par nom ou code postal",
        responses={200: schema.COMMUNE_RESULTS, 400: schema.ERRORS},
    )
    def get(self, request):
        errors = self.clean(request.GET)
        if errors:
            return errors_response(errors)
        text, limit = self.cleaned["q"], self.cleaned["limit"]
        return json_response({"results": Commune.objects.autocomplete(text, limit)})


class CommuneDetailView(FilteredView):
    filter_backends = [params.CommuneInPath]

    @extend_schema(
        operation_id="communes_retrieve",
        summary="Une commune : contour simplifié pour l'affichage (Feature GeoJSON)",
        responses={200: schema.COMMUNE_FEATURE, 404: OpenApiResponse(description="inconnue")},
    )
    def get(self, request, insee: str):
        if "\x00" in insee:  # PostgreSQL refuses NUL in text: no such commune
            raise Http404("Commune inconnue")
        sql, params, at = commune_statement()
        params[at] = insee.upper()
        with connections[router.db_for_read(Commune)].cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchone()
            names = [column.name for column in cursor.description]
            row = dict(zip(names, found, strict=True)) if found else None
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


# The commune's code in the statement compiled once: NUL, which no code holds.
_CODE = "\x00code"


@lru_cache(maxsize=1)
def _commune_statement() -> tuple[str, tuple, int]:
    query = (
        Commune.objects.filter(code=_CODE)
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
        .order_by("pk")[:1]
    )
    sql, params = query.query.sql_with_params()
    return sql, tuple(params), list(params).index(_CODE)


def commune_statement() -> tuple[str, list, int]:
    """The outline's statement (SQL, parameters, where the code goes), the ORM's own,
    compiled once per process: building and compiling the queryset was ~0.9 ms of the
    ~3 ms of Python an outline request cost; its text never changes, only the code."""
    sql, params, at = _commune_statement()
    return sql, list(params), at


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


class ClusterView(FilteredView):
    filter_backends = [params.Zoom, *params.LISTING_FILTERS]

    @extend_schema(
        operation_id="clusters_list",
        summary="Regroupements de commerces pour une carte dézoomée (GeoJSON)",
        responses={200: schema.CLUSTERS, 400: schema.ERRORS},
    )
    def get(self, request):
        errors = self.clean(request.GET)
        if errors:
            return errors_response(errors)
        data = self.cleaned
        bbox = data["in_bbox"] or EXTENT
        cell_m = clusters.cell_size(data["zoom"], bbox)
        used = params.used(data) - {"zoom"}
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
            data["in_bbox"] = bbox
            rows = self.filter_queryset(queries.Query(timezone.now())).grid_clusters(cell_m)
            mode = "live"
        singles = {row[3] for row in rows if row[0] == 1}
        details = {}
        if singles:
            ref = reference.get()
            for pk, name, category_id in queries.published_names(singles):
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


SUGGESTIONS = 8  # at most, of every kind together
SUGGESTION = {
    "type": "object",
    "required": ["kind", "label"],
    "properties": {
        "kind": {"type": "string", "enum": ["trade", "commune", "shop"]},
        "label": {"type": "string", "description": "Le texte à afficher"},
        "slug": {"type": "string", "description": "trade : la catégorie (paramètre category)"},
        "code": {"type": "string", "description": "commune : son code INSEE"},
        "id": {"type": "integer", "description": "shop : l'identifiant du commerce"},
        "commune": {"type": "string", "description": "shop : le nom de sa commune"},
        "url": {"type": "string", "description": "shop : le chemin de sa page"},
    },
}


class SuggestView(FilteredView):
    """Suggestions as one types: trades, communes and shops (query_words.py)."""

    filter_backends = [params.Suggest]

    @extend_schema(
        operation_id="suggest",
        summary="Suggestions pendant la frappe : métiers, communes, commerces",
        responses={
            200: OpenApiResponse(
                {
                    "type": "object",
                    "properties": {
                        "results": {"type": "array", "items": SUGGESTION, "maxItems": SUGGESTIONS}
                    },
                },
                description="Les métiers, puis les communes, puis les commerces",
            ),
            400: schema.ERRORS,
        },
    )
    def get(self, request):
        errors = self.clean(request.GET)
        if errors:
            return errors_response(errors)
        return json_response({"results": suggestions(self.cleaned["q"])})


def suggestions(text: str) -> list[dict]:
    ref = reference.get()
    understood = queries.reading(text)  # « marie blachère »: the shops, not Marie
    slugs = [*understood.categories, *query_words.trade_prefixes(text)]
    trades = [
        {"kind": "trade", "label": ref.by_slug[slug].label, "slug": slug}
        for slug in dict.fromkeys(slugs)
    ][:2]
    if understood.commune:
        places = [(understood.commune, ref.commune_names[understood.commune])]
    else:
        last = text.split()[-1]
        found = Commune.objects.autocomplete(last, 2) if len(last) >= 3 else []
        places = [(c["code"], c["name"]) for c in found]
    communes = [{"kind": "commune", "label": name, "code": code} for code, name in places]
    room = SUGGESTIONS - len(trades) - len(communes)
    shops: dict[tuple[str, str], dict] = {}  # a chain's shops of one commune: the first
    for pk, name, commune in queries.suggested_shops(understood, room * 4):
        shops.setdefault(
            (name, commune),
            {
                "kind": "shop",
                "label": name,
                "id": pk,
                "commune": ref.commune_names.get(commune),
                "url": f"/commerces/{pk}-{slugify(name) or 'commerce'}/",
            },
        )
    return [*trades, *communes, *list(shops.values())[:room]]
