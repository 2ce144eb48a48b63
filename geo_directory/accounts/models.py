from django.conf import settings
from django.db import models

from .storage import claim_documents


class ListingClaim(models.Model):
    """A merchant's claim on an existing listing (found by name and commune, or SIRET).

    The listing is attached to the merchant (``claims.approve_claim``) at once when the
    account's e-mail domain is the listing's website domain (``auto_approved``), when the
    merchant types the code sent to the listing's published e-mail or mobile, or when a
    moderator approves it (SIRET or a proof document). See ``accounts/claims.py``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "en attente"
        CODE_SENT = "code", "code envoyé"
        APPROVED = "approved", "acceptée"
        REJECTED = "rejected", "refusée"

    class Method(models.TextChoices):
        SIRET = "siret", "SIRET (modération)"
        DOMAIN = "domain", "adresse e-mail du domaine du site"
        CODE = "code", "code reçu"
        DOCUMENT = "document", "justificatif (modération)"

    class Channel(models.TextChoices):
        EMAIL = "email", "e-mail"
        SMS = "sms", "SMS"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="listing_claims",
        verbose_name="compte",
    )
    business = models.ForeignKey(
        "businesses.Business", on_delete=models.CASCADE, related_name="claims", verbose_name="fiche"
    )
    siret = models.CharField("SIRET", max_length=14, blank=True)
    message = models.TextField("message au modérateur", blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name="statut"
    )
    method = models.CharField("preuve", max_length=10, choices=Method.choices, default=Method.SIRET)
    # The code way: only an HMAC of the code is kept (claims.code_digest), with its expiry
    # and the wrong tries left; the destination is the listing's published e-mail/mobile.
    code_channel = models.CharField(
        "code envoyé par", max_length=5, choices=Channel.choices, blank=True
    )
    code_digest = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField("code valable jusqu'au", null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField("essais de code", default=0)
    codes_sent = models.PositiveSmallIntegerField("codes envoyés", default=0)
    # The document way: kept on a private storage (storage.py), served to moderators only.
    document = models.FileField(
        "justificatif", storage=claim_documents, upload_to="claims/%Y/%m/", blank=True
    )
    document_type = models.CharField("type du justificatif", max_length=20, blank=True)
    auto_approved = models.BooleanField("acceptée automatiquement", default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="décidée par",
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name="décidée le")
    reason = models.TextField("motif du refus", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="demandée le")

    class Meta:
        verbose_name = "revendication de fiche"
        verbose_name_plural = "revendications de fiches"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "business"],
                condition=models.Q(status__in=["pending", "code"]),
                name="claim_one_open_per_user_business",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.business} ({self.get_status_display()})"


class ListingOwnership(models.Model):
    """When the current owner of a listing took it over (an approved claim).

    Orders placed before belong to the previous owner's customers: the new owner sees only
    the orders placed since (``Order.objects.for_owner``). A listing without this row was
    created by its owner (or attached before ownership was recorded): all its orders are
    theirs. A row naming someone other than the current owner (changed by other means)
    hides every past order, until a claim is approved for them.
    """

    business = models.OneToOneField(
        "businesses.Business",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="ownership",
        verbose_name="fiche",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ownerships",
        verbose_name="propriétaire",
    )
    since = models.DateTimeField("propriétaire depuis")

    class Meta:
        verbose_name = "propriété de fiche"
        verbose_name_plural = "propriétés de fiches"

    def __str__(self):
        return f"{self.user} depuis le {self.since:%d/%m/%Y %H:%M}"
