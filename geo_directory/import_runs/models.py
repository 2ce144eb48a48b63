"""One record per bulk import run: who, when, which file (sha256), what it did."""

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "en cours"
        SUCCEEDED = "succeeded", "terminé"
        DRY_RUN = "dry_run", "simulation (rien écrit)"
        FAILED = "failed", "échec (rien écrit)"

    # French labels: the data team reads the runs in the admin.
    source = models.CharField("source", max_length=10)
    file_name = models.CharField("fichier", max_length=500)
    file_sha256 = models.CharField("sha256 du fichier", max_length=64, blank=True)
    file_size = models.BigIntegerField("taille (octets)", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
        verbose_name="compte",
    )
    launched_by = models.CharField("lancé par", max_length=150, blank=True)
    options = models.JSONField("options", default=dict, blank=True)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField("commencé le", auto_now_add=True)
    finished_at = models.DateTimeField("fini le", null=True, blank=True)

    read = models.PositiveIntegerField("lues", default=0)
    created = models.PositiveIntegerField("créées", default=0)
    updated = models.PositiveIntegerField("mises à jour", default=0)
    closed = models.PositiveIntegerField("fermées", default=0)
    unchanged = models.PositiveIntegerField("inchangées", default=0)
    merged = models.PositiveIntegerField("rattachées", default=0)
    skipped = models.PositiveIntegerField("ignorées", default=0)
    outside_region = models.PositiveIntegerField("hors de la région", default=0)
    rejected = models.PositiveIntegerField("rejetées", default=0)
    # Rows loaded without one of their optional values (unreadable hours, phone...).
    warnings = models.PositiveIntegerField("avertissements", default=0, db_default=0)
    # A file downloaded before its import (import_sirene_download): where from, and the
    # sha256 of what was downloaded (the compressed file; file_sha256 is the one imported).
    source_url = models.URLField(
        "téléchargé de", max_length=500, blank=True, default="", db_default=""
    )
    download_sha256 = models.CharField(
        "sha256 du fichier téléchargé", max_length=64, blank=True, default="", db_default=""
    )
    message = models.TextField("compte rendu", blank=True)
    # Where the run's process is (or was): a run whose process died is found by its
    # advisory lock (journal.mark_stale_runs); host and pid tell the operator which one.
    # db_default: code that does not know the column (a deploy under way) still inserts.
    host = models.CharField("machine", max_length=255, blank=True, default="", db_default="")
    pid = models.PositiveIntegerField("processus", null=True, blank=True)

    class Meta:
        verbose_name = "import"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.source} {self.file_name} ({self.get_status_display()})"
