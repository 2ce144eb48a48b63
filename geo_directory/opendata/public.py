"""What a listing shows the world: the one list of exported fields, and their licences.

Every open-data output (OGC API items, GeoJSON and CSV downloads) reads its rows through
:func:`public_rows` and turns them into properties with :func:`properties`. The columns
are named here one by one: never the owner, the moderation note, the owned fields, the
SIRET, the import key or any user id. ``email`` is the listing's own contact address, the
one the merchant typed in the listing form (or the source published), not the account's.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, FloatField, Func, TextField
from django.db.models.functions import Cast

from geo_directory.api import reference
from geo_directory.api.views import Lat, Lon
from geo_directory.businesses.models import Business

# The columns read from the listings table, in this order (then lon, lat).
COLUMNS = (
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
    "description",
    "offers_pickup",
    "offers_delivery",
    "source",
)

# The properties of an exported feature, in this order (the CSV's columns after id,
# longitude, latitude). tests/opendata/test_public_fields.py asserts this exact set.
PROPERTIES = (
    "name",
    "category",
    "category_label",
    "street",
    "postcode",
    "commune",
    "commune_name",
    "phone",
    "email",
    "website",
    "opening_hours",
    "description",
    "offers_pickup",
    "offers_delivery",
    "delivery_radius_km",
    "source",
    "licence",
    "updated_at",
)

# JSON Schema of each property (the collection's schema, which GDAL reads for types).
PROPERTY_SCHEMAS = {
    **{name: {"type": "string"} for name in PROPERTIES},
    "offers_pickup": {"type": "boolean"},
    "offers_delivery": {"type": "boolean"},
    "delivery_radius_km": {"type": "number"},
    "updated_at": {"type": "string", "format": "date-time"},
}

ODBL = "ODbL-1.0"
ETALAB = "etalab-2.0"
LICENCES = {
    ODBL: {
        "title": "Open Database License (ODbL) 1.0",
        "url": "https://opendatacommons.org/licenses/odbl/1-0/",
    },
    ETALAB: {
        "title": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    },
}
# Each listing keeps its source's licence. OpenStreetMap data is ODbL, and so are the
# OSM-tagged GeoJSON files (import_geojson: OSM extracts and the chains' shops mapped
# for OSM); SIRENE is published by INSEE under the Licence Ouverte; listings entered by
# merchants and partners' files are published by the directory under the Licence Ouverte.
SOURCE_LICENCE = {
    Business.Source.OSM: ODBL,
    Business.Source.GEOJSON: ODBL,
    Business.Source.SIRENE: ETALAB,
    Business.Source.MERCHANT: ETALAB,
    Business.Source.CSV: ETALAB,
}
# The directory as a whole contains OpenStreetMap-derived listings: as a database it is
# shared under the ODbL (share-alike), each listing also carrying its own source's licence.
DATASET_LICENCE = ODBL
ATTRIBUTION = (
    "Sauvons Noël, annuaire des commerces de la Région Sud ; "
    "© les contributrices et contributeurs d'OpenStreetMap (ODbL) ; "
    "INSEE, base SIRENE des entreprises (Licence Ouverte 2.0)"
)


class UtcText(Func):
    """A timestamp as RFC 3339 text in UTC, written by PostgreSQL: parsing a datetime per
    row into Python, then formatting it again, was a third of an export's time."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    output_field = TextField()


def public_rows(queryset=None):
    """``values_list`` of COLUMNS, then the delivery radius (float), the last update
    (RFC 3339 text), lon and lat, of published listings only.

    ``queryset`` (default: every listing) is narrowed to ``published()`` here, whatever
    the caller passed: an unpublished or merged listing cannot reach an export.
    """
    base = Business.objects.all() if queryset is None else queryset
    return (
        base.published()
        .annotate(
            radius_km=Cast("delivery_radius_km", FloatField()),
            updated=UtcText(F("updated_at")),
            lon=Lon(F("location")),
            lat=Lat(F("location")),
        )
        .values_list(*COLUMNS, "radius_km", "updated", "lon", "lat")
    )


def utc_text(moment: dt.datetime) -> str:
    """RFC 3339 in UTC, to the second (``2026-11-29T08:30:00Z``)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def properties(row: tuple, ref: reference.Reference) -> dict:
    """The public properties of one ``public_rows`` row (PROPERTIES, in that order)."""
    (
        _id,
        name,
        category_id,
        street,
        postcode,
        commune_id,
        phone,
        email,
        website,
        opening_hours,
        description,
        offers_pickup,
        offers_delivery,
        source,
        radius,
        updated_at,
        _lon,
        _lat,
    ) = row
    category = ref.categories.get(category_id)
    return {
        "name": name,
        "category": category.slug if category else None,
        "category_label": category.label if category else None,
        "street": street,
        "postcode": postcode,
        "commune": commune_id,
        "commune_name": ref.commune_names.get(commune_id),
        "phone": phone,
        "email": email,
        "website": website,
        "opening_hours": opening_hours,
        "description": description,
        "offers_pickup": offers_pickup,
        "offers_delivery": offers_delivery,
        "delivery_radius_km": radius,
        "source": source,
        "licence": SOURCE_LICENCE.get(source, DATASET_LICENCE),
        "updated_at": updated_at,
    }


def feature(row: tuple, ref: reference.Reference) -> dict:
    """A GeoJSON Feature (RFC 7946) of one ``public_rows`` row; the id is the listing's."""
    return {
        "type": "Feature",
        "id": row[0],
        "geometry": {"type": "Point", "coordinates": [row[-2], row[-1]]},
        "properties": properties(row, ref),
    }
