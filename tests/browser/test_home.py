import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_home_page_renders_in_french(page, site_url):
    page.goto(site_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Sauvons Noël" in page.title()
    assert page.js_errors == []


def test_api_docs_render_under_the_csp(page, site_url):
    page.goto(site_url + "/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert page.locator(".swagger-ui .opblock").count() >= 5
    assert page.js_errors == []
    # The page fixture fails the test on any Content Security Policy violation.
