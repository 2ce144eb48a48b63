import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_home_page_renders_in_french(page, site_url):
    page.goto(site_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Sauvons Noël" in page.title()
    assert page.js_errors == []
