"""OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) over the published listings.

One collection, ``businesses``. The paths, under ``/api/features``: the landing page,
``/conformance``, ``/api`` (the OpenAPI 3.0 definition), ``/collections``,
``/collections/businesses``, ``.../items`` (``bbox`` in CRS84, ``datetime`` on the
listing's last update, ``limit`` 1–1000, default 100, keyset paging through ``next`` /
``prev`` links) and ``.../items/{id}``. JSON only (no HTML encoding). Errors are the
standard's exception JSON with a French description.
"""

from __future__ import annotations

import orjson
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from geo_directory.api import reference
from geo_directory.businesses.models import Business
from geo_directory.territory.region import EXTENT

from . import openapi, params, queries
from .public import (
    ATTRIBUTION,
    DATASET_LICENCE,
    LICENCES,
    PROPERTY_SCHEMAS,
    feature,
    public_rows,
    utc_text,
)

COLLECTION = "businesses"
GEOJSON = "application/geo+json"
SCHEMA = "application/schema+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
ITEMS_PARAMS = {"limit", "bbox", "datetime", "after", "before", "f"}


def _json(data, content_type: str = JSON) -> HttpResponse:
    response = HttpResponse(orjson.dumps(data), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"  # open data: any web client may read it
    return response


def _url(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(f"opendata:{name}", kwargs=kwargs or None))


def _link(href: str, rel: str, type_: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def _licence_link() -> dict:
    licence = LICENCES[DATASET_LICENCE]
    return _link(licence["url"], "license", "text/html", licence["title"])


def ogc_view(allowed: set[str] = frozenset({"f"})):
    """GET only; unknown parameters and a non-JSON ``f`` refused; errors as OGC JSON."""

    def decorate(view):
        @require_GET
        def wrapped(request, *args, **kwargs):
            try:
                params.check_known(request.GET, set(allowed))
                params.check_format(request.GET)
                return view(request, *args, **kwargs)
            except params.OGCError as error:
                return error.response()

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


@ogc_view()
def landing(request):
    return _json(
        {
            "title": "Sauvons Noël – commerces de la Région Sud",
            "description": (
                "Les commerces, artisans, restaurants et hôtels publiés dans l'annuaire, "
                "en données ouvertes (OGC API – Features). " + ATTRIBUTION + "."
            ),
            "links": [
                _link(_url(request, "landing"), "self", JSON, "Cette page"),
                _link(_url(request, "openapi"), "service-desc", OPENAPI, "Définition OpenAPI"),
                _link(_url(request, "conformance"), "conformance", JSON, "Conformité"),
                _link(_url(request, "collections"), "data", JSON, "Collections"),
                _link(_url(request, "downloads"), "describedby", JSON, "Téléchargements complets"),
                _licence_link(),
            ],
        }
    )


@ogc_view()
def conformance(request):
    return _json({"conformsTo": CONFORMANCE})


@ogc_view()
def api_definition(request):
    return _json(openapi.document(_url(request, "landing")), content_type=OPENAPI)


def _collection(request) -> dict:
    items = _url(request, "items", collection=COLLECTION)
    schema_url = _url(request, "schema", collection=COLLECTION)
    return {
        "id": COLLECTION,
        "title": "Commerces",
        "description": (
            "Commerces publiés de l'annuaire : nom, catégorie, adresse, contact publié, "
            "horaires, services, source et licence de chaque fiche. " + ATTRIBUTION + "."
        ),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [list(EXTENT)], "crs": CRS84}},
        "license": DATASET_LICENCE,
        "links": [
            _link(_url(request, "collection", collection=COLLECTION), "self", JSON, "Collection"),
            _link(items, "items", GEOJSON, "Les commerces (GeoJSON)"),
            _link(schema_url, "describedby", SCHEMA, "Schéma JSON d'un commerce"),
            # The same for GDAL up to 3.6 at least, which compares the rel case-sensitively.
            _link(schema_url, "describedBy", SCHEMA, "Schéma JSON d'un commerce"),
            # Bulk downloads of the whole collection (the standard's "enclosure" links).
            _link(_url(request, "geojson"), "enclosure", GEOJSON, "Tout télécharger (GeoJSON)"),
            _link(_url(request, "csv"), "enclosure", "text/csv", "Tout télécharger (CSV)"),
            _licence_link(),
        ],
    }


@ogc_view()
def collections(request):
    return _json(
        {
            "links": [_link(_url(request, "collections"), "self", JSON, "Collections")],
            "collections": [_collection(request)],
        }
    )


def _known(collection: str) -> None:
    if collection != COLLECTION:
        raise params.not_found(f"Collection inconnue : « {collection[:40]} ».")


@ogc_view()
def collection(request, collection: str):
    _known(collection)
    return _json(_collection(request))


@ogc_view()
def schema(request, collection: str):
    """JSON Schema of one item (a GeoJSON Feature): GIS clients type their fields from it."""
    _known(collection)
    return _json(
        {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": request.build_absolute_uri(request.path),
            "title": "Commerce",
            "type": "object",
            "required": ["type", "id", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "integer"},
                "geometry": {"$ref": "https://geojson.org/schema/Point.json"},
                "properties": {"type": "object", "properties": PROPERTY_SCHEMAS},
            },
        },
        content_type=SCHEMA,
    )


@ogc_view(ITEMS_PARAMS)
def items(request, collection: str):
    _known(collection)
    query = request.GET
    limit = params.limit(query)
    boxes = params.bbox(query)
    interval = params.datetime_interval(query)
    after = params.integer(query, "after", 0)
    before = params.integer(query, "before", 1)
    if after is not None and before is not None:
        raise params.OGCError("« after » et « before » ne vont pas ensemble.")
    now = timezone.now()
    listings = queries.filtered(boxes, interval)
    matched = queries.count(listings, boxes, interval)
    ids, more = queries.page_ids(listings, matched, boxes, limit, after, before)
    ref = reference.get()
    rows = public_rows(Business.objects.filter(id__in=ids)).order_by("id") if ids else []
    features = [feature(row, ref) for row in rows]

    base = request.build_absolute_uri(request.path)
    kept = {name: query[name] for name in ("bbox", "datetime") if name in query}
    kept["limit"] = str(limit)

    def page_url(**cursor) -> str:
        from urllib.parse import urlencode

        return f"{base}?{urlencode({**kept, **cursor})}"

    links = [
        _link(request.build_absolute_uri(), "self", GEOJSON, "Cette page"),
        _link(_url(request, "collection", collection=COLLECTION), "collection", JSON, "Collection"),
    ]
    # Forwards: more after the last id; backwards: the page before starts below the first.
    if ids and (more if before is None else True):
        links.append(_link(page_url(after=ids[-1]), "next", GEOJSON, "Page suivante"))
    if ids and (after is not None if before is None else more):
        links.append(_link(page_url(before=ids[0]), "prev", GEOJSON, "Page précédente"))
    return _json(
        {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": utc_text(now),
            "license": DATASET_LICENCE,
            "links": links,
        },
        content_type=GEOJSON,
    )


@ogc_view()
def item(request, collection: str, feature_id: str):
    _known(collection)
    text = feature_id.strip()
    found = None
    if text.isascii() and text.isdigit() and len(text) <= 18:
        found = public_rows(Business.objects.filter(id=int(text))).first()
    if found is None:
        raise params.not_found(f"Aucun commerce publié n'a l'identifiant « {feature_id[:40]} ».")
    body = feature(found, reference.get())
    body["links"] = [
        _link(request.build_absolute_uri(request.path), "self", GEOJSON, "Ce commerce"),
        _link(_url(request, "collection", collection=COLLECTION), "collection", JSON, "Collection"),
        _licence_link(),
    ]
    return _json(body, content_type=GEOJSON)
