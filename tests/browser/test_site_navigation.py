"""Every page of the site, reached through visible links only, fits a 360 px phone.

A visitor and then a merchant (one listing, a campaign, an order to accept) walk the whole
site in Chromium at 360 × 740 and at 1280 × 800: home, sign-up, login, the merchant
space (dashboard, listing form, hours, photos, catalogue, product, campaign and slots,
orders, order, preparation list, claim), the shop's order page, cart and checkout, the
resident's orders, then a commune page and an error page (each the first page of its own
journey: nothing on the home page links to them). Each page fails the test on horizontal
overflow, a JavaScript or console error, a CSP violation, or a visible link or button of
the header or the merchant navigation less than 44 px tall.
"""

import base64
import re

import pytest
from playwright.sync_api import expect

from geo_directory.orders.services import place_order
from geo_directory.territory.models import Commune
from tests.browser.conftest import ARTIFACTS, finish, watch
from tests.factories import customer, lines, make_merchant, make_shop

pytestmark = pytest.mark.browser

PASSWORD = "Treize-Desserts-2026!"
# A transparent 1 × 1 PNG: every map tile, so that no page waits for (or logs) a failed tile.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PHONE, DESKTOP = {"width": 360, "height": 740}, {"width": 1280, "height": 800}
# The header's own links (not what a page adds to it: the home's search form is the map's).
TARGETS = ".sn-brand, .sn-menu-toggle, #sn-nav :is(a, button), .merchant-nav :is(a, button)"


@pytest.fixture
def merchant_shop(committed_db, settings, site_url):
    settings.TILE_URL = site_url + "/no-tiles/{z}/{x}/{y}.png"
    merchant = make_merchant("pastissier-nav@example.fr", PASSWORD)
    shop = make_shop(merchant, name="Pâtisserie des Treize Desserts")
    place_order(shop["business"], lines((shop["menu"], 1)), shop["slot"].pk, "pickup", customer())
    return shop


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone-360", "desktop"])
def walker(request, browser, site_url, merchant_shop):
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport=request.param
    )
    page = watch(context.new_page())
    page.console_errors = []
    page.on(
        "console",
        lambda m: m.type == "error" and page.console_errors.append(f"{page.url}: {m.text}"),
    )
    page.route("**/no-tiles/**", lambda route: route.fulfill(body=TILE, content_type="image/png"))
    # Nothing leaves the machine (the tile server of production included).
    page.route(
        re.compile(r"^https?://"),
        lambda route: route.fallback() if route.request.url.startswith(site_url) else route.abort(),
    )
    walk = Walk(page, site_url, request.param["width"])
    yield walk
    finish(page, request.node.name)


class Walk:
    def __init__(self, page, site_url, width):
        self.page, self.site_url, self.width, self.seen = page, site_url, width, []
        self.phone = width < 700

    def check(self, name: str):
        """The page now shown fits, logged no error, and its header and merchant links are
        touch-sized."""
        page = self.page
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # the deferred modules' first run
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide = page.evaluate(
                """() => [...document.querySelectorAll("body *")]
                  .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                  .slice(0, 8).map(e => e.tagName + "#" + e.id + "." + e.className)"""
            )
            raise AssertionError(f"{name} ({page.url}): {overflow} px too wide: {wide}")
        self.targets(name)
        assert page.js_errors == [], f"{name}: {page.js_errors}"
        assert page.console_errors == [], f"{name}: {page.console_errors}"
        assert page.csp_violations == [], f"{name}: {page.csp_violations}"
        expect(page.locator("header.sn-header .sn-brand")).to_be_visible()
        self.seen.append(name)
        ARTIFACTS.mkdir(exist_ok=True)
        slug = re.sub(r"\W+", "-", name)
        page.screenshot(path=str(ARTIFACTS / f"site-{self.width}-{len(self.seen):02d}-{slug}.png"))

    def targets(self, name: str):
        small = self.page.locator(TARGETS).evaluate_all(
            """els => els.filter(e => e.offsetParent !== null || e.getClientRects().length)
                 .map(e => [e.textContent.trim(), e.getBoundingClientRect().height])
                 .filter(([text, h]) => h > 0 && h < 44)"""
        )
        assert small == [], f"{name}: links or buttons under 44 px tall: {small}"

    def header(self, name: str, role: str = "link"):
        """Follow the site header's ``name``: on a phone, through the « Menu » button."""
        nav = self.page.locator("#sn-nav")
        target = nav.get_by_role(role, name=name, exact=True)
        if self.phone:
            assert not target.is_visible(), f"{name}: the phone's header should be folded"
            toggle = self.page.get_by_role("button", name="Menu")
            # One line: the brand and « Menu » side by side, at the top of the screen.
            brand = self.page.locator(".sn-brand").bounding_box()
            button = toggle.bounding_box()
            assert abs(brand["y"] - button["y"]) < 8 and button["y"] + button["height"] < 56, (
                f"the phone's header is not one line: {brand}, {button}"
            )
            toggle.click()
            expect(target).to_be_visible()
            self.targets(f"menu opened over {self.page.url}")
        target.click()

    def merchant(self, name: str):
        self.page.locator(".merchant-nav").get_by_role("link", name=name, exact=True).click()

    def link(self, name: str, within=None):
        (within or self.page).get_by_role("link", name=name, exact=True).first.click()


def test_every_page_fits_and_is_reached_through_visible_links(walker, merchant_shop):
    shop, walk, page = merchant_shop, walker, walker.page
    business = shop["business"]

    # A visitor: the home page, and from its header the sign-up and the merchant space.
    page.goto(walk.site_url + "/")
    walk.check("accueil")
    walk.header("Inscrire mon commerce")
    expect(page.get_by_role("heading", name="Créer un compte commerçant")).to_be_visible()
    walk.check("inscription")
    walk.header("Mes commandes")
    walk.check("mes commandes (visiteur)")
    walk.header("Espace commerçant")
    expect(page.get_by_role("heading", name="Connexion à l'espace commerçant")).to_be_visible()
    walk.check("connexion")
    walk.link("Mot de passe oublié ?")
    walk.check("mot de passe oublié")
    walk.header("Espace commerçant")

    # The merchant logs in: the dashboard, then each page of the merchant navigation.
    page.fill("#id_username", "pastissier-nav@example.fr")
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mon espace commerçant")).to_be_visible()
    walk.check("tableau de bord")
    walk.merchant("Horaires")
    expect(page.get_by_role("group", name="Horaires d'ouverture")).to_be_visible()
    walk.check("fiche : horaires")
    walk.merchant("Photos")
    walk.check("photos")
    walk.merchant("Catalogue")
    walk.check("catalogue")
    walk.link("Ajouter un produit")
    walk.check("nouveau produit")
    walk.merchant("Campagnes et créneaux")
    walk.link(shop["campaign"].name)
    expect(page.get_by_role("heading", name=re.compile("Créneaux"))).to_be_visible()
    walk.check("campagne et créneaux")
    walk.merchant("Commandes (1 nouvelle)")
    expect(page.get_by_role("heading", name=f"Commandes de {business.name}")).to_be_visible()
    walk.check("commandes reçues")
    walk.link("liste de préparation")
    walk.check("liste de préparation")
    walk.merchant("Commandes (1 nouvelle)")
    page.locator("main table a").first.click()
    expect(page.locator("#order-number")).to_be_visible()
    walk.check("commande (commerçant)")
    walk.merchant("Mes commerces")
    walk.link("Modifier la fiche")
    walk.check("fiche")
    walk.merchant("Mes commerces")
    walk.link("Créer une fiche")
    walk.check("nouvelle fiche")
    page.get_by_role("button", name="Enregistrer et soumettre à la modération").click()
    expect(page.get_by_text("Choisissez la catégorie de votre commerce.")).to_be_visible()
    expect(page.get_by_text("Ce champ est obligatoire.").first).to_be_visible()
    walk.check("nouvelle fiche : erreurs en français")
    walk.merchant("Mes commerces")
    walk.link("Revendiquer une fiche existante")
    walk.check("revendiquer")
    walk.merchant("Mon compte")
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()

    # The shop's public order page, the cart and the checkout.
    walk.merchant("Catalogue")
    walk.link("Voir la page publique")
    expect(page.get_by_role("heading", name=business.name)).to_be_visible()
    walk.check("fiche du commerce")
    walk.link(f"Commander chez {business.name}", within=page.locator("main"))
    expect(page.get_by_role("heading", name=business.name)).to_be_visible()
    walk.check("page de commande")
    page.get_by_role("button", name="Ajouter au panier").first.click()
    walk.link("Mon panier (1)")
    walk.check("panier")
    walk.link("Commander", within=page.locator("main"))
    expect(page.get_by_role("heading", name=f"Commander chez {business.name}")).to_be_visible()
    walk.check("validation de commande")
    walk.link("Qui livre chez moi ?")
    walk.check("qui livre chez moi")
    walk.header("Mes commandes")
    expect(page.get_by_role("heading", name="Mes commandes")).to_be_visible()
    walk.check("mes commandes")
    walk.header("Se déconnecter", role="button")
    walk.check("après déconnexion")
    walk.header("Espace commerçant")
    expect(page.get_by_role("heading", name="Connexion à l'espace commerçant")).to_be_visible()

    # Pages no link of the home page leads to: each the first page of its own journey.
    commune = Commune.objects.get(code=business.commune.code)
    page.goto(f"{walk.site_url}/communes/{commune.code}/")
    walk.check("page de commune")
    walk.header("Espace commerçant")
    walk.check("connexion depuis la commune")
    page.goto(walk.site_url + "/cette-page-n-existe-pas/")
    page.console_errors.clear()  # the 404 status of the page itself, logged by Chromium
    walk.check("page d'erreur")
    walk.header("Inscrire mon commerce")
    walk.check("inscription depuis la page d'erreur")


# Marked django_db: pytest-django sets up the test database only for the aliases its
# marked tests ask for, so this module run alone needs one (committed_db has no mark).
@pytest.mark.django_db
def test_without_javascript_the_phone_header_shows_its_links(browser, site_url):
    context = browser.new_context(locale="fr-FR", viewport=PHONE, java_script_enabled=False)
    page = watch(context.new_page())
    page.goto(site_url + "/compte/inscription/")
    nav = page.locator("#sn-nav")
    for name in ("Inscrire mon commerce", "Espace commerçant", "Mes commandes"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    finish(page, "test_without_javascript_the_phone_header_shows_its_links")
