"""Issue #19: the category chips get every count of a view from one request, asked only
while the chips can be seen.

In real Chromium, on a desktop and on a 390 × 844 phone, over the real data: each view
the map shows asks ``categories/counts/`` once (never the five-plus listing counts
``businesses/?category=…&page_size=1`` of before), the chips say the counts it answered,
opening « Toutes les catégories » or choosing a category asks no count again, and in a
view with nothing listed every chip is disabled and says 0. On the phone the chips live
in the « Filtres » sheet: no count is asked while it is closed (views come and go),
opening it asks the counts of the view on screen. The URL is the one the load test's
visits ask for the same view (``bench/loadtest.py``), so that the mix stays the map's
real session.
"""

import json
import re
import urllib.parse

import pytest
from playwright.sync_api import Error as PlaywrightError

from bench.loadtest import Sessions
from tests.browser.conftest import finish, wait_until
from tests.browser.residents_map.conftest import assert_clean, new_page, open_home

pytestmark = [pytest.mark.browser]

COUNTS = "/api/v1/categories/counts/"
COUNTED = "document.body.dataset.counted || '0'"


@pytest.fixture(autouse=True)
def page_settings(settings, site_url):
    # Tiles that all fail (no internet in tests; the CSP allows our origin).
    settings.TILE_URL = site_url + "/no-tiles/{z}/{x}/{y}.png"


@pytest.fixture(params=["desktop", "phone"])
def device_page(browser, request):
    page = new_page(browser, request.param)
    page.api_requests = []  # (path, query) of every API request, in order
    page.counts_answers = []  # the bodies of categories/counts/, in order

    def on_request(req):
        url = urllib.parse.urlsplit(req.url)
        if url.path.startswith("/api/v1/"):
            page.api_requests.append((url.path, url.query))

    def on_response(response):
        if COUNTS not in response.url or not response.ok:
            return
        try:
            page.counts_answers.append((response.url, json.loads(response.body())))
        except PlaywrightError:
            return  # the page navigated away: never read

    page.on("request", on_request)
    page.on("response", on_response)
    yield page
    finish(page, request.node.name)


def choose_commune(page, typed: str, name: str):
    box = page.get_by_role("combobox", name="Commune ou code postal")
    box.fill(typed)
    page.get_by_role("option", name=re.compile(re.escape(name))).first.wait_for()
    box.press("ArrowDown")
    box.press("Enter")


def chips_state(page) -> dict[str, tuple[bool, str | None, str]]:
    return dict(
        page.locator(".chip[data-category]").evaluate_all(
            "els => els.map(e => [e.dataset.category, [e.disabled, e.dataset.count ?? null,"
            " e.querySelector('.chip-count').textContent.trim()]])"
        )
    )


def assert_one_request_per_view(page):
    listing_counts = [
        q
        for path, q in page.api_requests
        if path == "/api/v1/businesses/" and "page_size=1&" in q + "&"
    ]
    assert listing_counts == [], "the chips asked the listing's count category by category"
    counts = [q for path, q in page.api_requests if path == COUNTS]
    views = [
        urllib.parse.parse_qs(q)["in_bbox"][0]
        for path, q in page.api_requests
        if path == "/api/v1/businesses/" and "in_bbox=" in q
    ]
    assert counts, "no categories/counts/ request"
    # One per view at most (a refresh overtaken by the next may not get to it).
    assert len(counts) <= len(views)
    for query in counts:
        box = urllib.parse.parse_qs(query)["in_bbox"][0]
        assert box in views
        # The URL the load test's resident asks for the same view (bench/loadtest.py).
        assert COUNTS + "?" + query == Sessions._api("categories/counts/", {"in_bbox": box})


def assert_chips_say(page, answer: dict):
    state = chips_state(page)
    assert set(state) == set(answer["categories"])
    for slug, (disabled, count, text) in state.items():
        got = answer["categories"][slug]
        if got["count_exact"]:
            assert count == str(got["count"]), slug
        else:
            assert count.startswith("≈ ") and text.startswith("≈"), slug
        assert disabled == (got["count"] == 0), slug


def counts_asked(page) -> list[str]:
    return [q for path, q in page.api_requests if path == COUNTS]


def last_view(page) -> str:
    """The in_bbox of the last listing request: the view on screen."""
    return next(
        urllib.parse.parse_qs(q)["in_bbox"][0]
        for path, q in reversed(page.api_requests)
        if path == "/api/v1/businesses/" and "in_bbox=" in q
    )


def show_chips(page, phone: bool) -> None:
    """The chips on screen, for the view on screen: on a phone the « Filtres » sheet is
    opened (asking the view's counts then, never before), on a desktop they always are."""
    if not phone:
        return
    page.wait_for_timeout(500)  # a count asked late would be caught below
    assert counts_asked(page) == [], "counts asked while the phone's chips were hidden"
    before = page.evaluate(COUNTED)
    page.get_by_role("button", name=re.compile("^Filtres")).click()
    wait_until(page, f"({COUNTED}) !== '{before}'", timeout=20)
    asked = counts_asked(page)
    assert len(asked) == 1
    assert urllib.parse.parse_qs(asked[0])["in_bbox"][0] == last_view(page)


def hide_chips(page, phone: bool) -> None:
    if phone:
        page.get_by_role("button", name="Voir les commerces").click()
        page.api_requests.clear()  # what follows is asked with the chips hidden


def test_the_chips_get_every_count_of_a_view_from_one_request(device_page, site_url, db):
    page = device_page
    phone = page.device == "phone"
    open_home(page, site_url + "/")
    show_chips(page, phone)
    wait_until(page, f"({COUNTED}) !== '0'", timeout=20)
    hide_chips(page, phone)
    # Marseille: its counts on the chips, from the one request of the view.
    before = page.evaluate(COUNTED)
    listed = page.evaluate("document.body.dataset.refreshed")
    choose_commune(page, "Marseil", "Marseille")
    page.wait_for_url(re.compile("commune=13055"))
    wait_until(page, "sauvonsNoel.map.getZoom() >= 10")
    wait_until(page, f"document.body.dataset.refreshed !== '{listed}'", timeout=20)
    show_chips(page, phone)
    wait_until(page, f"({COUNTED}) !== '{before}'", timeout=20)
    page.wait_for_timeout(500)
    wait_until(page, "!document.querySelector('.chip[data-category=alimentation]').disabled")
    assert page.counts_answers[-1][0].endswith(
        Sessions._api("categories/counts/", {"in_bbox": last_view(page)})
    )
    assert_chips_say(page, page.counts_answers[-1][1])
    assert int(chips_state(page)["alimentation"][1].replace("≈ ", "")) > 0
    # Every category's count came with it: opening the list of all asks nothing more.
    asked = len(page.api_requests)
    page.locator("summary", has_text="Toutes les catégories").click()
    assert page.locator('.chip[data-category="boulangerie"]').is_visible()
    page.wait_for_timeout(300)
    assert len(page.api_requests) == asked
    assert chips_state(page)["boulangerie"][1] is not None
    # A category chosen: the list follows, the counts (of every category, whatever the
    # choice) are not asked again; chosen again, off.
    for _ in range(2):
        listed = page.evaluate("document.body.dataset.refreshed")
        page.locator('.chip[data-category="boulangerie"]').click()
        wait_until(page, f"document.body.dataset.refreshed !== '{listed}'", timeout=20)
        page.wait_for_timeout(300)
    assert len([q for path, q in page.api_requests[asked:] if path == COUNTS]) == 0
    hide_chips(page, phone)
    # Barcelonnette, where nothing is listed: every chip disabled, saying 0.
    before = page.evaluate(COUNTED)
    listed = page.evaluate("document.body.dataset.refreshed")
    choose_commune(page, "Barcelonn", "Barcelonnette")
    page.wait_for_url(re.compile("commune=04019"))
    wait_until(page, f"document.body.dataset.refreshed !== '{listed}'", timeout=20)
    show_chips(page, phone)
    wait_until(page, f"({COUNTED}) !== '{before}'", timeout=20)
    wait_until(
        page, "[...document.querySelectorAll('.chip[data-category]')].every(c => c.disabled)"
    )
    state = chips_state(page)
    assert all(
        disabled and count == "0" and text == "0" for disabled, count, text in state.values()
    )
    assert_chips_say(page, page.counts_answers[-1][1])
    assert_one_request_per_view(page)
    assert_clean(page)
