"""Suggestions as one types in the home page's search field (maps/static/maps/js/suggest.js).

A resident types « boulagerie » (a letter missing) and is offered the trade, picks it with
the keyboard on a desktop, with a tap on a 390 px phone: the bakery category filter is on,
the field is empty, the list shows bakeries only. Typing « Pual » offers the Paul shops
and a tap opens one. No JavaScript error, no CSP violation, no horizontal overflow.
"""

import re

import pytest

from geo_directory.businesses.models import Business
from tests.browser.conftest import finish, wait_until, watch

pytestmark = pytest.mark.django_db
MARSEILLE = "/?c=43.29800,5.38100&z=13"
BAKERIES = ("Paul", "Boulangerie Marie Blachère")


@pytest.fixture(autouse=True)
def no_tiles(settings, site_url):
    settings.TILE_URL = site_url + "/no-tiles/{z}/{x}/{y}.png"  # no internet in tests


@pytest.fixture(params=["desktop", "phone"])
def device(request, browser):
    if request.param == "desktop":
        options = {"viewport": {"width": 1280, "height": 800}}
    else:
        options = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", **options)
    page = watch(context.new_page())
    page.device = request.param
    yield page
    finish(page, f"suggest-{request.param}")


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def pick(page, option):
    if page.device == "phone":
        option.tap()
    else:
        field = page.get_by_role("combobox", name="Nom du commerce")
        index = int(option.get_attribute("data-index"))
        for _ in range(index + 1):
            field.press("ArrowDown")
        assert field.get_attribute("aria-activedescendant") == option.get_attribute("id")
        field.press("Enter")


def name_field(page):
    """The name field: in the filter sheet on a phone, opened by its « Filtres » button."""
    if page.device == "phone":
        page.get_by_role("button", name=re.compile(r"^Filtres")).click()
    return page.get_by_role("combobox", name="Nom du commerce")


def result_names(page) -> set[str]:
    return set(page.locator("#results-list .result-name").all_inner_texts())


def test_typing_a_trade_with_a_typo_and_picking_it_filters_the_category(device, site_url):
    page = device
    page.goto(site_url + MARSEILLE)
    page.wait_for_selector("body[data-ready=true]")
    field = name_field(page)
    field.click()
    field.press_sequentially("boulagerie", delay=30)
    option = page.get_by_role("option", name=re.compile("Boulangerie-pâtisserie"))
    option.wait_for()
    assert field.get_attribute("aria-expanded") == "true"
    assert overflow(page) <= 0, "horizontal overflow with the suggestions open"
    pick(page, option)
    page.wait_for_url(re.compile(r"cat=boulangerie"))
    chip = page.locator('.chip[data-category="boulangerie"]')
    assert chip.get_attribute("aria-pressed") == "true"
    assert field.input_value() == "" and field.get_attribute("aria-expanded") == "false"
    wait_until(page, "!new URLSearchParams(location.search).has('q')")
    wait_until(
        page,
        "(() => { const n = [...document.querySelectorAll('#results-list .result-name')];"
        " return n.length > 0 && n.every(e => ['Paul', 'Boulangerie Marie Blachère']"
        ".includes(e.textContent)); })()",
    )
    assert result_names(page) <= set(BAKERIES)
    assert overflow(page) <= 0
    assert page.js_errors == []


def test_a_slip_in_a_shop_name_suggests_it_and_picking_it_opens_it(device, site_url):
    page = device
    page.goto(site_url + MARSEILLE)
    page.wait_for_selector("body[data-ready=true]")
    field = name_field(page)
    field.click()
    field.press_sequentially("Pual", delay=30)
    option = page.get_by_role("option", name=re.compile(r"^Paul Commerce · "))
    option.first.wait_for()
    shop = option.first
    pick(page, shop)
    page.wait_for_url(re.compile(r"[?&]b=\d+"))
    chosen = int(re.search(r"[?&]b=(\d+)", page.url).group(1))
    assert Business.objects.get(pk=chosen).name == "Paul"
    detail = page.locator("#detail")
    detail.wait_for(state="visible")
    assert page.evaluate("!document.body.classList.contains('filters-shown')")
    wait_until(page, "document.querySelector('#detail-body')?.textContent.includes('Paul')")
    assert overflow(page) <= 0
    assert page.js_errors == []
