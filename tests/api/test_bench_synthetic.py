"""The bench's synthetic listings can be replaced even when a real listing points at one.

``seed_demo`` runs again on every bench; its real restaurants may be recognised as
duplicates of synthetic listings (``merged_into``). Changing the bench's size deletes the
synthetic listings: that must not fail on the real row's reference, nor delete it.
"""

import pytest
from django.db import connection

from bench.synthetic import delete_synthetic
from tests.factories import make_listing


@pytest.mark.django_db
def test_deleting_the_synthetic_listings_unlinks_the_real_ones_merged_into_them():
    fake = make_listing(name="La Table de Girinnier", source="csv", external_id="bench-58182")
    other_fake = make_listing(name="Boulangerie Synthé", source="csv", external_id="bench-7")
    real = make_listing(name="La Table de l'Olivier", source="geojson", external_id="resto:1")
    real.merged_into = fake
    real.save()

    with connection.cursor() as cursor:
        delete_synthetic(cursor)

    real.refresh_from_db()
    assert real.merged_into is None
    remaining = set(
        type(real)
        .objects.filter(pk__in=[fake.pk, other_fake.pk, real.pk])
        .values_list("pk", flat=True)
    )
    assert remaining == {real.pk}
