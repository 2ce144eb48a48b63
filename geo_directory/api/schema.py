"""OpenAPI documentation: the responses here; the query parameters from their families.

``ParamsSchema`` asks each family of a view's ``filter_backends`` (params.py) for its
parameters, as drf-spectacular does for a list view's filter backends: a parameter's
description, bounds and rules come from the constants its parser checks.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .queries import RANKED_AT_MOST


class ParamsSchema(AutoSchema):
    def get_filter_backends(self):
        # Every GET of these views reads its families (not only "list" views).
        return getattr(self.view, "filter_backends", [])

    def get_extensions(self):
        # What OpenAPI 3.0 parameters cannot say: rules between two of them.
        rules = [rule for family in self.get_filter_backends() for rule in family.rules]
        extensions = super().get_extensions()
        return {**extensions, "x-parameter-rules": rules} if rules else extensions


_POINT = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
            "description": "[longitude, latitude]",
        },
    },
}
_STR = {"type": "string"}
_BUSINESS_PROPERTIES = {
    "type": "object",
    "properties": {
        "name": _STR,
        "category": _STR,
        "category_label": _STR,
        "street": _STR,
        "postcode": _STR,
        "commune": _STR,
        "commune_name": _STR,
        "phone": _STR,
        "email": _STR,
        "website": _STR,
        "opening_hours": _STR,
        "hours_text": {"type": "string", "description": "les horaires en toutes lettres"},
        "open_now": {"type": "boolean"},
        "takes_orders": {
            "type": "boolean",
            "description": "une campagne de commandes est ouverte (bouton « Commander »)",
        },
        "offers_pickup": {"type": "boolean"},
        "offers_delivery": {"type": "boolean"},
        "distance_m": {"type": "number", "description": "seulement avec point="},
        "description": {"type": "string", "description": "seulement dans le détail"},
        "url": {"type": "string", "description": "le chemin de la page du commerce"},
        "opening_status": {
            "type": "string",
            "description": "détail : « Ouvert · jusqu'à 19 h », « Fermé · ouvre demain à 8 h »",
        },
        "opening_hours_text": {"type": "string", "description": "détail : horaires communiqués"},
        "photos": {
            "type": "array",
            "description": "détail : photos (src, srcset, alt, width, height)",
            "items": {"type": "object"},
        },
    },
}
_FEATURE = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "integer"},
        "geometry": _POINT,
        "properties": _BUSINESS_PROPERTIES,
    },
}

FEATURE = OpenApiResponse(_FEATURE, description="Feature GeoJSON")
FEATURE_COLLECTION = OpenApiResponse(
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "count": {"type": "integer"},
            "count_exact": {
                "type": "boolean",
                "description": "false : au-delà de 1 000 résultats, count est une estimation ; "
                f"pour une recherche par nom sans point, au-delà des {RANKED_AT_MOST} "
                "résultats classés, count est ce minimum",
            },
            "next": {"type": "string", "nullable": True},
            "previous": {"type": "string", "nullable": True},
            "features": {"type": "array", "items": _FEATURE},
        },
    },
    description="FeatureCollection GeoJSON paginée",
)
ERRORS = OpenApiResponse(
    {"type": "object", "properties": {"errors": {"type": "object", "additionalProperties": _STR}}},
    description="Paramètre invalide : son nom et la raison",
)
COMMUNE_RESULTS = OpenApiResponse(
    {
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": _STR,
                        "name": _STR,
                        "postcodes": {"type": "array", "items": _STR},
                        "departement": _STR,
                        "population": {"type": "integer"},
                        "centre": {"type": "array", "items": {"type": "number"}},
                        "match": {"type": "string", "enum": ["name", "postcode", "insee"]},
                    },
                },
            }
        },
    },
    description="Communes, la meilleure d'abord",
)
COMMUNE_FEATURE = OpenApiResponse(
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": _STR,
            "geometry": {"type": "object", "description": "MultiPolygon simplifié"},
            "properties": {
                "type": "object",
                "properties": {
                    "code": _STR,
                    "name": _STR,
                    "postcodes": {"type": "array", "items": _STR},
                    "population": {"type": "integer"},
                    "departement": _STR,
                    "centre": {"type": "array", "items": {"type": "number"}},
                    "bbox": {"type": "array", "items": {"type": "number"}},
                },
            },
        },
    },
    description="Feature GeoJSON de la commune",
)
CATEGORY_TREE = OpenApiResponse(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "slug": _STR,
                "label": _STR,
                "count": {"type": "integer"},
                "children": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
    description=(
        "Catégories racines et leurs sous-catégories, avec le nombre de commerces publiés"
        " (au-delà de 50 000 commerces, ce nombre peut dater d'une minute)"
    ),
)
CLUSTERS = OpenApiResponse(
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "mode": {"type": "string", "enum": ["live", "precomputed"]},
            "cell_m": {"type": "number"},
            "features": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "geometry": _POINT,
                        "properties": {
                            "type": "object",
                            "properties": {
                                "count": {"type": "integer"},
                                "id": {"type": "integer"},
                                "name": _STR,
                                "category": _STR,
                            },
                        },
                    },
                },
            },
        },
    },
    description="Regroupements (au plus quelques centaines)",
)
