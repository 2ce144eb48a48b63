"""The home page's two comboboxes (commune search and name suggestions, combobox.js) by
keyboard on a desktop and by touch on a 390 px phone.

Desktop: ↑ wraps to the last option and ↓ back to the first (aria-activedescendant and
aria-selected follow), Échap closes the list and keeps what was typed (the name field is a
search field, whose own Échap would empty it), Entrée with nothing highlighted takes the
first commune, and an unknown commune says « Aucune commune trouvée ». Phone: a tap
chooses. Both: a commune picked among the name suggestions recentres the map on it
(and, on a phone, closes the filter sheet). Real Chromium, real data; fails on a
JavaScript or console error, a CSP violation or a horizontal overflow.
"""

import re

import pytest

from tests.browser.conftest import wait_until

from .conftest import assert_clean, open_home

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

MARSEILLE = "/?c=43.29800,5.38100&z=13"


def options(page, listbox: str):
    return page.locator(f"#{listbox} [role=option][data-index]")


def active_is(page, box, option):
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert option.get_attribute("aria-selected") == "true"


def wrap_then_escape(page, box, listbox: str, option, typed: str):
    """↑ from nothing highlights the last option, ↓ from there wraps to the first; Échap
    closes the list and keeps ``typed``; one more letter opens it again, nothing
    highlighted, ``option`` among the answers."""
    found = options(page, listbox)
    box.press("ArrowUp")
    active_is(page, box, found.last)
    box.press("ArrowDown")
    active_is(page, box, found.first)
    box.press("Escape")
    assert page.locator(f"#{listbox}").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert box.input_value() == typed, "Échap closes the list, keeps the text"
    box.press_sequentially("v", delay=30)
    option.wait_for()
    assert box.get_attribute("aria-activedescendant") is None


def test_the_commune_search_by_keyboard_or_touch(device_page, site_url):
    page = device_page
    open_home(page, site_url + MARSEILLE)
    box = page.get_by_role("combobox", name="Commune ou code postal")
    box.fill("Zzqxw")
    page.get_by_role("option", name="Aucune commune trouvée").wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    box.fill("Aix-en-Pro")
    aix = page.get_by_role("option", name=re.compile("^Aix-en-Provence"))
    aix.wait_for()
    if page.device == "phone":
        aix.tap()
    else:
        wrap_then_escape(page, box, "commune-options", aix, "Aix-en-Pro")
        first = options(page, "commune-options").first.inner_text()
        assert first.startswith("Aix-en-Provence"), first
        box.press("Enter")  # nothing highlighted: the first commune
    page.wait_for_url(re.compile("commune=13001"))
    assert box.input_value() == "Aix-en-Provence"
    assert box.get_attribute("aria-expanded") == "false"
    wait_until(page, "Math.abs(sauvonsNoel.map.getCenter().lat - 43.53) < 0.15")
    assert_clean(page)


def test_a_commune_among_the_name_suggestions_by_keyboard_or_touch(device_page, site_url):
    page = device_page
    open_home(page, site_url + MARSEILLE)
    if page.device == "phone":
        page.get_by_role("button", name=re.compile(r"^Filtres")).click()
    field = page.get_by_role("combobox", name="Nom du commerce")
    field.click()
    field.press_sequentially("Aix-en-Pro", delay=30)
    aix = page.get_by_role("option", name=re.compile(r"^Aix-en-Provence Commune$"))
    aix.wait_for()
    if page.device == "phone":
        aix.tap()
    else:
        wrap_then_escape(page, field, "name-search-suggestions", aix, "Aix-en-Pro")
        for _ in range(int(aix.get_attribute("data-index")) + 1):
            field.press("ArrowDown")
        active_is(page, field, aix)
        field.press("Enter")
    page.wait_for_url(re.compile("commune=13001"))
    # On a phone the field went with the closed sheet (hidden: no longer a role to find).
    assert page.locator("#name-search").get_attribute("aria-expanded") == "false"
    assert page.evaluate("!document.body.classList.contains('filters-shown')")
    wait_until(page, "Math.abs(sauvonsNoel.map.getCenter().lat - 43.53) < 0.15")
    assert_clean(page)
