from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.db.models import Q

from geo_directory.postgis.l93 import L93
from geo_directory.territory.managers import OutsideRegion
from geo_directory.territory.models import Commune

from . import hours
from .fields import DateTimeMultiRangeField, IntegerMultiRangeField
from .managers import BusinessQuerySet, CategoryManager
from .validators import validate_siret


class Category(models.Model):
    """A node of the taxonomy, with the NAF codes and OSM tags that map to it."""

    slug = models.SlugField(max_length=60, unique=True, verbose_name="identifiant (slug)")
    label = models.CharField("libellé", max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="catégorie parente",
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name="position")
    naf_codes = ArrayField(
        models.CharField(max_length=6), default=list, blank=True, verbose_name="codes NAF"
    )
    osm_tags = ArrayField(
        models.CharField(max_length=60),
        default=list,
        blank=True,
        verbose_name="étiquettes OpenStreetMap",
    )

    objects = CategoryManager()

    class Meta:
        verbose_name = "catégorie"
        ordering = ["position", "label"]

    def __str__(self):
        return self.label

    def natural_key(self):
        return (self.slug,)


class Business(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "brouillon"
        PENDING = "pending", "en attente de modération"
        PUBLISHED = "published", "publiée"
        CLOSED = "closed", "fermée"

    class Source(models.TextChoices):
        MERCHANT = "merchant", "commerçant"
        OSM = "osm", "OpenStreetMap"
        SIRENE = "sirene", "SIRENE (INSEE)"
        CSV = "csv", "fichier CSV"
        GEOJSON = "geojson", "fichier GeoJSON"

    class Precision(models.TextChoices):
        HOUSENUMBER = "housenumber", "numéro"
        STREET = "street", "rue"
        LOCALITY = "locality", "lieu-dit"
        MUNICIPALITY = "municipality", "commune"
        MANUAL = "manual", "placé à la main"
        SOURCE = "source", "fourni par la source"

    # Fields a merchant may edit; editing one records it in owned_fields, and bulk
    # imports never overwrite an owned field.
    MERCHANT_FIELDS = (
        "name",
        "category",
        "siret",
        "description",
        "street",
        "postcode",
        "location",
        "phone",
        "email",
        "website",
        "opening_hours",
        "offers_pickup",
        "offers_delivery",
        "delivery_radius_km",
        "delivery_zone",
    )

    name = models.CharField("nom", max_length=200)
    # Indexes are chosen for a table of a million rows loaded in bulk (see Meta.indexes):
    # no index that another one already serves, partial indexes for sparse columns.
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="businesses",
        db_index=False,
        verbose_name="catégorie",
    )
    siret = models.CharField(
        "SIRET", max_length=14, null=True, blank=True, validators=[validate_siret]
    )
    description = models.TextField(blank=True, verbose_name="description")

    street = models.CharField("adresse", max_length=255, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="businesses",
        db_index=False,
        verbose_name="commune",
    )
    # No GiST of its own: every geographic filter goes through location_l93's (a lon/lat
    # box as its Lambert-93 envelope plus the exact lonlat_in_box() test, see
    # BusinessQuerySet.in_bbox); a second one cost 2.6 s per million rows of bulk load.
    location = models.PointField("position", srid=4326, null=True, blank=True, spatial_index=False)
    # The same point in Lambert-93, kept by PostgreSQL: radius and nearest-first queries
    # run on its GiST index in metres, with no ::geography cast on an indexed column.
    location_l93 = models.GeneratedField(
        expression=models.functions.Transform("location", L93),
        output_field=models.PointField(srid=L93, null=True),
        db_persist=True,
        verbose_name="position (Lambert-93)",
    )
    geocode_precision = models.CharField(
        max_length=12,
        choices=Precision.choices,
        blank=True,
        default="",
        verbose_name="précision du géocodage",
    )
    geocode_score = models.FloatField(null=True, blank=True, verbose_name="score du géocodage")

    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField(blank=True, verbose_name="e-mail")
    website = models.URLField("site web", max_length=500, blank=True)

    opening_hours = models.CharField(
        "horaires (syntaxe OpenStreetMap)", max_length=1000, blank=True
    )
    # The hours exactly as the source wrote them when they could not be read with
    # certainty: kept for people (the shop page shows « Horaires communiqués : … »),
    # never interpreted.
    opening_hours_text = models.TextField(
        "horaires communiqués", blank=True, default="", db_default=""
    )
    hours_week = IntegerMultiRangeField(
        null=True, blank=True, editable=False, verbose_name="horaires de la semaine (calculés)"
    )
    hours_windows = DateTimeMultiRangeField(
        null=True, blank=True, editable=False, verbose_name="plages d'ouverture (calculées)"
    )
    hours_windows_until = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name="plages calculées jusqu'au"
    )

    offers_pickup = models.BooleanField("à emporter / retrait", default=False)
    offers_delivery = models.BooleanField("livraison", default=False)
    delivery_radius_km = models.DecimalField(
        "rayon de livraison (km)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    # The effective delivery area: a drawn polygon, or the radius as a polygon.
    delivery_zone = models.MultiPolygonField(
        srid=4326, null=True, blank=True, spatial_index=False, verbose_name="zone de livraison"
    )
    delivery_min_order_cents = models.PositiveIntegerField(
        null=True, blank=True, verbose_name="minimum de commande pour la livraison (centimes)"
    )
    delivery_fee_cents = models.PositiveIntegerField(
        null=True, blank=True, verbose_name="frais de livraison (centimes)"
    )

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name="statut"
    )
    moderation_note = models.TextField(blank=True, verbose_name="note de modération")

    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.MERCHANT, verbose_name="source"
    )
    external_id = models.CharField(
        max_length=100, null=True, blank=True, verbose_name="identifiant dans la source"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="businesses",
        db_index=False,
        verbose_name="propriétaire",
    )
    owned_fields = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name="champs gérés par le commerçant",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
        db_index=False,
        verbose_name="fusionnée dans",
    )

    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créée le")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifiée le")

    objects = BusinessQuerySet.as_manager()

    class Meta:
        verbose_name = "commerce"
        ordering = ["name", "id"]
        constraints = [
            # Not ``unique=True``: that also builds a varchar_pattern_ops index nobody uses.
            models.UniqueConstraint(fields=["siret"], name="business_siret_unique"),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=Q(external_id__isnull=False),
                name="business_unique_provenance",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(location__isnull=False),
                name="business_published_has_location",
            ),
        ]
        indexes = [
            GistIndex(fields=["location_l93"], name="business_location_l93_gist"),
            models.Index(fields=["status", "category"], name="business_status_category"),
            # A commune's listings: business_published_commune_id (api migration 0002),
            # (commune_id, id) of the published ones, serves every public query by commune.
            # Sparse columns: only the rows that have a value.
            models.Index(fields=["owner"], condition=Q(owner__isnull=False), name="business_owner"),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="business_merged_into",
            ),
            GistIndex(
                fields=["delivery_zone"],
                condition=Q(delivery_zone__isnull=False),
                name="business_delivery_zone_gist",
            ),
            # Name search: business_name_tsv and the words dictionary, migration 0002.
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.opening_hours:
            try:
                self.opening_hours = hours.validate(self.opening_hours)
            except hours.InvalidHours as exc:
                raise ValidationError({"opening_hours": str(exc)}) from exc
        if self.location is not None:
            try:
                Commune.objects.resolve_code(self.location, self.postcode or None)
            except OutsideRegion as exc:
                raise ValidationError({"location": str(exc)}) from exc

    def save(self, *args, **kwargs):
        """Derive the commune from the point and pre-compute the hours for SQL filters.

        Raises OutsideRegion for a point outside the region (see Commune.resolve_code).
        """
        if self.location is not None:
            self.commune_id = Commune.objects.resolve_code(self.location, self.postcode or None)
        self.apply_hours()
        super().save(*args, **kwargs)

    def apply_hours(self):
        computed = hours.compute(self.opening_hours)
        self.hours_week = computed.week
        self.hours_windows = computed.windows
        self.hours_windows_until = computed.windows_until

    def get_absolute_url(self) -> str:
        """The shop's public page (geo_directory/shops)."""
        from geo_directory.shops.paths import shop_path

        return shop_path(self.pk, self.name)

    def is_open_at(self, when) -> bool:
        return hours.is_open(self.opening_hours, when)


class ListingRevision(models.Model):
    """A merchant's change to a published listing that a moderator must see first (name,
    category, position, SIRET): the listing stays online unchanged meanwhile.

    At most one pending revision per listing; a new edit updates it
    (``businesses/revisions.py`` holds the logic).
    """

    class State(models.TextChoices):
        PENDING = "pending", "en attente de validation"
        APPROVED = "approved", "acceptée"
        REJECTED = "rejected", "refusée"
        WITHDRAWN = "withdrawn", "retirée par le commerçant"

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="revisions", verbose_name="commerce"
    )
    # {"name": str, "category": id, "siret": str|None,
    #  "location": [lon, lat], "geocode_precision": str, "geocode_score": float|None}
    proposed = models.JSONField("valeurs proposées", default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="auteur",
    )
    created_at = models.DateTimeField("proposée le", auto_now_add=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)
    state = models.CharField(
        "état", max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="décidée par",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    reason = models.TextField("motif du refus", blank=True)

    class Meta:
        verbose_name = "modification à valider"
        verbose_name_plural = "modifications à valider"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(state="pending"),
                name="listingrevision_one_pending",
            )
        ]

    def __str__(self):
        return f"Modification de « {self.business} » ({self.get_state_display()})"
