"""The shop the order tests take orders from (a module needing another one overrides
``shop`` with ``make_shop``'s keyword arguments, see test_integrity.py)."""

import pytest

from tests.factories import make_shop, make_user


@pytest.fixture
def shop():
    """A caterer owned by its merchant: an open campaign, one pickup slot, the menu."""
    return make_shop(make_user("chef"))
