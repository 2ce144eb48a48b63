"""Fixtures of the API tests: the real territory and listings of tests/conftest.py."""

import pytest

from geo_directory.api import clusters, reference


@pytest.fixture(autouse=True)
def fresh_reference():
    reference.clear()
    clusters.reset_estimate()
    yield
    reference.clear()
    clusters.reset_estimate()


def features(response):
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body["features"]


def ids(response):
    return [f["id"] for f in features(response)]
