"""Fixtures of the API tests: the real territory and listings of tests/conftest.py."""

import pytest
from django.contrib.gis.geos import Point

from geo_directory.api import clusters, reference
from geo_directory.businesses.models import Business, Category


@pytest.fixture(autouse=True)
def fresh_reference():
    reference.clear()
    clusters.reset_estimate()
    yield
    reference.clear()
    clusters.reset_estimate()


@pytest.fixture
def make_business(db):
    def make(name, lon, lat, category="boulangerie", **extra):
        extra.setdefault("status", Business.Status.PUBLISHED)
        business = Business(
            name=name,
            category=Category.objects.get(slug=category),
            location=Point(lon, lat, srid=4326),
            **extra,
        )
        business.save()
        return business

    return make


def features(response):
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body["features"]


def ids(response):
    return [f["id"] for f in features(response)]
