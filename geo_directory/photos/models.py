import logging

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from geo_directory.businesses.models import Business

logger = logging.getLogger(__name__)

ALT_LABEL = "Description de la photo (pour les personnes qui ne la voient pas)"


class Photo(models.Model):
    # Indexed by photo_business_position (business first), not by an index of its own.
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="photos", db_index=False
    )
    # A photo of the shop, or of one product of its catalogue.
    product = models.ForeignKey(
        "orders.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photos",
        verbose_name="produit",
    )
    alt_text = models.CharField(ALT_LABEL, max_length=250)
    position = models.PositiveSmallIntegerField(default=0)
    # The renditions, smallest first: [{"width": 320, "height": 240, "name": "photos/..."}].
    variants = models.JSONField(default=list, editable=False)
    # SHA-256 of the uploaded bytes: the same file twice on one listing is refused.
    source_sha256 = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "photo"
        ordering = ["business", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "source_sha256"], name="photo_unique_per_business"
            ),
        ]
        indexes = [models.Index(fields=["business", "position"], name="photo_business_position")]

    def __str__(self):
        return self.alt_text

    def variant_urls(self) -> list[dict]:
        return [
            {"width": v["width"], "height": v["height"], "url": default_storage.url(v["name"])}
            for v in self.variants
        ]

    def file_names(self) -> list[str]:
        return [v["name"] for v in self.variants]


def delete_files(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # a file left behind is only disk space; never fail the request
            logger.warning("photo file not deleted: %s", name, exc_info=True)


@receiver(post_delete, sender=Photo)
def delete_files_after(sender, instance, **kwargs):
    """A photo's files go once its row is gone for good (also when its listing is deleted):
    a rolled-back delete keeps both."""
    names = instance.file_names()
    transaction.on_commit(lambda: delete_files(names))
