"""Issue #16: a published listing stays online while its owner edits it.

Hours, closures, phone… are published at once; name, category, position and SIRET wait in
a pending revision that a moderator approves or rejects in the admin. At every moment the
listing answers in the API (list and detail), on its commune's page and on its order page.
"""

import math
import re

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from geo_directory.businesses.models import Business, Category
from tests.factories import (
    make_campaign,
    make_merchant,
    make_moderator,
    make_product,
    make_slot,
)

pytestmark = pytest.mark.django_db

# Place de l'Église, Moustiers-Sainte-Marie: a village whose commune page fits on one page.
MOUSTIERS = (6.22195, 43.84605)
# ~150 m north-east, still in the village.
MOUSTIERS_MOVED = (6.22330, 43.84700)
HOURS = "Tu-Sa 07:00-13:00,15:30-19:30; Su 07:00-12:30; Jan 1,Dec 25 off"
OLD_NAME = "Fournil de la Faïence"
NEW_NAME = "Fournil des Étoiles"


@pytest.fixture
def owner():
    return make_merchant("fournil@moustiers.fr")


@pytest.fixture
def moderator():
    return make_moderator("moderatrice@sauvons-noel.fr")


@pytest.fixture
def shop(owner):
    """The owner's published bakery, taking orders (campaign, slot, product)."""
    business = Business.objects.create(
        name=OLD_NAME,
        category=Category.objects.get(slug="boulangerie"),
        location=Point(*MOUSTIERS, srid=4326),
        geocode_precision="manual",
        street="Place de l'Église",
        postcode="04360",
        phone="04 92 00 00 00",
        opening_hours=HOURS,
        offers_pickup=True,
        owner=owner,
        status=Business.Status.PUBLISHED,
    )
    campaign = make_campaign(business)
    make_slot(campaign)
    make_product(business, name="Pompe à l'huile", price_cents=900)
    return business


def edit_data(business, **overrides) -> dict:
    """The edit form as the merchant's browser posts it, unchanged unless overridden."""
    data = {
        "name": business.name,
        "category": business.category_id,
        "siret": business.siret or "",
        "street": business.street,
        "postcode": business.postcode,
        "city": business.commune.name,
        "phone": business.phone,
        "email": "",
        "website": "",
        "description": "",
        "hours_0": "",
        "hours_1": "07:00-13:00, 15:30-19:30",
        "hours_2": "07:00-13:00, 15:30-19:30",
        "hours_3": "07:00-13:00, 15:30-19:30",
        "hours_4": "07:00-13:00, 15:30-19:30",
        "hours_5": "07:00-13:00, 15:30-19:30",
        "hours_6": "07:00-12:30",
        "closures": "25/12, 01/01",
        "offers_pickup": "on",
        "delivery_radius_km": "",
        "lon": str(business.location.x),
        "lat": str(business.location.y),
        "pin_precision": "manual",
        "pin_score": "",
        "delivery_zone_geojson": "",
    }
    data.update(overrides)
    return data


def public_view(client, business) -> dict:
    """What a resident sees now, through the real views (anonymous, no cookie)."""
    client.logout()
    listing = client.get("/api/v1/businesses/", {"commune": business.commune_id, "page_size": 200})
    assert listing.status_code == 200
    in_list = {f["id"]: f for f in listing.json()["features"]}
    detail = client.get(f"/api/v1/businesses/{business.pk}/")
    commune_page = client.get(reverse("maps:commune", args=[business.commune_id]))
    order_page = client.get(reverse("orders:catalogue", args=[business.pk]))
    return {
        "in_list": in_list.get(business.pk),
        "detail": detail.json() if detail.status_code == 200 else None,
        "detail_status": detail.status_code,
        "commune_page": commune_page.content.decode(),
        "order_status": order_page.status_code,
        "order_page": order_page.content.decode(),
    }


def assert_online(client, business, name):
    seen = public_view(client, business)
    assert seen["in_list"] is not None, "absent de la liste de l'API"
    assert seen["in_list"]["properties"]["name"] == name
    assert seen["detail_status"] == 200
    assert seen["detail"]["properties"]["name"] == name
    assert seen["order_status"] == 200
    assert name in seen["order_page"]
    assert name in seen["commune_page"]
    return seen


def save(client, owner, business, **overrides):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:edit", args=[business.pk]), edit_data(business, **overrides)
    )
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(response.url)
    return page.content.decode()


def test_an_hours_edit_keeps_the_listing_online_at_every_moment(client, owner, moderator, shop):
    assert_online(client, shop, OLD_NAME)

    # A closure on 26 December: published at once, never offline.
    page = save(client, owner, shop, closures="25/12, 26/12, 01/01")
    seen = assert_online(client, shop, OLD_NAME)
    assert "Publié immédiatement : horaires." in page
    assert "soumise à la modération" not in page
    shop.refresh_from_db()
    assert shop.status == "published"
    assert "Dec 25,Dec 26" in shop.opening_hours
    assert "Dec 25,Dec 26" in seen["detail"]["properties"]["opening_hours"]
    assert not shop.revisions.exists()  # nothing for a moderator

    # Then a new name: still online under the old one, and after the moderator's approval.
    save(client, owner, shop, name=NEW_NAME, closures="25/12, 26/12, 01/01")
    assert_online(client, shop, OLD_NAME)
    client.force_login(moderator)
    revision = shop.revisions.get(state="pending")
    response = client.post(
        reverse("admin:businesses_listingrevision_changelist"),
        {"action": "approve_selected", "_selected_action": [revision.pk]},
    )
    assert response.status_code == 302
    assert_online(client, shop, NEW_NAME)


def test_a_name_change_shows_the_old_name_until_approved(
    client, owner, moderator, shop, mailoutbox
):
    page = save(client, owner, shop, name=NEW_NAME)
    seen = assert_online(client, shop, OLD_NAME)
    assert NEW_NAME not in seen["commune_page"]
    assert "En attente de validation par un modérateur : nom" in page
    # The edit page shows the pending change and pre-fills the form with the proposal.
    assert f"En attente de validation :</strong> nom « {OLD_NAME} » → « {NEW_NAME} »" in page
    assert f'value="{NEW_NAME}"' in page
    client.force_login(owner)
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert f"nom « {OLD_NAME} » → « {NEW_NAME} »" in dashboard

    seen = assert_online(client, shop, OLD_NAME)  # still, after the merchant's pages
    assert NEW_NAME not in seen["detail"]["properties"]["name"]
    shop.refresh_from_db()
    assert shop.name == OLD_NAME and shop.status == "published"

    # The moderator reads a diff: the field, the public value, the proposed one.
    client.force_login(moderator)
    admin_list = client.get(reverse("admin:businesses_listingrevision_changelist"))
    assert admin_list.status_code == 200
    text = admin_list.content.decode()
    assert re.search(rf"<th>nom</th><td>{OLD_NAME}</td><td>{NEW_NAME}</td>", text)
    revision = shop.revisions.get(state="pending")
    change = client.get(reverse("admin:businesses_listingrevision_change", args=[revision.pk]))
    assert OLD_NAME in change.content.decode() and NEW_NAME in change.content.decode()
    # The listing's own admin page points to it too.
    listing_page = client.get(reverse("admin:businesses_business_change", args=[shop.pk]))
    assert f"nom « {OLD_NAME} » → « {NEW_NAME} »" in listing_page.content.decode()

    client.post(
        reverse("admin:businesses_listingrevision_changelist"),
        {"action": "approve_selected", "_selected_action": [revision.pk]},
    )
    seen = assert_online(client, shop, NEW_NAME)
    assert OLD_NAME not in seen["commune_page"]
    revision.refresh_from_db()
    assert (revision.state, revision.decided_by) == ("approved", moderator)
    mail = mailoutbox[-1]
    assert mail.to == ["fournil@moustiers.fr"]
    assert mail.subject == f"Vos modifications de « {NEW_NAME} » sont en ligne"
    assert f"nom « {OLD_NAME} » → « {NEW_NAME} »" in mail.body
    shop.refresh_from_db()
    assert "name" in shop.owned_fields
    client.force_login(owner)
    page = client.get(reverse("accounts:edit", args=[shop.pk])).content.decode()
    assert "En attente de validation" not in page


def test_a_rejected_name_keeps_the_old_one(client, owner, moderator, shop, mailoutbox):
    save(client, owner, shop, name=NEW_NAME)
    revision = shop.revisions.get(state="pending")
    client.force_login(moderator)
    url = reverse("admin:businesses_listingrevision_changelist")
    form = client.post(url, {"action": "reject_selected", "_selected_action": [revision.pk]})
    assert "Motif du refus" in form.content.decode()
    client.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [revision.pk],
            "reason": "Le nom doit être celui de l'enseigne.",
        },
    )
    revision.refresh_from_db()
    assert revision.state == "rejected" and revision.reason.startswith("Le nom doit")
    mail = mailoutbox[-1]
    assert mail.to == ["fournil@moustiers.fr"]
    assert "n'ont pas été acceptées" in mail.subject
    assert "Motif : Le nom doit être celui de l'enseigne." in mail.body
    seen = assert_online(client, shop, OLD_NAME)
    assert NEW_NAME not in seen["commune_page"]
    client.force_login(owner)
    page = client.get(reverse("accounts:edit", args=[shop.pk])).content.decode()
    assert "En attente de validation" not in page
    assert f'value="{OLD_NAME}"' in page


def test_a_moved_pin_waits_and_the_api_keeps_the_old_point(client, owner, moderator, shop):
    lon, lat = MOUSTIERS_MOVED
    page = save(client, owner, shop, lon=str(lon), lat=str(lat))
    seen = assert_online(client, shop, OLD_NAME)
    assert "En attente de validation par un modérateur : position" in page
    assert seen["detail"]["geometry"]["coordinates"] == pytest.approx(list(MOUSTIERS), abs=1e-9)
    assert seen["in_list"]["geometry"]["coordinates"] == pytest.approx(list(MOUSTIERS), abs=1e-9)
    # The merchant's pin editor starts from the proposed point.
    client.force_login(owner)
    form = client.get(reverse("accounts:edit", args=[shop.pk])).context["form"]
    assert (form.initial["lon"], form.initial["lat"]) == (lon, lat)

    # The moderator sees both points and how far it moved (computed in PostGIS).
    client.force_login(moderator)
    text = client.get(reverse("admin:businesses_listingrevision_changelist")).content.decode()
    assert f"{MOUSTIERS[1]:.6f}, {MOUSTIERS[0]:.6f}" in text
    assert f"{lat:.6f}, {lon:.6f}" in text
    moved = float(re.search(r"déplacée de (\d+) m", text).group(1))
    # Haversine on the mean Earth radius: Lambert-93 agrees within 0.5 % here.
    p1, p2 = math.radians(MOUSTIERS[1]), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lon - MOUSTIERS[0])
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    expected = 2 * 6371008.8 * math.asin(math.sqrt(a))
    assert 100 < expected < 200 and moved == pytest.approx(expected, rel=0.005)

    revision = shop.revisions.get(state="pending")
    client.post(
        reverse("admin:businesses_listingrevision_changelist"),
        {"action": "approve_selected", "_selected_action": [revision.pk]},
    )
    seen = assert_online(client, shop, OLD_NAME)
    assert seen["detail"]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-9)
    shop.refresh_from_db()
    assert shop.commune_id == "04135" and "location" in shop.owned_fields


def test_a_second_edit_updates_the_same_pending_revision(client, owner, shop):
    save(client, owner, shop, name=NEW_NAME)
    # The merchant comes back: the form shows the proposal; a new name and a phone.
    save(client, owner, shop, name="Fournil de Moustiers", phone="04 92 11 11 11")
    pending = shop.revisions.filter(state="pending")
    assert pending.count() == 1 and shop.revisions.count() == 1
    assert pending.get().proposed == {"name": "Fournil de Moustiers"}
    shop.refresh_from_db()
    assert (shop.name, shop.phone) == (OLD_NAME, "04 92 11 11 11")

    # Back to the public name: nothing waits any more.
    page = save(client, owner, shop, name=OLD_NAME)
    assert not shop.revisions.filter(state="pending").exists()
    assert "En attente de validation" not in page


def test_a_listing_not_yet_published_stays_in_moderation_as_a_whole(client, owner, shop):
    shop.status = Business.Status.PENDING
    shop.save()
    page = save(client, owner, shop, name=NEW_NAME)
    assert "soumise à la modération" in page
    shop.refresh_from_db()
    assert (shop.name, shop.status) == (NEW_NAME, "pending")
    assert not shop.revisions.exists()
    client.logout()
    assert client.get(f"/api/v1/businesses/{shop.pk}/").status_code == 404


def test_the_radius_delivery_zone_follows_the_door_once_approved(client, owner, moderator, shop):
    delivery = {"offers_delivery": "on", "delivery_radius_km": "1"}
    save(client, owner, shop, **delivery)
    shop.refresh_from_db()
    centre = shop.delivery_zone.centroid
    assert (centre.x, centre.y) == pytest.approx(MOUSTIERS, abs=2e-5)

    lon, lat = MOUSTIERS_MOVED
    save(client, owner, shop, lon=str(lon), lat=str(lat), **delivery)
    shop.refresh_from_db()
    centre = shop.delivery_zone.centroid  # the public door's zone until the decision
    assert (centre.x, centre.y) == pytest.approx(MOUSTIERS, abs=2e-5)

    client.force_login(moderator)
    client.post(
        reverse("admin:businesses_listingrevision_changelist"),
        {"action": "approve_selected", "_selected_action": [shop.revisions.get().pk]},
    )
    shop.refresh_from_db()
    centre = shop.delivery_zone.centroid
    assert (centre.x, centre.y) == pytest.approx(MOUSTIERS_MOVED, abs=2e-5)


def test_a_new_address_placed_by_the_geocoder_waits_without_unpublishing(
    client, owner, shop, fake_ban
):
    fake_ban.stop()  # no address API: the commune's centre, a weak position to review
    page = save(
        client,
        owner,
        shop,
        street="Chemin des Oliviers",
        postcode="05000",
        city="Gap",
        lon="",
        lat="",
        pin_precision="",
    )
    seen = assert_online(client, shop, OLD_NAME)
    assert seen["detail"]["geometry"]["coordinates"] == pytest.approx(list(MOUSTIERS), abs=1e-9)
    assert "Publié immédiatement : adresse, code postal." in page
    assert "En attente de validation par un modérateur : position" in page
    shop.refresh_from_db()
    assert (shop.status, shop.street, shop.commune_id) == (
        "published",
        "Chemin des Oliviers",
        "04135",
    )
    proposed = shop.revisions.get(state="pending").proposed
    assert proposed["geocode_precision"] == "municipality"
    assert shop.review_items.get().reason == "low_precision"
