"""Refusing an order takes a reason (a choice, or free text for « Autre »), and the
resident's e-mail carries it with the shop's contact."""

import pytest

from geo_directory.businesses.models import Business
from geo_directory.orders.models import Order
from geo_directory.orders.services import place_order
from tests.factories import customer, lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop, django_capture_on_commit_callbacks):
    Business.objects.filter(pk=shop["business"].pk).update(
        phone="04 91 12 34 56", email="contact@traiteur-reformes.fr"
    )
    with django_capture_on_commit_callbacks(execute=True):
        return place_order(
            shop["business"], lines((shop["menu"], 1)), shop["slot"].pk, "pickup", customer()
        )


def _refuse(client, shop, order, capture, **data):
    client.force_login(shop["merchant"])
    with capture(execute=True):
        return client.post(
            f"/commercant/commandes/{order.number}/statut/",
            {"status": "refused", **data},
            follow=True,
        )


def test_the_dashboard_asks_for_a_reason_before_refusing(client, shop, order):
    client.force_login(shop["merchant"])
    page = client.get(f"/commercant/commerces/{shop['business'].pk}/commandes/").content.decode()
    for label in ("Rupture de stock", "Créneau complet", "Hors zone de livraison", "Autre"):
        assert label in page
    assert f"Confirmer le refus de {order.number}" in page


@pytest.mark.parametrize("data", [{}, {"reason": "autre"}, {"reason": "autre", "note": "  "}])
def test_a_refusal_without_a_reason_is_not_applied(
    client, shop, order, mailoutbox, django_capture_on_commit_callbacks, data
):
    sent = len(mailoutbox)
    response = _refuse(client, shop, order, django_capture_on_commit_callbacks, **data)
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert "motif du refus" in response.content.decode()
    assert len(mailoutbox) == sent


def test_the_customer_mail_carries_the_reason_and_the_shop_contact(
    client, shop, order, mailoutbox, django_capture_on_commit_callbacks
):
    _refuse(client, shop, order, django_capture_on_commit_callbacks, reason="rupture")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUSED
    mail = mailoutbox[-1]
    assert mail.to == ["resident1@example.fr"] and "refusée" in mail.subject
    assert "Motif : Rupture de stock" in mail.body
    assert "04 91 12 34 56" in mail.body and "contact@traiteur-reformes.fr" in mail.body
    # The owner's private account address is not given out.
    assert "chef@example.fr" not in mail.body
    assert order.events.get(status="refused").note == "Rupture de stock"


def test_other_reason_sends_the_free_text(
    client, shop, order, mailoutbox, django_capture_on_commit_callbacks
):
    _refuse(
        client,
        shop,
        order,
        django_capture_on_commit_callbacks,
        reason="autre",
        note="Fermeture exceptionnelle le 24",
    )
    order.refresh_from_db()
    assert order.status == Order.Status.REFUSED
    assert "Motif : Fermeture exceptionnelle le 24" in mailoutbox[-1].body
