"""The whole merchant journey in Chromium, desktop and 390 × 844 phone, through visible
links only after the first page: sign up, confirm, find and claim an imported listing with
a code, add a photo, set hours with a 25 December closure, create a réveillon catalogue
and a campaign with slots (the listing stays online all along); a resident orders; the
merchant gets the alert e-mail, accepts the order and prints the preparation list.

The merchant's clicks and the journey's duration are printed (``-s`` shows them) and
bounded. Navigation goes through ``Journey.link``/``Journey.button`` (visible text and
role) so that a change of the site's header only changes the names given here.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from django.core import mail
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from geo_directory.businesses.models import Business
from geo_directory.orders.models import Order
from tests.browser.conftest import ARTIFACTS, wait_until, watch
from tests.factories import in_days, make_listing

pytestmark = [pytest.mark.browser]

PASSWORD = "Pompe-a-huile-2026!"
SHOP = "Fournil des Accoules"
SHOP_EMAIL = "contact@fournil-accoules.fr"
# Sanity bounds, far above what the journey takes today: a regression that doubles the
# clicks (a lost link, an extra confirmation page) or stalls a page fails the test.
MAX_MERCHANT_CLICKS = 60
MAX_SECONDS = 240


def shop_front_jpeg() -> bytes:
    image = Image.new("RGB", (1200, 900), (120, 40, 30))
    ImageDraw.Draw(image).rectangle((200, 200, 1000, 800), fill=(235, 200, 120))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Journey:
    """One person's browser tab: clicks by visible text and role, counted; every page
    reached is checked for JavaScript errors, console errors and horizontal overflow."""

    def __init__(self, browser, site_url: str, viewport: tuple[int, int], who: str):
        phone = viewport[0] < 600
        self.context = browser.new_context(
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport={"width": viewport[0], "height": viewport[1]},
            is_mobile=phone,
            has_touch=phone,
        )
        self.page = watch(self.context.new_page())
        self.page.set_default_timeout(10_000)
        self.site_url = site_url
        self.who = who
        self.clicks = 0
        self.console_errors: list[str] = []
        self.page.on("console", self._console)
        # Map tiles come from the internet: nothing leaves the machine.
        self.page.route(
            re.compile(r"^https?://"),
            lambda route: (
                route.continue_() if route.request.url.startswith(site_url) else route.abort()
            ),
        )

    def _console(self, message):
        if message.type != "error":
            return
        # Map tiles are refused on purpose (offline, see __init__ and the TILE_URL fixture).
        if "/no-tiles/" in (message.location or {}).get("url", "") or "ERR_FAILED" in message.text:
            return
        self.console_errors.append(message.text)

    # --- acting -------------------------------------------------------------------------

    def open(self, url: str):
        """A page reached from outside the site (the first page, a link in an e-mail)."""
        self.clicks += 1
        self.page.goto(url if url.startswith("http") else self.site_url + url)
        self.check()

    def click(self, locator):
        locator.scroll_into_view_if_needed()
        locator.click()
        self.clicks += 1
        self.page.wait_for_load_state()
        self.check()

    def link(self, name, within=None):
        self.click((within or self.page).get_by_role("link", name=name).first)

    def header(self, name):
        """A link of the site's header: behind its « Menu » button on a phone."""
        toggle = self.page.locator(".sn-menu-toggle")
        if toggle.is_visible():
            self.click(toggle)
        self.link(name, within=self.page.locator("header"))

    def button(self, name, within=None):
        self.click((within or self.page).get_by_role("button", name=name).first)

    def fill(self, label, value, exact=False):
        """Fill the field labelled ``label``; ``exact``: the label starts with it (French
        labels end with « : »)."""
        if exact:
            label = re.compile(rf"^{re.escape(label)}\b")
        self.page.get_by_label(label).first.fill(value)

    def see(self, text):
        expect(self.page.get_by_text(text).first).to_be_visible()

    # --- checking -----------------------------------------------------------------------

    def check(self):
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        where = f"{self.who} on {self.page.url}"
        if overflow > 0:
            wide = self.page.evaluate(WIDEST_ELEMENTS)
            raise AssertionError(f"horizontal overflow of {overflow} px, {where}: {wide}")
        assert self.page.js_errors == [], f"JavaScript errors {self.page.js_errors}, {where}"
        assert self.console_errors == [], f"console errors {self.console_errors}, {where}"
        assert self.page.csp_violations == [], f"CSP violations {self.page.csp_violations}"

    def close(self, name: str):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        self.check()
        self.context.close()


# The innermost elements reaching past the viewport's right edge (what overflows).
WIDEST_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  const past = [...document.querySelectorAll("body *")].filter(
    (e) => !e.closest(".leaflet-container") && e.getBoundingClientRect().right > width);
  return past.filter((e) => !past.some((o) => o !== e && e.contains(o))).slice(0, 5)
    .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} → `
      + Math.round(e.getBoundingClientRect().right));
}"""


def last_mail_to(address: str, subject: str):
    for message in reversed(mail.outbox):
        if address in message.to and subject in message.subject:
            return message
    raise AssertionError(
        f"no e-mail « {subject} » to {address}: {[m.subject for m in mail.outbox]}"
    )


def first_link(message) -> str:
    """The message's first link: absolute, or a site path alone on its line."""
    return re.search(r"https?://\S+|^/\S+$", message.body, re.MULTILINE).group(0)


@pytest.fixture
def offline_tiles(settings, site_url, tmp_path):
    settings.TILE_URL = site_url + "/no-tiles/{z}/{x}/{y}.png"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CLAIM_DOCUMENTS_ROOT = tmp_path / "private"


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_merchant_journey(browser, site_url, committed_db, offline_tiles, viewport):
    suffix = "bureau" if viewport[0] > 600 else "mobile"
    email = f"fournil-{suffix}@example.fr"
    # An imported listing (OpenStreetMap) with a published e-mail, no owner, no SIRET.
    listing = make_listing(
        SHOP,
        5.3689,
        43.2985,
        street="3 montée des Accoules",
        postcode="13002",
        email=SHOP_EMAIL,
        phone="04 91 90 00 00",
        source=Business.Source.OSM,
        external_id=f"node/journey-{suffix}",
    )
    mail.outbox.clear()
    started = time.monotonic()
    me = Journey(browser, site_url, viewport, "merchant")

    # Sign up from the home page, confirm through the e-mail's link.
    me.open("/")
    me.header("Inscrire mon commerce")
    me.fill("Adresse e-mail", email)
    me.fill("Mot de passe", PASSWORD, exact=True)  # the first: then the confirmation
    me.fill("Confirmation du mot de passe", PASSWORD)
    me.button("Créer mon compte")
    me.see("Vérifiez vos e-mails")
    me.open(first_link(last_mail_to(email, "Confirmez")))
    me.see("Votre adresse est confirmée")

    # Find the shop and claim it with the code sent to its published e-mail.
    me.link("Revendiquer une fiche existante")
    me.fill("Nom du commerce", "fournil accoules")
    me.fill("Commune ou code postal", "Marseille")
    me.button("Rechercher")
    results = me.page.locator(".claim-results li", has_text=SHOP)
    expect(results).to_contain_text("3 montée des Accoules")
    expect(results).to_contain_text("13002 Marseille")
    me.link("C'est mon commerce", within=results)
    me.button("Envoyer un code par e-mail à c•••@fournil-accoules.fr")
    code = re.search(r"\b\d{6}\b", last_mail_to(SHOP_EMAIL, "Code de vérification").body)[0]
    me.fill("Code reçu (6 chiffres)", code)
    me.button("Valider le code")
    me.see(f"la fiche « {SHOP} » est maintenant la vôtre")
    listing.refresh_from_db()
    assert listing.owner.email == email

    # A photo of the shop front.
    me.header("Espace commerçant")
    me.link("Photos", within=me.page.locator(".listing-card", has_text=SHOP))
    me.page.get_by_label("Photo (JPEG, PNG ou WebP, 10 Mo au maximum)").set_input_files(
        {"name": "devanture.jpg", "mimeType": "image/jpeg", "buffer": shop_front_jpeg()}
    )
    me.fill("Description de la photo", "La devanture du fournil, montée des Accoules")
    me.button("Envoyer la photo")
    me.see("Photo ajoutée.")

    # Opening hours, closed on 25 December: published at once, the listing stays online.
    me.link("Horaires", within=me.page.locator(".merchant-nav"))
    for day in ("Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"):
        me.fill(day, "07:00-13:00, 15:30-19:30", exact=True)
    me.fill("Dimanche", "07:00-12:30", exact=True)
    me.fill("Fermetures exceptionnelles", "25/12")
    me.button("Enregistrer")
    me.see("Votre fiche est enregistrée et reste en ligne.")
    listing.refresh_from_db()
    assert "Dec 25 off" in listing.opening_hours
    assert listing.status == Business.Status.PUBLISHED

    # The réveillon catalogue and a campaign with two pickup slots.
    me.link("Catalogue", within=me.page.locator(".merchant-nav"))
    me.link("Ajouter un produit")
    me.fill("Nom", "Menu du réveillon", exact=True)
    me.fill("Prix TTC (€)", "65,00")
    me.button("Enregistrer")
    me.see("Menu du réveillon")
    me.link("Ouvrir une campagne")
    me.fill("Nom", "Réveillon 2026", exact=True)
    me.fill("Commandes jusqu'au", in_days(10, 18).strftime("%Y-%m-%dT%H:%M"))
    for row, hour in ((0, 9), (1, 14)):
        me.page.locator(f"#id_slots-{row}-starts_at").fill(
            in_days(12, hour).strftime("%Y-%m-%dT%H:%M")
        )
        me.page.locator(f"#id_slots-{row}-ends_at").fill(
            in_days(12, hour + 2).strftime("%Y-%m-%dT%H:%M")
        )
        me.page.locator(f"#id_slots-{row}-capacity").fill("8")
    me.button("Enregistrer")
    me.see("Campagne « Réveillon 2026 » enregistrée.")
    merchant_clicks = me.clicks
    merchant_seconds = time.monotonic() - started

    # A resident, from the shop on the map, orders the menu for pickup.
    resident = Journey(browser, site_url, viewport, "resident")
    resident.open(f"/?b={listing.pk}&c=43.29850,5.36890&z=17")
    resident.link("Commander", within=resident.page.locator("#detail"))
    product = resident.page.locator(".product", has_text="Menu du réveillon")
    product.get_by_label("Quantité").fill("2")
    resident.button("Ajouter au panier", within=product)
    resident.link(re.compile(r"^Mon panier \(2\)"))
    resident.link("Commander")
    pickup = resident.page.locator("input[name=fulfilment][value=pickup]")
    if pickup.count() and pickup.is_visible():
        pickup.check()
    resident.page.get_by_label("Créneau").select_option(index=1)
    resident.fill("Nom", "Fanny Cabanis", exact=True)
    resident.fill("E-mail", "fanny@example.fr")
    resident.fill("Téléphone", "06 11 22 33 44")
    resident.button("Confirmer la commande")
    number = resident.page.locator("#order-number").inner_text()
    assert re.fullmatch(r"RV-\d{4}-\d{6}", number)
    resident.close(f"journey_resident_{suffix}")

    # The merchant's alert e-mail; accept the order, print the preparation list.
    alert = last_mail_to(email, f"Nouvelle commande {number}")
    me.open(first_link(alert))
    row = me.page.locator(f"#order-{number}")
    expect(row).to_contain_text("Fanny Cabanis")
    me.button("Accepter", within=row)
    expect(me.page.locator(f"#order-{number} .status")).to_have_text("acceptée")
    me.link("liste de préparation")
    expect(me.page.locator("#totals")).to_contain_text("Menu du réveillon")
    # The button opens the browser's print dialog (headless: prints at once): seen by
    # the page's own « beforeprint » event; the printed page hides the buttons.
    me.page.evaluate(
        "window.addEventListener('beforeprint', () => { document.body.dataset.printed = 'yes' })"
    )
    me.button("Imprimer")
    wait_until(me.page, "document.body.dataset.printed === 'yes'")
    me.page.emulate_media(media="print")
    expect(me.page.get_by_role("button", name="Imprimer")).to_be_hidden()
    expect(me.page.locator("#totals")).to_be_visible()
    seconds = time.monotonic() - started
    total_clicks = me.clicks
    me.close(f"journey_merchant_{suffix}")

    assert Order.objects.get(number=number).status == Order.Status.ACCEPTED
    print(
        f"\nmerchant journey ({suffix} {viewport[0]}×{viewport[1]}): "
        f"{merchant_clicks} clicks and {merchant_seconds:.1f} s to a claimed listing with "
        f"photo, hours, catalogue and campaign; {total_clicks} merchant clicks with the "
        f"order accepted and printed; resident {resident.clicks} "
        f"clicks; {seconds:.1f} s in all"
    )
    assert total_clicks <= MAX_MERCHANT_CLICKS
    assert seconds <= MAX_SECONDS


# Marked django_db: pytest-django sets up the test database only for the aliases its
# marked tests ask for, so this module run alone needs one (committed_db has no mark).
@pytest.mark.django_db
def test_claim_page_asks_a_visitor_to_log_in(page, site_url):
    page.goto(site_url + "/espace/revendiquer/")
    page.wait_for_url("**/compte/connexion/**")
    assert page.locator("#id_username").is_visible()
    assert page.js_errors == []
