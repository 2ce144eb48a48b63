"""Claiming a listing without a SIRET: find it by name and commune, prove it by e-mail
domain, by a code sent to its published e-mail or mobile, or by a document a moderator
checks; and the SIRET way's French messages."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from geo_directory.accounts import claims
from geo_directory.accounts.models import ListingClaim, ListingOwnership
from geo_directory.businesses.models import Business
from geo_directory.notifications import sms
from tests.factories import make_listing, make_merchant, make_moderator, make_own_listing

from .helpers import make_siret

pytestmark = pytest.mark.django_db

# Cours Belsunce, Marseille 1er.
BELSUNCE = (5.3778, 43.2985)


@pytest.fixture
def fournil():
    """An imported listing with a published e-mail and mobile, no owner, no SIRET."""
    return make_listing(
        "Fournil Cabanis",
        *BELSUNCE,
        street="12 cours Belsunce",
        postcode="13001",
        email="contact@fournil-cabanis.fr",
        phone="06 12 34 56 78",
        website="https://www.fournil-cabanis.fr/",
        source=Business.Source.OSM,
    )


@pytest.fixture
def merchant(client):
    user = make_merchant("gerante@example.fr")
    client.force_login(user)
    return user


@pytest.fixture(autouse=True)
def private_documents(settings, tmp_path):
    settings.CLAIM_DOCUMENTS_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    sms.outbox.clear()
    return settings.CLAIM_DOCUMENTS_ROOT


def search(client, **params):
    return client.get(reverse("accounts:claim"), params)


def listing_page(business):
    return reverse("accounts:claim_listing", args=[business.pk])


def send_code(client, business, channel="email"):
    return client.post(listing_page(business), {"action": "code", "channel": channel})


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


# --- finding « my shop » -----------------------------------------------------------------


def test_search_by_name_and_commune_shows_name_address_commune_trade(client, merchant, fournil):
    response = search(client, name="fournil cabanis", place="Marseille")
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 commerce sans propriétaire trouvé" in page
    assert "Fournil Cabanis" in page and "12 cours Belsunce" in page
    assert "13001 Marseille" in page and fournil.category.label in page
    assert listing_page(fournil) in page


def test_search_forgives_typos_and_takes_a_postcode(client, merchant, fournil):
    page = search(client, name="fournill cabani", place="13001").content.decode()
    assert listing_page(fournil) in page


def test_search_leaves_out_owned_unpublished_and_other_communes(client, merchant, fournil):
    make_listing("Fournil Cabanis", 5.4474, 43.5265, street="2 cours Mirabeau")  # Aix
    owned = make_listing("Fournil Cabanis Sud", *BELSUNCE, owner=make_merchant("autre@x.fr"))
    pending = make_listing("Fournil Cabanis Nord", *BELSUNCE, status="pending")
    page = search(client, name="fournil cabanis", place="Marseille").content.decode()
    assert listing_page(fournil) in page
    assert "cours Mirabeau" not in page
    assert listing_page(owned) not in page and listing_page(pending) not in page
    assert "2 commerces" not in page  # exactly one

    page = search(client, name="fournil cabanis", place="Marseille", street="rue Paradis")
    assert "0 commerce sans propriétaire trouvé" in page.content.decode()
    assert "créez la fiche de votre commerce" in page.content.decode()


def test_search_uses_indexes(fournil):
    """Even with sequential scans discouraged, the search's query finds its rows through
    indexes (name full-text or the commune's listings), never by reading the table."""
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as queries:
        assert claims.find_claimable("fournil cabanis", "Marseille") == [fournil]
    listing_sql = next(q["sql"] for q in queries if "businesses_business" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + listing_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on businesses_business" not in plan, plan
    assert "business_name_tsv" in plan or "business_published_commune_id" in plan, plan


def test_search_needs_a_name_and_a_place(client, merchant):
    page = search(client, name="f", place="").content.decode()
    assert "Indiquez au moins 2 lettres du nom." in page
    assert "Ce champ est obligatoire." in page


# --- the code way ----------------------------------------------------------------------------


def test_code_by_email_makes_the_merchant_owner(client, merchant, fournil, mailoutbox):
    page = client.get(listing_page(fournil)).content.decode()
    assert "Envoyer un code par e-mail à c•••@fournil-cabanis.fr" in page
    assert "Envoyer un code par SMS au 06 •• •• •• 78" in page

    response = send_code(client, fournil)
    claim = ListingClaim.objects.get(business=fournil, user=merchant)
    assert response.url == reverse("accounts:claim_code", args=[claim.pk])
    assert [m.to for m in mailoutbox] == [["contact@fournil-cabanis.fr"]]
    code = code_in(mailoutbox[0].body)
    # Stored hashed, expiring in 30 minutes.
    assert claim.status == "code" and claim.method == "code"
    assert code not in claim.code_digest and len(claim.code_digest) == 64
    expires_in = claim.code_expires_at - timezone.now()
    assert dt.timedelta(minutes=29) < expires_in <= dt.timedelta(minutes=30)
    assert fournil.owner_id is None

    page = client.get(response.url).content.decode()
    assert "par e-mail à c•••@fournil-cabanis.fr" in page
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("accounts:claim_code", args=[claim.pk]), {"code": wrong})
    assert response.status_code == 400
    assert "Code incorrect : encore 4 essais." in response.content.decode()

    response = client.post(reverse("accounts:claim_code", args=[claim.pk]), {"code": code})
    assert response.url == reverse("accounts:edit", args=[fournil.pk])
    fournil.refresh_from_db()
    claim.refresh_from_db()
    assert fournil.owner == merchant
    assert claim.status == "approved" and claim.auto_approved and claim.code_digest == ""
    assert ListingOwnership.objects.get(business=fournil).user == merchant
    assert client.get(reverse("accounts:edit", args=[fournil.pk])).status_code == 200


def test_code_by_sms(client, merchant, fournil):
    send_code(client, fournil, "sms")
    assert [m.to for m in sms.outbox] == ["+33612345678"]
    claim = ListingClaim.objects.get(business=fournil)
    client.post(
        reverse("accounts:claim_code", args=[claim.pk]), {"code": code_in(sms.outbox[0].body)}
    )
    fournil.refresh_from_db()
    assert fournil.owner == merchant


def test_expired_code_is_refused(client, merchant, fournil, mailoutbox):
    send_code(client, fournil)
    claim = ListingClaim.objects.get(business=fournil)
    claim.code_expires_at = timezone.now() - dt.timedelta(seconds=1)
    claim.save()
    response = client.post(
        reverse("accounts:claim_code", args=[claim.pk]), {"code": code_in(mailoutbox[0].body)}
    )
    assert "Ce code a expiré : demandez-en un nouveau." in response.content.decode()
    fournil.refresh_from_db()
    assert fournil.owner is None


def test_five_wrong_codes_then_even_the_right_one_is_refused(client, merchant, fournil, mailoutbox):
    send_code(client, fournil)
    claim = ListingClaim.objects.get(business=fournil)
    code = code_in(mailoutbox[0].body)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    url = reverse("accounts:claim_code", args=[claim.pk])
    for _ in range(claims.MAX_ATTEMPTS):
        client.post(url, {"code": wrong})
    page = client.post(url, {"code": code}).content.decode()
    assert "Trop d&#x27;essais : demandez un nouveau code." in page
    fournil.refresh_from_db()
    assert fournil.owner is None

    # A new code (the same claim) starts the tries again; the old code is void.
    send_code(client, fournil)
    new = code_in(mailoutbox[-1].body)
    if new != code:
        assert "Code incorrect" in client.post(url, {"code": code}).content.decode()
    client.post(url, {"code": new})
    fournil.refresh_from_db()
    assert fournil.owner == merchant


def test_at_most_three_codes_per_claim(client, merchant, fournil, mailoutbox):
    for _ in range(claims.MAX_CODES):
        send_code(client, fournil)
    response = send_code(client, fournil)
    assert response.status_code == 400
    assert "3 codes ont déjà été envoyés" in response.content.decode()
    assert len(mailoutbox) == claims.MAX_CODES


def test_codes_are_random():
    user = make_merchant("hasard@example.fr")
    listing = make_listing("Épicerie Aléa", *BELSUNCE, email="alea@epicerie.fr")
    from django.core import mail

    seen = set()
    for _ in range(4):
        claim = claims.send_code(user, listing, "email")
        seen.add(code_in(mail.outbox[-1].body))
        claim.codes_sent = 0
        claim.save()
    assert len(seen) >= 3


def test_someone_elses_code_page_is_404(client, merchant, fournil):
    send_code(client, fournil)
    claim = ListingClaim.objects.get(business=fournil)
    client.force_login(make_merchant("intrus@example.fr"))
    assert client.get(reverse("accounts:claim_code", args=[claim.pk])).status_code == 404
    assert (
        client.post(reverse("accounts:claim_code", args=[claim.pk]), {"code": "123456"}).status_code
        == 404
    )


def test_no_code_for_an_owned_listing_or_one_without_contact(client, merchant, fournil, mailoutbox):
    bare = make_listing("Boucherie Sans Contact", *BELSUNCE, phone="04 91 00 00 00")
    page = client.get(listing_page(bare)).content.decode()
    assert "n'a publié ni adresse e-mail ni numéro de mobile" in page
    assert send_code(client, bare, "sms").status_code == 400  # a landline gets no text

    fournil.owner = make_merchant("proprio@example.fr")
    fournil.save()
    page = client.get(listing_page(fournil)).content.decode()
    assert "Cette fiche a déjà un propriétaire" in page and "Envoyer un code" not in page
    response = send_code(client, fournil)
    assert "Cette fiche a déjà un propriétaire" in response.content.decode()
    assert mailoutbox == []


# --- the domain way ----------------------------------------------------------------------------


def test_email_domain_of_the_website_owns_at_once(client, fournil):
    user = make_merchant("patron@fournil-cabanis.fr")
    client.force_login(user)
    assert "Recevoir la fiche maintenant" in client.get(listing_page(fournil)).content.decode()
    response = client.post(listing_page(fournil), {"action": "domain"})
    assert response.url == reverse("accounts:edit", args=[fournil.pk])
    fournil.refresh_from_db()
    assert fournil.owner == user
    assert ListingClaim.objects.get(business=fournil).method == "domain"


def test_other_domain_cannot_take_the_domain_way(client, merchant, fournil):
    page = client.get(listing_page(fournil)).content.decode()
    assert "Recevoir la fiche maintenant" not in page
    response = client.post(listing_page(fournil), {"action": "domain"})
    assert "ne correspond pas au site" in response.content.decode()
    fournil.refresh_from_db()
    assert fournil.owner is None


# --- the document way ------------------------------------------------------------------------


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(client, business, name, content, message="Kbis joint."):
    return client.post(
        listing_page(business),
        {"action": "document", "document": SimpleUploadedFile(name, content), "message": message},
    )


def test_document_goes_to_a_moderator_who_approves(
    client, merchant, fournil, private_documents, mailoutbox
):
    response = upload(client, fournil, "kbis.pdf", PDF)
    assert response.url == reverse("accounts:dashboard")
    claim = ListingClaim.objects.get(business=fournil)
    assert (claim.status, claim.method, claim.document_type) == ("pending", "document", "pdf")
    # Stored privately under a random name, not under MEDIA_ROOT, with no URL.
    stored = private_documents / claim.document.name
    assert stored.read_bytes() == PDF and "kbis" not in claim.document.name
    with pytest.raises(ValueError):
        _ = claim.document.url
    fournil.refresh_from_db()
    assert fournil.owner is None

    document_url = reverse("admin:accounts_listingclaim_document", args=[claim.pk])
    assert client.get(document_url).status_code == 302  # a merchant is sent to the login
    client.force_login(make_moderator("modo@sauvons-noel.fr"))
    change = client.get(reverse("admin:accounts_listingclaim_change", args=[claim.pk]))
    assert document_url in change.content.decode()
    response = client.get(document_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]

    client.post(
        reverse("admin:accounts_listingclaim_changelist"),
        {"action": "approve", "_selected_action": [claim.pk]},
    )
    fournil.refresh_from_db()
    assert fournil.owner == merchant
    assert "vous est attribuée" in mailoutbox[-1].subject


def test_document_type_is_checked_by_content(client, merchant, fournil):
    response = upload(client, fournil, "kbis.pdf", b"<html><script>alert(1)</script></html>")
    assert response.status_code == 400
    assert "Ce fichier n&#x27;est ni un PDF, ni une image JPEG ou PNG." in response.content.decode()
    assert not ListingClaim.objects.filter(business=fournil).exists()

    upload(client, fournil, "photo-devanture.png", jpeg_bytes())  # a JPEG named .png
    claim = ListingClaim.objects.get(business=fournil)
    assert claim.document_type == "jpeg" and claim.document.name.endswith(".jpg")


def test_document_too_large(client, merchant, fournil, settings):
    big = PDF + b"0" * claims.MAX_DOCUMENT_BYTES
    response = upload(client, fournil, "kbis.pdf", big)
    assert "Fichier trop lourd : 5 Mo au maximum." in response.content.decode()


# --- the SIRET way -------------------------------------------------------------------------------


def test_wrong_siret_says_so_plainly(client, merchant):
    response = client.post(reverse("accounts:claim"), {"siret": "12345678901234"})
    page = response.content.decode()
    assert "Numéro SIRET invalide : vérifiez les 14 chiffres." in page
    assert "Luhn" not in page


def test_unknown_siret_links_to_creating_the_listing(client, merchant):
    response = client.post(reverse("accounts:claim"), {"siret": make_siret("99999999")})
    page = response.content.decode()
    assert "Aucune fiche avec ce SIRET" in page
    assert f'<a href="{reverse("accounts:create")}">créez la fiche de votre commerce</a>' in page


def test_own_listing_is_not_claimed_again(client, merchant):
    own = make_own_listing(merchant, status="published")
    response = client.get(listing_page(own))
    assert response.url == reverse("accounts:edit", args=[own.pk])


def test_code_sending_is_rate_limited_per_account(client, merchant, settings, rate_window):
    """Each code e-mails or texts a shop: an account cannot make us spam many shops."""
    settings.RATE_LIMITS = {"claim_code": {"account": (2, 3600)}}
    shops = [
        make_listing(f"Épicerie Numéro {n}", *BELSUNCE, email=f"epicerie{n}@example.fr")
        for n in range(3)
    ]
    assert send_code(client, shops[0]).status_code == 302
    assert send_code(client, shops[1]).status_code == 302
    response = send_code(client, shops[2])
    assert response.status_code == 429
    assert "Trop de codes demandés" in response.content.decode()


def test_the_documents_folder_is_set_from_the_environment(tmp_path):
    """A server keeps the proofs on a persistent volume named by its environment."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "proofs"
    code = (
        "import django; django.setup();"
        "from geo_directory.accounts.storage import PrivateStorage;"
        "print(PrivateStorage().location)"
    )
    env = {
        **os.environ,
        "CLAIM_DOCUMENTS_ROOT": str(folder),
        "DJANGO_SETTINGS_MODULE": "geo_directory.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(folder.resolve())
