"""The database holds the schema the models declare, and its SQL helpers stay fast."""

import pytest
from django.apps import apps
from django.db import connection

from geo_directory.businesses.bulk import rebuildable_indexes

pytestmark = pytest.mark.django_db


def test_every_partial_index_of_the_models_is_partial_in_the_database():
    """GeoDjango's schema editor used to drop the condition of an index on one geometry
    field (the delivery zones' GiST held a NULL for every listing)."""
    partial = [
        (model, index)
        for model in apps.get_models()
        for index in model._meta.indexes
        if index.condition is not None
    ]
    assert any(index.name == "business_delivery_zone_gist" for _, index in partial)
    with connection.cursor() as cursor:
        for model, index in partial:
            definition = dict(rebuildable_indexes(cursor, model._meta.db_table))[index.name]
            assert " WHERE " in definition, definition


def test_the_delivery_zone_index_holds_only_the_listings_that_deliver():
    from geo_directory.businesses.models import Business

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM businesses_business WHERE ST_Intersects(delivery_zone,"
            " ST_SetSRID(ST_MakePoint(5.37, 43.29), 4326))"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "business_delivery_zone_gist" in plan
    assert Business.objects.filter(delivery_zone__isnull=True).exists()


def test_immutable_unaccent_is_inlined_and_gives_unaccent_results():
    """Inlined, the wrapper costs a C call instead of the SQL-function executor (its
    migration explains why); it must still give exactly what unaccent() gives."""
    names = ["Épicerie de Noël", "CRÈME BRÛLÉE À L'ŒUF", "Ça ira, Garçon", "sans accent", ""]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n, immutable_unaccent(n), unaccent(n) FROM unnest(%s::text[]) AS n", [names]
        )
        for name, wrapped, plain in cursor.fetchall():
            assert wrapped == plain, name
        cursor.execute(
            "EXPLAIN VERBOSE SELECT immutable_unaccent(lower(name)) FROM businesses_business"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "immutable_unaccent('unaccent'::regdictionary" in plan, plan
