"""The merchant's journey, end to end through the views (local BAN server, locmem mail)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from geo_directory.businesses.models import Business
from geo_directory.geocoding.models import ReviewItem
from tests.factories import make_merchant, make_moderator

from .helpers import confirm_link, form_data, make_siret

pytestmark = pytest.mark.django_db
User = get_user_model()
PARIS = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture
def moderator(client):
    return make_moderator("moderatrice@sauvons-noel.fr")


def test_whole_journey(client, fake_ban, mailoutbox, moderator):
    # Sign up: the account is inactive until the e-mail link is opened.
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": "Fournil@Example.fr",
            "password1": "Pompe-a-huile-13",
            "password2": "Pompe-a-huile-13",
        },
    )
    assert response.status_code == 200 and "Vérifiez vos e-mails" in response.content.decode()
    user = User.objects.get(email="fournil@example.fr")
    assert not user.is_active
    assert not client.login(username="fournil@example.fr", password="Pompe-a-huile-13")
    assert len(mailoutbox) == 1 and "Confirmez" in mailoutbox[0].subject

    # Confirm: active and logged in; the link cannot be replayed.
    link = confirm_link(mailoutbox[0])
    assert client.get(link).url == reverse("accounts:dashboard")
    user.refresh_from_db()
    assert user.is_active
    assert client.get(link).status_code == 400

    # Create a listing: geocoded on the server through the local BAN server.
    siret = make_siret("73282932")
    response = client.post(reverse("accounts:create"), form_data(siret=siret))
    assert response.status_code == 302, response.context["form"].errors
    business = Business.objects.get(siret=siret)
    assert business.owner == user
    assert business.status == "pending"
    assert business.commune_id == "13055"
    assert business.geocode_precision == "housenumber"
    assert (round(business.location.x, 4), round(business.location.y, 4)) == (5.3776, 43.2966)
    assert business.opening_hours == (
        "Tu-Sa 07:00-13:00,15:30-19:30; Su 07:00-12:30; Jan 1,Dec 25 off"
    )
    assert {"name", "siret", "street", "postcode", "location", "opening_hours"} <= set(
        business.owned_fields
    )
    assert business not in Business.objects.published()

    # Drag-correct: the pin moved a few metres to the door (what the editor posts).
    response = client.post(
        reverse("accounts:edit", args=[business.pk]),
        form_data(siret=siret, lon="5.37772", lat="43.29668", pin_precision="manual"),
    )
    assert response.status_code == 302
    business.refresh_from_db()
    assert (business.location.x, business.location.y) == (5.37772, 43.29668)
    assert business.geocode_precision == "manual" and business.commune_id == "13055"
    assert not ReviewItem.objects.filter(business=business).exists()

    # The moderator approves in the admin; the merchant is told by e-mail.
    client.force_login(moderator)
    response = client.post(
        reverse("admin:businesses_business_changelist"),
        {"action": "approve_selected", "_selected_action": [business.pk]},
    )
    assert response.status_code == 302
    business.refresh_from_db()
    assert business.status == "published"
    assert business in Business.objects.published()
    assert "est en ligne" in mailoutbox[-1].subject and mailoutbox[-1].to == ["fournil@example.fr"]
    # A coming Tuesday at 8 (a fixed date went by: open_at reads the windows from now on).
    today = dt.datetime.now(PARIS).date()
    tuesday = today + dt.timedelta(days=(1 - today.weekday()) % 7 + 7)
    assert business in Business.objects.published().open_at(
        dt.datetime.combine(tuesday, dt.time(8, 0), tzinfo=PARIS)
    )
    # Residents find it through the public search API, near its (dragged) pin.
    lon, lat = business.location.x, business.location.y
    found = client.get(f"/api/v1/businesses/?point={lon},{lat}&dist=200").json()
    assert business.pk in [f["id"] for f in found["features"]]
    assert client.get(f"/api/v1/businesses/{business.pk}/").json()["properties"]["name"] == (
        business.name
    )


def test_login_logout_and_password_reset(client, mailoutbox):
    make_merchant("primeur@example.fr", "Clementines-84!")
    response = client.post(
        reverse("accounts:login"), {"username": "Primeur@example.fr", "password": "Clementines-84!"}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:dashboard")).status_code == 302

    client.post(reverse("accounts:password_reset"), {"email": "primeur@example.fr"})
    assert len(mailoutbox) == 1 and "mot de passe" in mailoutbox[0].subject
    link = confirm_link(mailoutbox[0])
    response = client.get(link, follow=True)
    assert "nouveau mot de passe" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "Calissons-13!", "new_password2": "Calissons-13!"})
    assert client.login(username="primeur@example.fr", password="Calissons-13!")


def test_signup_refuses_weak_passwords_without_telling_whether_the_account_exists(client):
    make_merchant("pris@example.fr")
    response = client.post(
        reverse("accounts:signup"),
        {"email": "pris@example.fr", "password1": "123", "password2": "123"},
    )
    errors = response.context["form"].errors
    assert (
        "email" not in errors
    )  # no « Un compte existe déjà » (tests/accounts/test_signup_enumeration.py)
    assert "password1" in errors


def test_merchant_cannot_edit_anothers_listing(client, fake_ban):
    owner = make_merchant("a@example.fr")
    other = make_merchant("b@example.fr")
    client.force_login(owner)
    client.post(reverse("accounts:create"), form_data(name="Chez A"))
    business = Business.objects.get(name="Chez A")

    client.force_login(other)
    url = reverse("accounts:edit", args=[business.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(name="Volé par B")).status_code == 404
    business.refresh_from_db()
    assert business.name == "Chez A" and business.owner == owner
    # Nor can an anonymous visitor.
    client.logout()
    assert client.post(url, form_data(name="Anonyme")).status_code == 302
    business.refresh_from_db()
    assert business.name == "Chez A"


def test_pin_outside_region_is_refused_with_a_french_message(client, fake_ban):
    client.force_login(make_merchant())
    response = client.post(
        reverse("accounts:create"), form_data(lon="2.3522", lat="48.8566", pin_precision="manual")
    )
    assert response.status_code == 200
    assert "hors de la Région Sud" in response.content.decode()
    assert not Business.objects.filter(name="Boulangerie du Vieux-Port").exists()


def test_unknown_address_goes_to_review_queue(client, fake_ban):
    fake_ban.stop()
    client.force_login(make_merchant())
    response = client.post(
        reverse("accounts:create"),
        form_data(street="Chemin des Oliviers", postcode="05000", city="Gap"),
    )
    assert response.status_code == 302
    business = Business.objects.get(name="Boulangerie du Vieux-Port")
    assert business.status == "pending" and business.commune_id == "05061"
    assert business.geocode_precision == "municipality"
    assert business.review_items.get().reason == "low_precision"


def test_delivery_radius_becomes_a_polygon_computed_in_postgis(client, fake_ban):
    client.force_login(make_merchant())
    client.post(
        reverse("accounts:create"),
        form_data(
            offers_delivery="on",
            delivery_radius_km="3,0",
            delivery_min_order_eur="25",
            delivery_fee_eur="3,50",
        ),
    )
    business = Business.objects.get(name="Boulangerie du Vieux-Port")
    zone = business.delivery_zone
    assert zone.geom_type == "MultiPolygon" and zone.srid == 4326
    area_km2 = zone.transform(2154, clone=True).area / 1e6
    assert 27 < area_km2 < 28.5  # pi * 3^2 = 28.27, a 64-gon a little less
    assert business in Business.objects.delivering_to(business.location)
    assert (business.delivery_min_order_cents, business.delivery_fee_cents) == (2500, 350)


def test_delivery_zone_drawn_on_the_map(client, fake_ban):
    client.force_login(make_merchant())
    polygon = (
        '{"type":"Polygon","coordinates":[[[5.37,43.29],[5.39,43.29],[5.39,43.31],'
        "[5.37,43.31],[5.37,43.29]]]}"
    )
    client.post(
        reverse("accounts:create"),
        form_data(offers_delivery="on", delivery_zone_geojson=polygon),
    )
    business = Business.objects.get(name="Boulangerie du Vieux-Port")
    assert business.delivery_zone.extent == pytest.approx((5.37, 43.29, 5.39, 43.31))


def test_duplicate_siret_is_refused(client, fake_ban):
    siret = make_siret("55203253")
    client.force_login(make_merchant())
    client.post(reverse("accounts:create"), form_data(siret=siret))
    response = client.post(reverse("accounts:create"), form_data(siret=siret, name="Autre"))
    assert "revendiquez la fiche existante" in response.content.decode()
    bad = client.post(reverse("accounts:create"), form_data(siret="12345678901234"))
    assert "Luhn" in bad.content.decode()


def test_owned_fields_record_only_what_the_merchant_changed(client, fake_ban):
    real = Business.objects.filter(source="geojson", location__isnull=False).first()
    user = make_merchant()
    real.owner = user
    real.save()
    client.force_login(user)
    response = client.get(reverse("accounts:edit", args=[real.pk]))
    data = {
        k: v
        for k, v in response.context["form"].initial.items()
        if k not in ("owner", "id") and v is not None
    }
    data.update(
        phone="04 90 00 00 00", category=real.category_id, pin_precision=real.geocode_precision
    )
    data = {k: v for k, v in data.items() if not isinstance(v, list)}
    response = client.post(reverse("accounts:edit", args=[real.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    real.refresh_from_db()
    assert real.owned_fields == ["phone"]
    assert real.status == "published"  # a phone number needs no moderator (issue #16)
