"""Schemathesis: every operation of the OpenAPI schema, through the WSGI app, in process.

The schema is the one the API serves (``/api/v1/schema/``, drf-spectacular); requests go
to Django's WSGI application directly (no network, no server), inside the test's
transaction, against the real communes and listings of tests/conftest.py. Whatever the
generated parameters (valid per the schema, or not), the API never answers a 5xx, answers
only the status codes and content types it documents, and valid data is accepted.
"""

from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    status_code_conformance,
)

from geo_directory.api import reference

# Loaded at collection through the WSGI app (drf-spectacular builds it without a query).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
# Valid and invalid data (wrong types, out-of-schema values), NUL bytes included.
schema.config.generation.update(modes=list(GenerationMode), allow_x00=True)


CASES: Counter = Counter()  # cases run per operation (printed with -s)


@pytest.fixture(scope="module", autouse=True)
def report_cases():
    yield
    print(f"\nschemathesis: {sum(CASES.values())} cases over {len(CASES)} operations", dict(CASES))


@pytest.fixture(autouse=True)
def wsgi_in_the_test_transaction():
    """As Django's test client does: the WSGI handler must not close the connection
    (and with it the test's transaction) at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    reference.clear()
    yield
    reference.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_on_any_operation(case, db):
    CASES[case.operation.label] += 1
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, content_type_conformance]
    )
