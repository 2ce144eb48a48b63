"""Not collected by the suite (no ``test_`` prefix): run alone, in a pytest of its own, by
test_response_cache_listener.py. Its one test leaves the response cache's listener running,
as any test with the cache on may; the session's teardown (tests/conftest.py) must close it
before pytest-django drops the test database."""

import pytest

from geo_directory import caching


@pytest.mark.django_db
def test_leaves_the_listener_running():
    assert caching.data_generation() is not None  # connected to the test database
