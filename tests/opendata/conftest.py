"""Fixtures of the open-data tests: the real territory and listings and the session's live
server of tests/conftest.py (GDAL reads it over HTTP), and the API tests' helpers."""

from tests.api.conftest import fresh_reference  # noqa: F401
