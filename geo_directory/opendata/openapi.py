"""The OpenAPI 3.0 definition of the OGC API – Features service (``/api/features/api``).

Written out rather than generated: it documents the standard's paths and parameters,
with this server's own limits (``limit`` 1–1000, default 100) and cursors.
"""

from __future__ import annotations

from .params import DEFAULT_LIMIT, MAX_LIMIT

_EXCEPTION = {
    "description": "Requête refusée (paramètre invalide) ou ressource introuvable.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["code"],
                "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
            }
        }
    },
}
_JSON = {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}}}}
_GEOJSON = {
    "description": "GeoJSON",
    "content": {"application/geo+json": {"schema": {"type": "object"}}},
}
_F = {
    "name": "f",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["json", "geojson"]},
    "description": "Encodage (seul JSON/GeoJSON est servi).",
}
_COLLECTION_ID = {
    "name": "collectionId",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["businesses"]},
}


def _get(summary: str, response: dict, parameters: list[dict], operation_id: str) -> dict:
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "parameters": parameters,
            "responses": {"200": response, "400": _EXCEPTION, "404": _EXCEPTION},
        }
    }


def document(server_url: str) -> dict:
    items_parameters = [
        _COLLECTION_ID,
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LIMIT,
                "default": DEFAULT_LIMIT,
            },
            "description": f"Nombre de commerces par page (au plus {MAX_LIMIT} ; "
            "une valeur plus grande est ramenée au maximum).",
        },
        {
            "name": "bbox",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "schema": {
                "type": "array",
                "minItems": 4,
                "maxItems": 6,
                "items": {"type": "number"},
            },
            "description": "lonMin,latMin,lonMax,latMax en WGS 84 longitude/latitude (CRS84).",
        },
        {
            "name": "datetime",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "schema": {"type": "string"},
            "description": "Date de dernière mise à jour de la fiche : un instant ou un "
            "intervalle RFC 3339 (« .. » pour une borne ouverte).",
        },
        {
            "name": "after",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 0},
            "description": "Curseur de page : les commerces d'identifiant supérieur "
            "(suivez les liens « next »).",
        },
        {
            "name": "before",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1},
            "description": "Curseur de page : les commerces d'identifiant inférieur "
            "(liens « prev »).",
        },
        _F,
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Sauvons Noël – OGC API – Features",
            "version": "1.0.0",
            "description": "Les commerces publiés de l'annuaire de la Région Sud.",
            "license": {
                "name": "ODbL 1.0",
                "url": "https://opendatacommons.org/licenses/odbl/1-0/",
            },
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {
            "/": _get("Page d'accueil", _JSON, [_F], "getLandingPage"),
            "/conformance": _get("Classes de conformité", _JSON, [_F], "getConformance"),
            "/api": _get("Cette définition OpenAPI", _JSON, [_F], "getAPI"),
            "/collections": _get("Les collections", _JSON, [_F], "getCollections"),
            "/collections/{collectionId}": _get(
                "Une collection", _JSON, [_COLLECTION_ID, _F], "describeCollection"
            ),
            "/collections/{collectionId}/items": _get(
                "Les commerces, paginés", _GEOJSON, items_parameters, "getFeatures"
            ),
            "/collections/{collectionId}/items/{featureId}": _get(
                "Un commerce",
                _GEOJSON,
                [
                    _COLLECTION_ID,
                    {
                        "name": "featureId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    _F,
                ],
                "getFeature",
            ),
        },
    }
