from django.conf import settings
from django.db import models


class ListingClaim(models.Model):
    """A merchant's claim on an existing listing (found by its SIRET).

    The listing is attached to the merchant when a moderator approves the claim, or at
    once when the account's e-mail domain is the listing's website domain (``auto``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "en attente"
        APPROVED = "approved", "acceptée"
        REJECTED = "rejected", "refusée"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="listing_claims",
        verbose_name="compte",
    )
    business = models.ForeignKey(
        "businesses.Business", on_delete=models.CASCADE, related_name="claims", verbose_name="fiche"
    )
    siret = models.CharField("SIRET", max_length=14)
    message = models.TextField("message au modérateur", blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name="statut"
    )
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
                condition=models.Q(status="pending"),
                name="claim_one_pending_per_user_business",
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
