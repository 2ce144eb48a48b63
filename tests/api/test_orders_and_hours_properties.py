"""The map's « Commander » button and hours in words come from the API's properties."""

import datetime as dt

import pytest
from django.utils import timezone

from geo_directory.orders.models import Campaign
from tests.factories import make_listing

from .conftest import features

pytestmark = pytest.mark.django_db


def test_takes_orders_follows_an_open_ordering_campaign(client):
    traiteur = make_listing("Traiteur du Réveillon", 5.3815, 43.2985, category="traiteur")
    closed = make_listing("Traiteur fermé", 5.3816, 43.2986, category="traiteur")
    Campaign.objects.create(
        business=traiteur, name="Réveillon 2026", cutoff_at=timezone.now() + dt.timedelta(days=20)
    )
    Campaign.objects.create(  # past its cut-off: no longer takes orders
        business=closed, name="Réveillon 2025", cutoff_at=timezone.now() - dt.timedelta(days=1)
    )
    found = {
        f["id"]: f["properties"]["takes_orders"]
        for f in features(client.get("/api/v1/businesses/?point=5.3815,43.2985&dist=100"))
    }
    assert found[traiteur.id] is True
    assert found[closed.id] is False
    detail = client.get(f"/api/v1/businesses/{traiteur.id}/").json()
    assert detail["properties"]["takes_orders"] is True


def test_hours_are_given_in_french_words(client):
    shop = make_listing(
        "Fromagerie des Halles",
        5.3815,
        43.2985,
        category="fromagerie",
        opening_hours="Mo-Sa 08:00-12:30,14:00-19:00; Dec 24,Dec 31 off",
    )
    properties = client.get(f"/api/v1/businesses/{shop.id}/").json()["properties"]
    assert properties["opening_hours"] == "Mo-Sa 08:00-12:30,14:00-19:00; Dec 24,Dec 31 off"
    text = properties["hours_text"].lower()
    assert "lundi" in text and "samedi" in text and "12 h 30" in text
    assert "24" in text and "décembre" in text
