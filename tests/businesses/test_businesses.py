import datetime as dt

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from geo_directory.businesses import hours as hours_module
from geo_directory.businesses.models import Business, Category
from geo_directory.businesses.validators import siret_error
from geo_directory.postgis.l93 import envelope as l93_envelope
from geo_directory.territory.managers import OutsideRegion
from tests.factories import make_listing

pytestmark = pytest.mark.django_db
PARIS = dt.timezone(dt.timedelta(hours=1))  # winter time, as in December


def test_commune_is_derived_from_the_point_on_save_even_on_the_quay():
    business = make_listing()
    assert business.commune_id == "13055"
    business.location = Point(7.2620, 43.6950, srid=4326)
    business.save()
    business.refresh_from_db()
    assert business.commune_id == "06088"


def test_point_outside_the_region_is_refused_with_the_distance():
    with pytest.raises(OutsideRegion, match="hors de la Région Sud"):
        make_listing(lon=4.8357, lat=45.7640)
    business = Business(
        name="x",
        category=Category.objects.get(slug="boulangerie"),
        location=Point(5.5, 42.9, srid=4326),
    )
    with pytest.raises(ValidationError) as excinfo:
        business.full_clean()
    assert "location" in excinfo.value.message_dict


def test_lambert93_column_is_kept_by_postgres_in_metres():
    business = make_listing()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_SRID(location_l93), ST_X(location_l93) FROM businesses_business WHERE id=%s",
            [business.id],
        )
        srid, x = cursor.fetchone()
    assert srid == 2154
    assert 890_000 < x < 900_000  # Marseille's easting in Lambert-93


@pytest.mark.parametrize(
    ("siret", "error"),
    [
        ("73282932000074", None),  # a real, valid SIRET
        ("35600000000010", None),  # La Poste: digit sum modulo 5 (Luhn would refuse it)
        ("73282932000075", "SIRET invalide"),
        ("7328293200007", "14 chiffres"),
        ("7328293200007A", "14 chiffres"),
        ("12345678900010", "SIREN invalide"),
    ],
)
def test_siret_validation(siret, error):
    result = siret_error(siret)
    if error is None:
        assert result is None
    else:
        assert error in result


def test_siret_is_unique_and_provenance_unique_together():
    make_listing(siret="73282932000074")
    with pytest.raises(IntegrityError):
        make_listing(name="Autre", siret="73282932000074")


def test_published_listing_needs_a_location():
    with pytest.raises(IntegrityError):
        Business.objects.create(
            name="Sans position",
            category=Category.objects.get(slug="boulangerie"),
            status=Business.Status.PUBLISHED,
        )


def test_hours_are_evaluated_in_sql_for_a_regular_week():
    open_late = make_listing(opening_hours="Mo-Sa 08:00-12:30,14:00-19:00")
    night = make_listing(name="Bar de nuit", opening_hours="Fr-Sa 18:00-02:00")
    tuesday_10h = dt.datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)
    saturday_1h = dt.datetime(2026, 12, 5, 1, 0, tzinfo=PARIS)  # Friday night, past midnight
    lunch = dt.datetime(2026, 12, 1, 13, 0, tzinfo=PARIS)
    ids = {open_late.id, night.id}
    assert set(Business.objects.filter(id__in=ids).open_at(tuesday_10h)) == {open_late}
    assert set(Business.objects.filter(id__in=ids).open_at(saturday_1h)) == {night}
    assert not Business.objects.filter(id__in=ids).open_at(lunch).exists()


def test_exceptional_closures_are_honoured_in_sql():
    expression = "Mo-Sa 08:00-19:00; Dec 24 08:00-12:00; Dec 25 off"
    business = make_listing(opening_hours=expression)
    # Christmas Eve afternoon and Christmas morning: closed; the 23rd at 15:00: open.
    from geo_directory.businesses import hours

    computed = hours.compute(expression, today=dt.date(2026, 12, 21))
    Business.objects.filter(id=business.id).update(
        hours_windows=computed.windows, hours_windows_until=computed.windows_until
    )
    qs = Business.objects.filter(id=business.id)
    assert qs.open_at(dt.datetime(2026, 12, 23, 15, 0, tzinfo=PARIS)).exists()
    assert qs.open_at(dt.datetime(2026, 12, 24, 10, 0, tzinfo=PARIS)).exists()
    assert not qs.open_at(dt.datetime(2026, 12, 24, 15, 0, tzinfo=PARIS)).exists()
    assert not qs.open_at(dt.datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)).exists()
    # And the Python evaluation agrees.
    assert business.is_open_at(dt.datetime(2026, 12, 24, 10, 0)) is True
    assert business.is_open_at(dt.datetime(2026, 12, 24, 15, 0)) is False


def test_invalid_hours_are_a_validation_error():
    business = Business(
        name="x",
        category=Category.objects.get(slug="boulangerie"),
        location=Point(5.38, 43.298, srid=4326),
        opening_hours="lundi 9h-12h",
    )
    with pytest.raises(ValidationError) as excinfo:
        business.full_clean()
    assert "Horaires illisibles" in excinfo.value.message_dict["opening_hours"][0]


def test_nearest_to_orders_by_distance_on_the_index():
    here = Point(5.3810, 43.2980, srid=4326)  # La Canebière
    nearest = list(Business.objects.published().nearest_to(here)[:10])
    distances = [b.distance_m.m for b in nearest]
    assert distances == sorted(distances)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM businesses_business WHERE status='published' "
            "ORDER BY ST_Distance(location::geography, ST_GeogFromText('POINT(5.3810 43.2980)')) "
            "LIMIT 10"
        )
        assert [b.id for b in nearest] == [row[0] for row in cursor.fetchall()]


def test_category_parent_includes_children():
    make_listing(category="fromagerie", name="Fromagerie test")
    qs = Business.objects.published().in_categories(["alimentation"])
    assert qs.filter(name="Fromagerie test").exists()
    assert not qs.filter(category__slug="bazar").exists()


def test_nightly_refresh_rolls_the_exceptional_windows_forward():
    from django.core.management import call_command

    business = make_listing(opening_hours="Mo-Sa 08:00-19:00; Dec 25 off")
    # Windows computed long ago have expired: the refresh computes them from today.
    Business.objects.filter(id=business.id).update(
        hours_windows=None, hours_windows_until=dt.datetime(2020, 1, 1, tzinfo=PARIS)
    )
    call_command("refresh_opening_hours", verbosity=0)
    business.refresh_from_db()
    expected = hours_module.compute(business.opening_hours)
    assert business.hours_windows_until == expected.windows_until
    assert business.hours_week is not None


def test_in_bbox_is_the_exact_lonlat_box_on_the_lambert93_index():
    """``location`` has no GiST of its own: the box goes through location_l93's, by its
    Lambert-93 envelope, and lonlat_in_box() keeps exactly the points inside (edges too)."""
    box = (5.3700, 43.2950, 5.3800, 43.3000)
    inside = [
        make_listing(lon=5.3750),
        make_listing(lon=5.3700, lat=43.2950),
        make_listing(lon=5.3800, lat=43.3000),
    ]
    # Just west of the box's west edge, at mid-height: inside its Lambert-93 envelope (a
    # superset: the meridian is tilted in Lambert-93), outside the box.
    outside = make_listing(lon=5.36999, lat=43.2975)
    envelope = Polygon.from_bbox(l93_envelope(*box))
    envelope.srid = 2154
    assert Business.objects.filter(pk=outside.pk, location_l93__bboverlaps=envelope).exists()
    ids = [b.pk for b in [*inside, outside]]
    listings = Business.objects.filter(pk__in=ids)
    assert set(listings.in_bbox(*box).values_list("pk", flat=True)) == {b.pk for b in inside}
    centre_first = [b.pk for b in listings.centre_first_in_bbox(*box)]
    assert centre_first[0] == inside[0].pk and set(centre_first) == {b.pk for b in inside}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'businesses_business'::regclass"
            " AND a.attname = 'location'"
        )
        assert cursor.fetchone()[0] == 0
        sql, params = Business.objects.in_bbox(*box).values("pk").query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "business_location_l93_gist" in plan, plan
