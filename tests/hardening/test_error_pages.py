"""Every error a person can see is a French page in the site's look (DEBUG off, as in
production); the JSON API keeps answering JSON."""

import pytest
from django.test import Client

from tests.factories import make_merchant, make_own_listing

pytestmark = pytest.mark.django_db

ENGLISH = ("Not Found", "Forbidden", "Server Error", "Bad Request", "requested resource")


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.hardening.error_urls"


def _french_page(response, status, heading):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="fr">' in html and heading in html
    assert "/static/maps/maps." in html and "site-header" in html  # the site's look
    for word in ENGLISH:
        assert word not in html, word
    return html


def test_404_is_french(client):
    _french_page(client.get("/cette-page-n-existe-pas/"), 404, "Page introuvable")


def test_pending_listing_public_page_is_a_french_404_and_not_linked(client):
    merchant = make_merchant()
    business = make_own_listing(merchant)  # pending moderation
    client.force_login(merchant)
    catalogue = client.get(f"/commercant/commerces/{business.pk}/catalogue/").content.decode()
    assert "Voir la page publique" not in catalogue
    assert "visible une fois la fiche publiée" in catalogue
    html = _french_page(client.get(f"/commerces/{business.pk}/commander/"), 404, "introuvable")
    assert "pas encore publiée" in html


def test_403_is_french(client):
    _french_page(client.get("/test-erreur/403/"), 403, "Accès refusé")


def test_csrf_refusal_is_french():
    client = Client(enforce_csrf_checks=True)
    html = _french_page(
        client.post("/compte/connexion/", {"username": "a@example.fr", "password": "x"}),
        403,
        "Accès refusé",
    )
    assert "rechargez la page" in html


def test_400_is_french(client):
    _french_page(client.get("/test-erreur/400/"), 400, "Requête invalide")


def test_disallowed_host_is_a_french_400(client):
    _french_page(client.get("/", HTTP_HOST="pirate.example"), 400, "Requête invalide")


def test_500_is_french(client):
    client.raise_request_exception = False
    _french_page(client.get("/test-erreur/500/"), 500, "Une erreur est survenue")


def test_the_api_keeps_json_errors(client):
    response = client.get("/api/v1/pas-de-ressource/")
    assert response.status_code == 404
    assert response.json() == {"errors": {"detail": MESSAGE_404}}
    client.raise_request_exception = False
    response = client.get("/api/v1/test-erreur/500/")
    assert response.status_code == 500 and "errors" in response.json()


MESSAGE_404 = "Cette adresse ne correspond à aucune ressource."
