"""axe-core on every page of the site, on a desktop and a phone: no serious or critical
violation (WCAG 2.1 A/AA and axe's best practices)."""

import re

import pytest

from tests.browser.axe import violations
from tests.browser.conftest import finish, watch
from tests.browser.test_order_reveillon import offline, session_cookie
from tests.factories import make_business, make_campaign, make_product, make_slot, make_user

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture
def shop(committed_db):
    merchant = make_user("traiteur-axe", email="traiteur-axe@example.fr")
    business = make_business(name="Traiteur de l'accessibilité", owner=merchant, radius_m=2000)
    campaign = make_campaign(business)
    make_slot(campaign)
    make_slot(campaign, kind="delivery", hour=17)
    make_product(business)
    return business


def pages(business):
    """(name, path, needs the merchant's session)."""
    return [
        ("accueil", "/", False),
        ("fiche commerce", business.get_absolute_url(), False),
        ("commune", f"/communes/{business.commune_id}/", False),
        ("catalogue", f"/commerces/{business.pk}/commander/", False),
        ("panier", f"/commerces/{business.pk}/panier/", False),
        ("commande", f"/commerces/{business.pk}/commande/", False),
        ("mes commandes", "/mes-commandes/", False),
        ("qui livre", "/livraison/?point=5.3800,43.2973", False),
        ("connexion", "/compte/connexion/", False),
        ("inscription", "/compte/inscription/", False),
        ("introuvable", "/communes/00000/", False),
        ("espace", "/espace/", True),
        ("revendiquer", "/espace/revendiquer/", True),
        ("fiche", f"/espace/commerces/{business.pk}/", True),
        ("photos", f"/espace/commerces/{business.pk}/photos/", True),
        ("catalogue commerçant", f"/commercant/commerces/{business.pk}/catalogue/", True),
        ("commandes commerçant", "/commercant/commandes/", True),
    ]


@pytest.mark.parametrize("device", VIEWPORTS)
def test_no_serious_accessibility_violation_on_any_page(browser, site_url, shop, device):
    width, height = VIEWPORTS[device]
    found = {}
    for signed_in in (False, True):
        context = browser.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": width, "height": height}
        )
        if signed_in:
            context.add_cookies([session_cookie(shop.owner, site_url)])
        page = watch(context.new_page())
        offline(page, site_url)
        if not signed_in:  # a cart, so that the checkout shows its form
            page.goto(f"{site_url}/commerces/{shop.pk}/commander/")
            page.get_by_role("button", name="Ajouter au panier").first.click()
        for name, path, merchant in pages(shop):
            if merchant != signed_in:
                continue
            page.goto(site_url + path)
            page.wait_for_load_state("networkidle")
            problems = violations(page)
            if problems:
                found[name] = problems
        assert page.js_errors == []
        finish(page, f"accessibility_{device}_{'merchant' if signed_in else 'resident'}")
    assert found == {}, "\n".join(f"{name}: {p}" for name, ps in found.items() for p in ps)


# Marked django_db: pytest-django sets up the test database only for the aliases its
# marked tests ask for, so this module run alone needs one (committed_db has no mark).
@pytest.mark.django_db
def test_axe_is_installed_with_the_static_assets():
    from tests.browser.axe import AXE

    assert re.search(r"axe v4\.11", AXE.read_text()[:300])
