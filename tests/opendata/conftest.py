"""Fixtures of the open-data tests: the real territory and listings of tests/conftest.py,
the API tests' helpers, and the browser tests' live server (GDAL reads it over HTTP)."""

from tests.api.conftest import fresh_reference  # noqa: F401
from tests.browser.conftest import site_url  # noqa: F401
