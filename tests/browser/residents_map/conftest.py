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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def new_page(browser, device: str, *, located: bool = False):
    """A watched page on a desktop screen or a 390 × 844 touch phone, the browser at La
    Canebière when ``located`` (geolocation allowed), with its console errors collected
    (``page.console_errors``; the map tiles point at a 404 on purpose and are left out)."""
    options = {"locale": "fr-FR", "timezone_id": "Europe/Paris"}
    if device == "phone":
        options.update(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    else:
        options.update(viewport=DESKTOP)
    if located:
        options.update(geolocation=CANEBIERE, permissions=["geolocation"])
    page = watch(browser.new_context(**options).new_page())
    page.device = device
    page.console_errors = []

    def on_console(message):
        url = (message.location or {}).get("url", "")
        if message.type == "error" and "/no-tiles/" not in url:
            page.console_errors.append(f"{message.text} ({url})")

    page.on("console", on_console)
    return page


def assert_clean(page):
    """No JavaScript error, no console error, no horizontal overflow (CSP: ``finish``)."""
    assert page.js_errors == [], page.js_errors
    assert page.console_errors == [], page.console_errors
    overflow = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert overflow[0] <= overflow[1], f"horizontal overflow: {overflow}"


@pytest.fixture(params=["desktop", "phone"])
def device_page(browser, request):
    page = new_page(browser, request.param)
    yield page
    finish(page, request.node.name)


@pytest.fixture(params=["desktop", "phone"])
def located_device_page(browser, request):
    page = new_page(browser, request.param, located=True)
    yield page
    finish(page, request.node.name)


@pytest.fixture
def phone_page(browser, request):
    page = new_page(browser, "phone")
    yield page
    finish(page, request.node.name)


def show_list(page):
    """On a phone, pull the list up with its handle (a button); on a desktop it is there."""
    if page.device == "phone":
        handle = page.locator("#sheet-handle")
        if handle.get_attribute("aria-expanded") != "true":
            handle.click()
        assert handle.get_attribute("aria-expanded") == "true"
