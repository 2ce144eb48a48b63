"""The shop page /commerces/<id>-<slug>/ (geo_directory/shops), through Django's client
against the real PostGIS: content without JavaScript, SEO, redirects, French errors,
the owner's preview of a listing under moderation, and the links that lead to it."""

import html as htmlmod
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from geo_directory.businesses import hours
from geo_directory.businesses.models import Business
from geo_directory.photos.services import add_photo
from geo_directory.shops.seo import opening_hours_specification
from tests.factories import make_campaign, make_listing, make_merchant, make_user, set_zone_radius
from tests.photos.images import small_jpeg

from .conftest import json_ld, meta

pytestmark = pytest.mark.django_db
ALT = "Vitrine de la boulangerie décorée pour Noël"


@pytest.fixture
def bakery(media_root):
    shop = make_listing(
        "Boulangerie Noël & Fils",
        5.3698,
        43.2951,
        street="12 quai du Port",
        postcode="13002",
        phone="04 91 00 00 00",
        website="https://boulangerie-noel.example.fr/",
        opening_hours="24/7",
        opening_hours_text="tous les jours, même à Noël",
        offers_pickup=True,
        description="Pompes à l'huile et treize desserts.",
    )
    set_zone_radius(shop, 2000)
    add_photo(shop, SimpleUploadedFile("vitrine.jpg", small_jpeg()), ALT)
    return shop


def get_page(client, business):
    response = client.get(business.get_absolute_url())
    assert response.status_code == 200, response.status_code
    return response, response.content.decode()


def test_absolute_url_is_the_url_pattern(bakery):
    assert bakery.get_absolute_url() == f"/commerces/{bakery.pk}-boulangerie-noel-fils/"
    assert bakery.get_absolute_url() == reverse(
        "shops:shop", args=[bakery.pk, "boulangerie-noel-fils"]
    )


def test_page_shows_the_shop_without_javascript(client, bakery):
    make_campaign(bakery)
    response, html = get_page(client, bakery)
    text = htmlmod.unescape(re.sub(r"<[^>]+>", " ", html))
    assert "<h1>Boulangerie Noël &amp; Fils</h1>" in html
    assert "Boulangerie" in text  # the trade
    assert "12 quai du Port" in text and "13002 Marseille" in text
    assert "Ouvert 24 h/24" in text
    assert "Horaires communiqués : tous les jours, même à Noël" in text
    assert "Tous les jours : 24 h/24" in text or "Ouvert 24 h/24, 7 j/7" in text
    assert 'href="tel:0491000000"' in html
    assert 'href="https://boulangerie-noel.example.fr/"' in html
    assert "Livraison dans un rayon de 2 km" in text
    # Directions to the shop: its coordinates, no start point (no visitor position).
    directions = re.search(r'href="(https://www\.openstreetmap\.org/directions[^"]*)"', html)[1]
    assert directions.endswith("route=%3B43.29510%2C5.36980")
    assert 'href="geo:43.295100,5.369800"' in html
    order = reverse("orders:catalogue", args=[bakery.pk])
    assert re.search(rf'href="{order}"[^>]*>Commander', html)
    img = re.search(r"<img [^>]*>", html)[0]
    assert f'alt="{ALT}"' in htmlmod.unescape(img) and "srcset=" in img and " 320w" in img
    # The map is an enhancement: its data is embedded, no inline script.
    assert 'id="sn-shop" type="application/json"' in html
    assert not re.search(r"<script>(?!</script>)|<script(?![^>]*(?:src=|type=))", html)
    assert response["Cache-Control"].startswith("public")
    assert "Cookie" in response["Vary"]


def test_json_ld_canonical_and_opengraph(client, bakery):
    _, html = get_page(client, bakery)
    canonical = f"http://testserver/commerces/{bakery.pk}-boulangerie-noel-fils/"
    assert f'<link rel="canonical" href="{canonical}">' in html
    [data] = json_ld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "LocalBusiness"
    assert data["name"] == "Boulangerie Noël & Fils"
    assert data["url"] == canonical
    assert data["telephone"] == "04 91 00 00 00"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "12 quai du Port",
        "postalCode": "13002",
        "addressLocality": "Marseille",
        "addressRegion": "Provence-Alpes-Côte d'Azur",
        "addressCountry": "FR",
    }
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 43.2951, "longitude": 5.3698}
    [spec] = data["openingHoursSpecification"]
    assert spec["dayOfWeek"] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
    ]  # fmt: skip
    assert (spec["opens"], spec["closes"]) == ("00:00", "23:59")
    assert data["image"][0].startswith("http://testserver/")
    assert meta(html, "og:title") == "Boulangerie Noël &amp; Fils — Marseille"
    assert meta(html, "og:url") == canonical
    assert meta(html, "og:image") == data["image"][0]
    assert htmlmod.unescape(meta(html, "og:image:alt")) == ALT


def week(expression: str):
    return hours.compute(expression).week


def test_opening_hours_specification_from_osm_hours():
    specs = opening_hours_specification(week("Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00"))
    weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    assert [(s["dayOfWeek"], s["opens"], s["closes"]) for s in specs] == [
        (weekdays, "08:00", "12:30"),
        (weekdays, "14:00", "19:00"),
        (["Saturday"], "08:00", "13:00"),
    ]
    # Over midnight: split at it.
    specs = opening_hours_specification(week("Fr 22:00-02:00"))
    assert [(s["dayOfWeek"], s["opens"], s["closes"]) for s in specs] == [
        (["Friday"], "22:00", "23:59"),
        (["Saturday"], "00:00", "02:00"),
    ]
    assert opening_hours_specification(None) == []


def test_json_ld_cannot_close_its_script_element(client):
    shop = make_listing("Chez </script><script>alert(1)</script> Lulu", 5.3698, 43.2951)
    _, html = get_page(client, shop)
    assert "<script>alert(1)" not in html
    assert json_ld(html)[0]["name"] == "Chez </script><script>alert(1)</script> Lulu"


def test_wrong_or_missing_slug_redirects_permanently(client, bakery):
    canonical = bakery.get_absolute_url()
    for path in (f"/commerces/{bakery.pk}-ancien-nom/", f"/commerces/{bakery.pk}/"):
        response = client.get(path)
        assert response.status_code == 301
        assert response["Location"] == canonical


def test_unknown_shop_is_a_french_404(client):
    top = Business.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(f"/commerces/{top + 1000}-nulle-part/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Page introuvable" in html
    assert "Not Found" not in html
    # Beyond PostgreSQL's bigint: still a French 404, not a 500.
    for path in ("/commerces/99999999999999999999-x/", "/sitemap-commerces-999999999999999.xml"):
        response = client.get(path)
        assert response.status_code == 404 and "Page introuvable" in response.content.decode()


@pytest.fixture
def pending(media_root):
    owner = make_merchant("santons@example.fr", "Santons-Aubagne-2026!")
    shop = make_listing(
        "Santons de la Treille",
        5.3698,
        43.2951,
        owner=owner,
        status=Business.Status.PENDING,
        phone="04 42 00 00 00",
    )
    return shop


def test_pending_listing_is_a_preview_for_its_owner_and_staff(client, pending):
    for user in (pending.owner, make_user("moderatrice", is_staff=True)):
        client.force_login(user)
        response, html = get_page(client, pending)
        assert "Aperçu : votre fiche est en cours de validation" in html
        assert "<h1>Santons de la Treille</h1>" in html
        assert '<meta name="robots" content="noindex">' in html
        assert json_ld(html) == [] and 'rel="canonical"' not in html
        assert "private" in response["Cache-Control"]
        client.logout()


def test_pending_listing_is_a_french_page_for_others(client, pending):
    anonymous = client.get(pending.get_absolute_url())
    client.force_login(make_merchant("autre@example.fr", "Autre-Commercant-2026!"))
    other = client.get(pending.get_absolute_url())
    for response in (anonymous, other):
        assert response.status_code == 404
        html = response.content.decode()
        assert "Cette fiche est en cours de validation" in html
        assert '<html lang="fr">' in html
        assert "Santons de la Treille" not in html and "04 42" not in html


def test_merged_and_closed_listings_are_gone_in_french(client):
    survivor = make_listing("Pâtisserie du Panier", 5.3698, 43.2951)
    merged = make_listing("Patisserie Panier", 5.3698, 43.2951)
    Business.objects.filter(pk=merged.pk).update(merged_into=survivor)
    closed = make_listing("Mercerie fermée", 5.3698, 43.2951, status=Business.Status.CLOSED)
    response = client.get(merged.get_absolute_url())
    assert response.status_code == 410
    html = response.content.decode()
    assert "Cette fiche n’est plus en ligne" in html
    assert f'href="{survivor.get_absolute_url()}"' in html
    response = client.get(closed.get_absolute_url())
    assert response.status_code == 410
    assert "a fermé ou a été retiré" in response.content.decode()


def test_commune_page_rows_link_to_shop_pages_and_offer_ordering(client):
    traiteur = make_listing("AAA Traiteur du Réveillon", 5.3698, 43.2951, category="traiteur")
    other = make_listing("AAA Traiteur sans campagne", 5.3699, 43.2952, category="traiteur")
    make_campaign(traiteur)
    html = client.get("/communes/13055/").content.decode()
    card = re.search(
        rf'<li class="business-card" id="commerce-{traiteur.pk}".*?</li>\s', html, re.S
    )
    assert f'<h3><a href="{traiteur.get_absolute_url()}">' in card[0]
    assert f'href="/commerces/{traiteur.pk}/commander/"' in card[0]
    card = re.search(rf'id="commerce-{other.pk}".*?</li>\s', html, re.S)
    assert f'<h3><a href="{other.get_absolute_url()}">' in card[0]
    assert "commander" not in card[0]


def test_merchant_pages_link_to_the_public_page(client, pending):
    client.force_login(pending.owner)
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    link = f'<a href="{pending.get_absolute_url()}">Aperçu de la page publique</a>'
    assert link in dashboard
    # Once published, the catalogue's « Voir la page publique » too (tests/hardening checks
    # that a pending listing's catalogue page does not offer it).
    Business.objects.filter(pk=pending.pk).update(status=Business.Status.PUBLISHED)
    catalogue = client.get(reverse("orders:catalogue_admin", args=[pending.pk])).content.decode()
    assert f'<a href="{pending.get_absolute_url()}">Voir la page publique</a>' in catalogue
    Business.objects.filter(pk=pending.pk).update(status=Business.Status.PENDING)
    # And it is the preview, not a bare « Not Found ».
    assert "Aperçu : votre fiche" in client.get(pending.get_absolute_url()).content.decode()


def test_api_features_carry_the_page_url_and_the_detail_its_status_and_photos(client, bakery):
    listed = client.get("/api/v1/businesses/?point=5.3698,43.2951&dist=50").json()["features"]
    [found] = [f for f in listed if f["id"] == bakery.pk]
    assert found["properties"]["url"] == bakery.get_absolute_url()
    detail = client.get(f"/api/v1/businesses/{bakery.pk}/").json()["properties"]
    assert detail["url"] == bakery.get_absolute_url()
    assert detail["opening_status"] == "Ouvert 24 h/24"
    assert detail["opening_hours_text"] == "tous les jours, même à Noël"
    [photo] = detail["photos"]
    assert set(photo) == {"src", "srcset", "alt", "width", "height"}
    assert photo["alt"] == ALT and " 320w" in photo["srcset"] and photo["width"] == 640


def test_api_opening_status_of_a_shop_without_hours_is_empty(client):
    shop = make_listing("Kiosque sans horaires", 5.3698, 43.2951)
    detail = client.get(f"/api/v1/businesses/{shop.pk}/").json()["properties"]
    assert detail["opening_status"] == "" and detail["photos"] == []
