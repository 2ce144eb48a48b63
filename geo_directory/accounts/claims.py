"""Claiming an existing listing: find it, prove it is yours, become its owner.

A merchant finds « my shop » among the published listings without an owner (name and
commune, on the name search's full-text index), then proves it one of three ways:

* **domain**: the account's e-mail domain is the listing's website domain → owned at once;
* **code**: a 6-digit code sent to the listing's *published* e-mail (Django's mail
  backend) or mobile (``notifications/sms.py``), typed on the next page → owned. Codes are
  random (``secrets``), kept only as an HMAC keyed by SECRET_KEY (a database leak does not
  give them away; the 10⁶ codes are guarded by the expiry and the few tries, not by a slow
  hash), expire after ``CODE_VALIDITY`` and allow ``MAX_ATTEMPTS`` wrong tries;
* **document** (or SIRET, as before): the claim waits for a moderator, who approves or
  rejects it in the admin (``approve_claim`` / ``reject_claim``).

Ownership is recorded in ``ListingOwnership``: the new owner sees only the orders placed
from then on, never the earlier customers'.
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from geo_directory.businesses.models import Business
from geo_directory.businesses.moderation import mail_user
from geo_directory.notifications.sms import mobile_number, send_sms
from geo_directory.territory.managers import autocomplete

from .models import ListingClaim, ListingOwnership

# Webmail domains never prove that someone belongs to a business.
PUBLIC_MAIL_DOMAINS = {
    "gmail.com",
    "googlemail.com",
    "yahoo.fr",
    "yahoo.com",
    "hotmail.fr",
    "hotmail.com",
    "outlook.fr",
    "outlook.com",
    "live.fr",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "icloud.com",
    "gmx.fr",
    "bbox.fr",
    "neuf.fr",
    "proton.me",
    "protonmail.com",
}

CODE_DIGITS = 6
CODE_VALIDITY = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 5  # wrong tries per code: 5 in 10⁶
MAX_CODES = 3  # codes sent per claim (then: the document way)
RESULTS = 20  # listings shown by a search
PLACES = 5  # communes a commune/postcode text may stand for
OPEN_STATUSES = [ListingClaim.Status.PENDING, ListingClaim.Status.CODE_SENT]

# Proof documents: the types accepted, recognised by their first bytes (never by the
# name or the browser's Content-Type), and their size limit.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png"}
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}


class ClaimError(Exception):
    """A claim step that cannot be done; the message is French, for the merchant."""


# --- finding « my shop » -------------------------------------------------------------


def find_claimable(name: str, place: str, street: str = "") -> list[Business]:
    """Published listings without an owner whose name matches ``name``, in the communes
    that ``place`` (a commune name or a postcode) stands for, best match first.

    The name goes through the name search's full-text GIN index (``matching``); the
    communes through their trigram index (``autocomplete``), then the listings' partial
    index on (commune, id). ``street`` only narrows those few candidates.
    """
    codes = [commune["code"] for commune in autocomplete(place, limit=PLACES)]
    if not codes:
        return []
    found = (
        Business.objects.published().filter(owner__isnull=True, commune_id__in=codes).matching(name)
    )
    if street.strip():
        for word in street.split():
            if len(word) >= 3:
                found = found.filter(street__unaccent__icontains=word)
    return list(found.select_related("commune", "category").order_by("-relevance", "id")[:RESULTS])


# --- the ways of proving ---------------------------------------------------------------


def domain_matches(email: str, website: str) -> bool:
    """Does the account's e-mail domain prove it belongs to the listing's website?"""
    domain = email.rpartition("@")[2].lower()
    host = (urlsplit(website if "//" in website else f"//{website}").hostname or "").lower()
    host = host.removeprefix("www.")
    if not domain or not host or domain in PUBLIC_MAIL_DOMAINS:
        return False
    return host == domain or host.endswith("." + domain)


def code_destinations(business: Business) -> dict[str, str]:
    """Where a code can go: the listing's published e-mail and mobile, masked for display
    (channel → masked address). A landline cannot receive a text."""
    found = {}
    if business.email:
        try:
            validate_email(business.email)
        except Exception:
            pass
        else:
            found[ListingClaim.Channel.EMAIL] = mask_email(business.email)
    mobile = mobile_number(business.phone)
    if mobile:
        found[ListingClaim.Channel.SMS] = mask_phone(mobile)
    return found


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def mask_phone(mobile: str) -> str:
    """``+33612345678`` → ``06 •• •• •• 78``."""
    return f"0{mobile[3]} •• •• •• {mobile[-2:]}"


def open_claim(user, business: Business, **defaults) -> ListingClaim:
    """The user's open claim (waiting for a code or a moderator) on the listing, or a new one."""
    claim = (
        ListingClaim.objects.select_for_update()
        .filter(user=user, business=business, status__in=OPEN_STATUSES)
        .first()
    )
    if claim is None:
        defaults.setdefault("siret", business.siret or "")
        claim = ListingClaim.objects.create(user=user, business=business, **defaults)
    return claim


@transaction.atomic
def create_claim(user, business: Business, siret: str, message: str = "") -> ListingClaim:
    """A claim by SIRET: owned at once when the e-mail domain proves it, else moderated."""
    claim = open_claim(user, business, siret=siret, message=message)
    if business.owner_id is None and domain_matches(user.email, business.website):
        claim.method = ListingClaim.Method.DOMAIN
        claim.auto_approved = True
        approve_claim(claim, decided_by=None)
    return claim


@transaction.atomic
def claim_by_domain(user, business: Business) -> ListingClaim:
    business = Business.objects.select_for_update().get(pk=business.pk)
    if business.owner_id is not None or not domain_matches(user.email, business.website):
        raise ClaimError("Votre adresse e-mail ne correspond pas au site de ce commerce.")
    claim = open_claim(user, business)
    claim.method = ListingClaim.Method.DOMAIN
    claim.auto_approved = True
    approve_claim(claim, decided_by=None)
    return claim


def code_digest(claim: ListingClaim, code: str) -> str:
    """The HMAC stored for ``code``, bound to this claim (a digest is useless elsewhere)."""
    return salted_hmac("accounts.claim-code", f"{claim.pk}:{code}", algorithm="sha256").hexdigest()


@transaction.atomic
def send_code(user, business: Business, channel: str) -> ListingClaim:
    """Send a new code to the listing's published e-mail or mobile; the claim waits for it."""
    business = Business.objects.select_for_update().get(pk=business.pk)
    if business.owner_id is not None:
        raise ClaimError("Cette fiche a déjà un propriétaire : envoyez plutôt un justificatif.")
    if channel not in code_destinations(business):
        raise ClaimError("Ce commerce n'a pas publié de coordonnées pour recevoir un code.")
    claim = open_claim(user, business)
    if claim.codes_sent >= MAX_CODES:
        raise ClaimError(
            f"{MAX_CODES} codes ont déjà été envoyés pour cette fiche : envoyez plutôt "
            "un justificatif, un modérateur le vérifiera."
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    claim.method = ListingClaim.Method.CODE
    claim.status = ListingClaim.Status.CODE_SENT
    claim.code_channel = channel
    claim.code_digest = code_digest(claim, code)
    claim.code_expires_at = timezone.now() + CODE_VALIDITY
    claim.code_attempts = 0
    claim.codes_sent += 1
    claim.save()
    minutes = int(CODE_VALIDITY.total_seconds() // 60)
    if channel == ListingClaim.Channel.EMAIL:
        send_mail(
            f"Code de vérification pour « {business.name} » — Sauvons Noël",
            "Bonjour,\n\nQuelqu'un demande à gérer la fiche de votre commerce "
            f"« {business.name} » sur Sauvons Noël. Si c'est vous, saisissez ce code sur "
            f"la page de vérification :\n\n{code}\n\nIl est valable {minutes} minutes. "
            "Sinon, ignorez ce message : la fiche ne change pas de mains.\n\n"
            "L'équipe Sauvons Noël",
            settings.DEFAULT_FROM_EMAIL,
            [business.email],
        )
    else:
        send_sms(
            business.phone,
            f"Sauvons Noël : votre code pour gérer la fiche « {business.name} » est {code} "
            f"(valable {minutes} min). Si vous n'avez rien demandé, ignorez ce message.",
        )
    return claim


def check_code(claim: ListingClaim, code: str) -> None:
    """Approve the claim if ``code`` is its current code; else raise ClaimError.

    A wrong try is counted under a row lock (parallel tries cannot exceed the limit) and
    committed before the error is raised: raising inside the transaction would roll the
    count back and allow endless tries.
    """
    error = _check_code(claim, code)
    if error:
        raise ClaimError(error)


@transaction.atomic
def _check_code(claim: ListingClaim, code: str) -> str | None:
    claim = ListingClaim.objects.select_for_update().select_related("business").get(pk=claim.pk)
    if claim.status != ListingClaim.Status.CODE_SENT or not claim.code_digest:
        return "Aucun code en attente pour cette demande."
    if claim.code_expires_at is None or claim.code_expires_at <= timezone.now():
        return "Ce code a expiré : demandez-en un nouveau."
    if claim.code_attempts >= MAX_ATTEMPTS:
        return "Trop d'essais : demandez un nouveau code."
    if not constant_time_compare(code_digest(claim, "".join(code.split())), claim.code_digest):
        claim.code_attempts += 1
        claim.save(update_fields=["code_attempts"])
        left = MAX_ATTEMPTS - claim.code_attempts
        if left <= 0:
            return "Code incorrect. Trop d'essais : demandez un nouveau code."
        return f"Code incorrect : encore {left} essai{'s' if left > 1 else ''}."
    business = Business.objects.select_for_update().get(pk=claim.business_id)
    if business.owner_id is not None:
        return "Cette fiche a été attribuée entre-temps à un autre compte."
    claim.code_digest = ""  # used once
    claim.auto_approved = True
    approve_claim(claim, decided_by=None)
    return None


def document_type(upload) -> str | None:
    """``pdf``, ``jpeg`` or ``png`` from the file's first bytes; None for anything else."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for kind, signatures in DOCUMENT_SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return kind
    return None


@transaction.atomic
def submit_document(user, business: Business, upload, kind: str, message: str) -> ListingClaim:
    """A claim with a proof document, for a moderator; the file under a random name."""
    claim = open_claim(user, business)
    if claim.document:
        claim.document.delete(save=False)
    upload.seek(0)
    name = secrets.token_hex(16) + EXTENSIONS[kind]
    claim.document.save(name, ContentFile(upload.read()), save=False)
    claim.document_type = kind
    claim.method = ListingClaim.Method.DOCUMENT
    claim.status = ListingClaim.Status.PENDING
    claim.code_digest = ""
    claim.message = message
    claim.save()
    return claim


# --- the moderators' decisions -----------------------------------------------------------


@transaction.atomic
def approve_claim(claim: ListingClaim, decided_by) -> None:
    business = claim.business
    now = timezone.now()
    business.owner = claim.user
    business.save(update_fields=["owner"])
    # The new owner sees the orders placed from now on, not the previous owner's customers.
    ListingOwnership.objects.update_or_create(
        business=business, defaults={"user": claim.user, "since": now}
    )
    claim.status = ListingClaim.Status.APPROVED
    claim.decided_by = decided_by
    claim.decided_at = now
    claim.save()
    mail_user(
        claim.user,
        f"Votre fiche « {business.name} » vous est attribuée",
        f"Bonjour,\n\nVotre demande sur la fiche « {business.name} » est acceptée : vous "
        "pouvez désormais la modifier depuis votre espace commerçant.\n\nL'équipe Sauvons Noël",
    )


def reject_claim(claim: ListingClaim, decided_by, reason: str) -> None:
    claim.status = ListingClaim.Status.REJECTED
    claim.decided_by = decided_by
    claim.decided_at = timezone.now()
    claim.reason = reason
    claim.code_digest = ""
    claim.save()
    mail_user(
        claim.user,
        f"Votre demande sur la fiche « {claim.business.name} »",
        f"Bonjour,\n\nVotre demande n'a pas été acceptée.\nMotif : {reason}\n\n"
        "L'équipe Sauvons Noël",
    )
