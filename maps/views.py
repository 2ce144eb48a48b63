"""The pages a person sees: the residents' map (home) and the commune page.

The home page is a shell: the map, the list and the detail panel are filled in by the
scripts of ``maps/static/maps/js/`` from the public API. The category chips are rendered
here so that the filters are on screen before any request. The commune page is rendered
entirely on the server (its list works without JavaScript); the script only draws the
boundary embedded in the page with ``json_script``.
"""

import functools
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.core.signals import setting_changed
from django.db import connections, router
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone, translation

from geo_directory.businesses import counts
from geo_directory.businesses.hours_text import describe_fr_lines
from geo_directory.businesses.models import Business, Category
from geo_directory.orders.models import Campaign
from geo_directory.territory.models import Commune

# Région Sud, [[south, west], [north, east]]: the initial view of the map.
REGION_BOUNDS = [[42.98, 4.23], [45.13, 7.72]]
# Where listings can be, [west, south, east, north] with a margin: the map's queries are
# clipped to it (the API refuses boxes wider than 10°, and there is nothing outside).
SEARCH_BBOX = [3.5, 42.5, 8.5, 45.7]
# Boundary simplification for display (degrees, ~20 m): small pages, same outline.
BOUNDARY_TOLERANCE = 0.0002


def map_config() -> dict:
    return {
        "tileUrl": settings.TILE_URL,
        "tileAttribution": "© les contributeurs d’OpenStreetMap",
        "regionBounds": REGION_BOUNDS,
        "searchBbox": SEARCH_BBOX,
        "api": "/api/v1/",
    }


def category_groups(rows: list[tuple], published: dict[int, int]) -> list[dict]:
    """Every category of the taxonomy: the parents (the chips over the map) with their
    leaves (the choices of the filter sheet), in the taxonomy's order.

    Rendered with the page, so the filters are on screen before any API request. The
    counts are the published listings of the whole region (a parent's: its leaves'), read
    from the counts the database keeps (``businesses/counts.py``): the home page never
    scans the listings table. The script replaces them with the counts of the view.
    """
    groups = {
        pk: {"slug": slug, "label": label, "count": published.get(pk, 0), "leaves": []}
        for pk, slug, label, parent in rows
        if parent is None
    }
    for pk, slug, label, parent in rows:
        group = groups.get(parent)
        if group is not None:
            count = published.get(pk, 0)
            group["leaves"].append({"slug": slug, "label": label, "count": count})
            group["count"] += count
    return list(groups.values())


@functools.lru_cache(maxsize=1)
def _category_rows_statement() -> tuple[str, tuple]:
    query = Category.objects.order_by("position", "label").values_list(
        "pk", "slug", "label", "parent"
    )
    return query.query.sql_with_params()


def category_rows() -> list[tuple]:
    """(pk, slug, label, parent pk) of every category, in the taxonomy's order: the ORM's
    statement, compiled once per process (building and compiling the queryset cost more
    than running it)."""
    sql, params = _category_rows_statement()
    with connections[router.db_for_read(Category)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The chips' HTML, kept for the data it was rendered from: (key, html). Rendering them was
# most of the home page's template work (~2 ms of ~3 ms a request); they change only when a
# category or a count does. The key is that data itself (the categories' rows, the counts,
# the language), read on every request as before: a changed label or count is another key,
# so there is no invalidation to forget. Nothing of the visitor is in it (no session, user
# or token): the same HTML for everyone. One entry per process: the data changes rarely.
_chips: tuple | None = None


def chips_html() -> str:
    """The home page's category chips (``maps/_chips.html``), rendered once per distinct
    categories, counts and language."""
    global _chips
    published = counts.published_per_category()
    rows = category_rows()
    key = (translation.get_language(), tuple(rows), tuple(sorted(published.items())))
    kept = _chips
    if kept is not None and kept[0] == key:
        return kept[1]
    html = render_to_string(
        "maps/_chips.html", {"category_groups": category_groups(rows, published)}
    )
    _chips = (key, html)
    return html


def tile_origin(url: str) -> str | None:
    """The tile server's origin, which the home page connects to before its script asks
    for the first tiles (on a phone a tile is the largest paint); None for a template with
    ``{s}`` subdomains (no one origin) or a URL without a host."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc or "{" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


# The whole home page of an anonymous visitor, kept for what it was rendered from: (key,
# html). Beyond the chips, its template work (the header, the static files' hashed names,
# the links) is the same for every anonymous visitor: ~1 ms a request. A logged-in
# visitor's page (their header, the logout form's CSRF token) is never kept nor served
# from here: it is rendered for them. Forgotten when a setting changes (the tile server,
# the static files' URL...); not kept with DEBUG (templates edited while the server runs).
_anonymous_home: tuple | None = None


def _forget_anonymous_home(**kwargs) -> None:
    global _anonymous_home
    _anonymous_home = None


setting_changed.connect(_forget_anonymous_home, dispatch_uid="maps.anonymous-home")


def home(request):
    global _anonymous_home
    chips = chips_html()
    context = {
        "config": map_config(),
        "chips": chips,
        "tile_origin": tile_origin(settings.TILE_URL),
    }
    # What the header's template reads first: the session (then ``Vary: Cookie``) as before.
    user = getattr(request, "user", None)  # as the auth context processor reads it
    if (user is not None and user.is_authenticated) or settings.DEBUG:
        return render(request, "maps/home.html", context)
    key = (translation.get_language(), chips, settings.TILE_URL)
    kept = _anonymous_home
    if kept is not None and kept[0] == key:
        return HttpResponse(kept[1])
    html = render_to_string("maps/home.html", context, request)
    # A page that used the CSRF token (a form for anonymous visitors, some day) holds this
    # visitor's token: rendered for them alone, never kept (caching.is_private reads it too).
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        _anonymous_home = (key, html)
    return HttpResponse(html)


COMMUNE_PAGE_SIZE = 50


def commune(request, insee: str):
    commune = get_object_or_404(Commune.objects.select_related("departement"), code=insee)
    businesses = (
        Business.objects.published()
        .within_commune(commune.code)
        .select_related("category")
        .order_by("name", "id")
    )
    # A big city holds thousands of shops: the page lists them COMMUNE_PAGE_SIZE at a time
    # (the map page shows them all, clustered).
    page = Paginator(businesses, COMMUNE_PAGE_SIZE).get_page(request.GET.get("page"))
    # « Commander » on the rows of shops with an open order campaign: one query a page.
    ordering = set(
        Campaign.objects.open_at(timezone.now())
        .filter(business_id__in=[b.pk for b in page])
        .values_list("business_id", flat=True)
    )
    listings = [
        {
            "business": b,
            "takes_orders": b.pk in ordering,
            "hours": describe_fr_lines(b.opening_hours),
            "lat": b.location.y,
            "lon": b.location.x,
        }
        for b in page
    ]
    boundary = None
    if commune.boundary is not None:
        boundary = json.loads(commune.boundary.simplify(BOUNDARY_TOLERANCE, True).geojson)
    return render(
        request,
        "maps/commune.html",
        {
            "commune": commune,
            "listings": listings,
            "page": page,
            "config": map_config(),
            "boundary": {"type": "Feature", "geometry": boundary, "properties": {}},
            "points": [
                {
                    "id": item["business"].id,
                    "name": item["business"].name,
                    "lat": item["lat"],
                    "lon": item["lon"],
                }
                for item in listings
            ],
        },
    )
