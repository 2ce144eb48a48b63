from django.db import models
from django.utils import timezone


class GeocodeCache(models.Model):
    """One provider's answer to one normalised query (a miss is cached too: result null)."""

    key = models.CharField(max_length=64, unique=True)  # sha256(provider + normalised query)
    provider = models.CharField(max_length=20)
    query = models.CharField(max_length=500)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "réponse de géocodage en cache"
        verbose_name_plural = "réponses de géocodage en cache"

    def __str__(self):
        return f"{self.provider}: {self.query}"


class ReviewItem(models.Model):
    """A listing a moderator must look at before it is placed on the map."""

    class Reason(models.TextChoices):
        GEOCODING_FAILED = "geocoding_failed", "adresse introuvable"
        LOW_PRECISION = "low_precision", "géocodage imprécis"
        LOW_SCORE = "low_score", "géocodage peu fiable"

    business = models.ForeignKey(
        "businesses.Business", on_delete=models.CASCADE, related_name="review_items"
    )
    reason = models.CharField("motif", max_length=20, choices=Reason.choices)
    detail = models.TextField("détail", blank=True)
    resolved = models.BooleanField("traité", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "élément à vérifier"
        verbose_name_plural = "file de vérification"
        ordering = ["resolved", "-created_at"]

    def __str__(self):
        return f"{self.business} : {self.get_reason_display()}"
