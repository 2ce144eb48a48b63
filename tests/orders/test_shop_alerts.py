"""The shop hears of its orders: an e-mail (owner + listing address) and a text message
(when the listing's phone is a mobile) for each new order and each cancellation, a daily
summary per slot; a refusal carries its reason to the resident."""

import io

import pytest
from django.core.management import call_command

from geo_directory.businesses.models import Business
from geo_directory.notifications import sms
from geo_directory.orders.models import Order
from geo_directory.orders.services import cancel_order, place_order
from tests.factories import customer, lines, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def listed(shop):
    """The listing publishes its own e-mail and a mobile phone."""
    Business.objects.filter(pk=shop["business"].pk).update(
        email="contact@traiteur-reformes.fr", phone="06 98 76 54 32"
    )
    shop["business"].refresh_from_db()
    shop["buche"] = make_product(shop["business"], name="Bûche pralinée", price_cents=2890)
    return shop


def _order(shop, capture, n=1):
    with capture(execute=True):
        return place_order(
            shop["business"],
            lines((shop["menu"], 2), (shop["buche"], 1)),
            shop["slot"].pk,
            "pickup",
            customer(n=n),
            site_url="https://sauvons-noel.example",
        )


def test_new_order_mails_and_texts_the_shop_with_slot_and_lines(
    listed, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    order = _order(listed, django_capture_on_commit_callbacks)
    shop_mails = [m for m in mailoutbox if m.to != ["resident1@example.fr"]]
    assert len(shop_mails) == 1
    mail = shop_mails[0]
    assert mail.to == ["chef@example.fr", "contact@traiteur-reformes.fr"]
    assert order.number in mail.subject
    assert listed["slot"].when in mail.body  # the slot, « le 12/12/2026 de 10:00 à 12:00 »
    assert "2 × Menu du réveillon : 130,00 €" in mail.body
    assert "1 × Bûche pralinée : 28,90 €" in mail.body
    assert "Total : 158,90 €" in mail.body
    assert "Résident 1" in mail.body and "06 12 34 56 78" in mail.body
    assert f"https://sauvons-noel.example/commercant/commerces/{listed['business'].pk}/" in (
        mail.body
    )
    # Never the guest's private link to the order.
    assert order.issued_access_token not in mail.body
    # The resident still gets the confirmation, last.
    assert mailoutbox[-1].to == ["resident1@example.fr"]

    assert [m.to for m in sms_outbox] == ["+33698765432"]
    text = sms_outbox[0].body
    assert order.number in text and listed["slot"].when in text
    assert "2 × Menu du réveillon" in text and "158,90 €" in text


def test_cancellation_alerts_the_shop(
    listed, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    order = _order(listed, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order)
    shop_mail = next(m for m in mailoutbox if "chef@example.fr" in m.to)
    assert "annulée" in shop_mail.subject and order.number in shop_mail.subject
    assert listed["slot"].when in shop_mail.body and "2 × Menu du réveillon" in shop_mail.body
    assert len(sms_outbox) == 1 and "annulée" in sms_outbox[0].body


def test_a_landline_gets_no_text_and_no_listing_email_means_the_owner_only(
    shop, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    Business.objects.filter(pk=shop["business"].pk).update(email="", phone="04 91 00 00 00")
    shop["buche"] = make_product(shop["business"], name="Bûche", price_cents=100)
    _order(shop, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["chef@example.fr"], ["resident1@example.fr"]]
    assert sms_outbox == []


@pytest.mark.parametrize(
    "phone,expected",
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.12.34.56.78", "+33712345678"),
        ("+33 7 12 34 56 78", "+33712345678"),
        ("04 91 00 00 00", None),
        ("0612", None),
        ("", None),
    ],
)
def test_mobile_numbers(phone, expected):
    assert sms.mobile_number(phone) == expected


def test_console_backend_prints(settings, capsys):
    settings.SMS_BACKEND = "geo_directory.notifications.sms.ConsoleBackend"
    assert sms.send_sms("0612345678", "Nouvelle commande") == 1
    assert "SMS to +33612345678" in capsys.readouterr().out


def test_daily_summary_per_slot(listed, mailoutbox, django_capture_on_commit_callbacks):
    _order(listed, django_capture_on_commit_callbacks)
    second = _order(listed, django_capture_on_commit_callbacks, n=2)
    Order.objects.filter(pk=second.pk).update(status=Order.Status.ACCEPTED)
    mailoutbox.clear()
    out = io.StringIO()
    call_command("orders_daily_summary", "--site-url", "https://sauvons-noel.example", stdout=out)
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert mailoutbox[0].to == ["chef@example.fr", "contact@traiteur-reformes.fr"]
    assert listed["slot"].when in body and "2 / 10 places réservées" in body
    assert "À accepter : 1 · acceptée : 1" in body
    assert "4 × Menu du réveillon" in body and "2 × Bûche pralinée" in body
    assert "1 récapitulatif" in out.getvalue()


def test_daily_summary_skips_closed_campaigns_and_shops_without_orders(
    listed, mailoutbox, django_capture_on_commit_callbacks
):
    call_command("orders_daily_summary", stdout=io.StringIO())
    assert mailoutbox == []  # no order yet
    _order(listed, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    listed["campaign"].__class__.objects.filter(pk=listed["campaign"].pk).update(active=False)
    call_command("orders_daily_summary", stdout=io.StringIO())
    assert mailoutbox == []
