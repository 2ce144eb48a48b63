"""Fixtures and helpers of the residents' map tests (home page and commune page)."""

import json

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import finish, watch

CANEBIERE = {"latitude": 43.2980, "longitude": 5.3810}
MAX_FEATURES = 300  # "a few hundred features at once, whatever the zoom"


@pytest.fixture(autouse=True)
def page_settings(settings, site_url):
    # Tiles that all fail (404 on our own server: no internet in tests, and the CSP allows
    # only our origin and the configured tile server).
    settings.TILE_URL = site_url + "/no-tiles/{z}/{x}/{y}.png"


@pytest.fixture
def located_page(browser, request):
    """A page whose browser is at La Canebière, geolocation allowed; screenshot saved."""
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 800},
        geolocation=CANEBIERE,
        permissions=["geolocation"],
    )
    page = watch(context.new_page())
    counts = []

    def count_features(response):
        # Read now: a body is gone once the page navigates away.
        if "/api/v1/" not in response.url or not response.ok:
            return
        try:
            data = json.loads(response.body())
        except PlaywrightError:
            return  # the page closed or navigated before the body arrived: never used
        if isinstance(data, dict) and "features" in data:
            counts.append(len(data["features"]))

    page.on("response", count_features)
    page.features_per_response = counts
    yield page
    finish(page, request.node.name)


def open_home(page, url: str):
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


def list_ids(page) -> list[int]:
    return [
        int(i)
        for i in page.locator("#results-list button[data-id]").evaluate_all(
            "els => els.map(e => e.dataset.id)"
        )
    ]
