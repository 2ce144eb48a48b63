"""Merchants' fixtures (the local address API server, ``fake_ban``, is in tests/conftest.py)."""

import pytest


@pytest.fixture
def mailoutbox_fr(settings, mailoutbox):
    return mailoutbox
