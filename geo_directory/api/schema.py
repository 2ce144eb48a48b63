"""OpenAPI documentation of the parameters and responses (drf-spectacular)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse


def _query(name, description, type_=OpenApiTypes.STR, many=False, example=None, **kwargs):
    return OpenApiParameter(
        name,
        type_,
        OpenApiParameter.QUERY,
        description=description,
        many=many,
        examples=[OpenApiExample(name, value=example)] if example is not None else None,
        **kwargs,
    )


BUSINESS_FILTERS = [
    _query(
        "point",
        "Position « longitude,latitude » (WGS84) : résultats du plus proche au plus "
        "loin, chacun avec `distance_m` (mètres).",
        example="5.3698,43.2965",
    ),
    _query(
        "dist",
        "Avec `point` : rayon en mètres (0 à 50 000), seuls les commerces à cette "
        "distance ou moins.",
        OpenApiTypes.FLOAT,
        example=1000,
    ),
    _query(
        "in_bbox",
        "Rectangle de la carte « lon_min,lat_min,lon_max,lat_max » (WGS84, au plus 10° de côté).",
        example="5.36,43.29,5.39,43.31",
    ),
    _query("commune", "Code INSEE de la commune (voir /api/v1/communes/?q=).", example="13055"),
    _query("departement", "Code du département (04, 05, 06, 13, 83, 84).", example="13"),
    _query(
        "category",
        "Catégorie(s) par slug, séparées par des virgules ou répétées ; une "
        "catégorie parente inclut ses sous-catégories.",
        many=True,
        example="boulangerie",
    ),
    _query(
        "q",
        "Recherche dans le nom, tolérante aux accents, à la casse et aux petites fautes ; "
        "triée par pertinence (sauf avec `point`). Une recherche très large (un mot courant "
        "seul) classe les 1 001 premiers résultats trouvés : précisez un lieu pour tout voir.",
        example="boulangerie patissiere",
    ),
    _query(
        "open_now",
        "true : ouverts maintenant (heure de Paris) ; false : fermés.",
        OpenApiTypes.BOOL,
    ),
    _query(
        "open_at",
        "Ouverts à cette date et heure ISO 8601 (sans fuseau : heure de Paris).",
        OpenApiTypes.DATETIME,
        example="2026-12-24T10:30",
    ),
    _query(
        "service",
        "pickup (retrait sur place) ou delivery (livraison).",
        enum=["pickup", "delivery"],
    ),
]

PAGINATION = [
    _query(
        "page",
        "Numéro de page (1 par défaut) ; les liens `next`/`previous` de la réponse "
        "y mènent. Au plus 10 000 résultats parcourables.",
        OpenApiTypes.INT,
    ),
    _query("page_size", "Résultats par page (50 par défaut, au plus 200).", OpenApiTypes.INT),
]

CLUSTER_PARAMS = [
    _query(
        "zoom",
        "Niveau de zoom de la carte (0 à 22), obligatoire.",
        OpenApiTypes.INT,
        required=True,
        example=8,
    ),
]

COMMUNE_SEARCH = [
    _query(
        "q",
        "Début du nom (sans accents ni tirets, « st »/« ste » acceptés) ou code postal "
        "/ code INSEE.",
        required=True,
        example="st-rémy",
    ),
    _query("limit", "Nombre de résultats (10 par défaut, au plus 20).", OpenApiTypes.INT),
]

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
                "description": "false : au-delà de 1 000 résultats, count est une estimation",
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
