"""Fixtures of the API tests: the real territory and listings of tests/conftest.py."""

import pytest
from django.http import QueryDict

from geo_directory.api import clusters, params, queries, reference


@pytest.fixture(autouse=True)
def fresh_reference():
    reference.clear()
    clusters.reset_estimate()
    yield
    reference.clear()
    clusters.reset_estimate()


# A listing feature's properties, in the order the API writes them (api/features.py). One
# string: the open-data export's columns (opendata/public.py) share the first eleven names
# and are another contract, not a copy of this one.
LIST_PROPERTIES = (  # noqa: SIM905
    "name category category_label street postcode commune commune_name phone email website"
    " opening_hours hours_text open_now takes_orders offers_pickup offers_delivery url"
).split()


def features(response):
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body["features"]


def ids(response):
    return [f["id"] for f in features(response)]


def built(query_string: str, now, families=params.LISTING_FILTERS):
    """(cleaned parameters, the ``queries.Query`` they build) for ``query_string``, as the
    view of ``families`` (its parameter families) builds it, without a request."""
    cleaned, errors = params.clean(QueryDict(query_string), families)
    assert not errors, errors
    query = queries.Query(now)
    for family in families:
        query = family().apply(cleaned, query)
    return cleaned, query
