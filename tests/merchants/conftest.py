"""Merchants' fixtures: the local national-address-API server, wired into the settings."""

import pytest

from tests.fake_ban import FakeBAN, closed_port


@pytest.fixture
def fake_ban(settings):
    """The geocoder points at a local BAN server; Nominatim at a closed local port."""
    with FakeBAN() as ban:
        settings.GEOCODER_BAN_DOMAIN = ban.domain
        settings.GEOCODER_BAN_SCHEME = "http"
        settings.GEOCODER_NOMINATIM_DOMAIN = f"127.0.0.1:{closed_port()}"
        settings.GEOCODER_NOMINATIM_SCHEME = "http"
        settings.GEOCODER_TIMEOUT = 2
        yield ban


@pytest.fixture
def mailoutbox_fr(settings, mailoutbox):
    return mailoutbox
