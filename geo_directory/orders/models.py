"""Catalogues, ordering campaigns with time slots, and the orders placed in them.

Money is always an integer number of cents; VAT rates are Decimals. The integrity rules
(never overbook a slot, never sell stock that is not there) live in PostgreSQL: CHECK
constraints here, conditional ``UPDATE ... RETURNING`` in ``services.place_order``.
"""

import hashlib
import hmac
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from geo_directory.businesses.models import Business

# The 14 allergens of Regulation (EU) No 1169/2011, Annex II, with their French labels.
ALLERGENS = [
    ("gluten", "Céréales contenant du gluten"),
    ("crustaces", "Crustacés"),
    ("oeufs", "Œufs"),
    ("poissons", "Poissons"),
    ("arachides", "Arachides"),
    ("soja", "Soja"),
    ("lait", "Lait"),
    ("fruits_a_coque", "Fruits à coque"),
    ("celeri", "Céleri"),
    ("moutarde", "Moutarde"),
    ("sesame", "Graines de sésame"),
    ("sulfites", "Anhydride sulfureux et sulfites"),
    ("lupin", "Lupin"),
    ("mollusques", "Mollusques"),
]
ALLERGEN_LABELS = dict(ALLERGENS)

VAT_RATES = [
    (Decimal("2.10"), "2,1 %"),
    (Decimal("5.50"), "5,5 %"),
    (Decimal("10.00"), "10 %"),
    (Decimal("20.00"), "20 %"),
]


def euros(cents: int | None) -> str:
    """``1234`` → ``"12,34 €"`` (French formatting, no float on the way)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100},{cents % 100:02d} €"


ACCESS_TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 200


def hash_access_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Product(models.Model):
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="products", verbose_name="commerce"
    )
    name = models.CharField("nom", max_length=200)
    description = models.TextField(blank=True, verbose_name="description")
    price_cents = models.PositiveIntegerField("prix TTC (centimes)")
    vat_rate = models.DecimalField(
        "taux de TVA (%)", max_digits=4, decimal_places=2, choices=VAT_RATES, default="10.00"
    )
    allergens = ArrayField(
        models.CharField(max_length=20, choices=ALLERGENS),
        default=list,
        blank=True,
        verbose_name="allergènes",
    )
    available = models.BooleanField("disponible", default=True)
    # None: no stock management (made to order).
    stock = models.IntegerField("stock", null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0, verbose_name="position")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créé le")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifié le")

    class Meta:
        verbose_name = "produit"
        ordering = ["business", "position", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0), name="product_stock_not_negative"
            ),
            models.CheckConstraint(condition=Q(price_cents__gte=0), name="product_price_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def price(self) -> str:
        return euros(self.price_cents)

    @property
    def allergen_labels(self) -> list[str]:
        return [ALLERGEN_LABELS.get(code, code) for code in self.allergens]


class CampaignQuerySet(models.QuerySet):
    def open_at(self, when):
        return self.filter(active=True, cutoff_at__gt=when)


class Campaign(models.Model):
    """An ordering window, e.g. "Réveillon 2026": orders accepted until ``cutoff_at``."""

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="campaigns", verbose_name="commerce"
    )
    name = models.CharField("nom", max_length=200)
    description = models.TextField(blank=True, verbose_name="description")
    cutoff_at = models.DateTimeField("commandes jusqu'au")
    offers_pickup = models.BooleanField("retrait", default=True)
    offers_delivery = models.BooleanField("livraison", default=False)
    active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créée le")

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "campagne de commandes"
        verbose_name_plural = "campagnes de commandes"
        ordering = ["cutoff_at", "id"]

    def __str__(self):
        return self.name

    def is_open(self, when=None) -> bool:
        return self.active and self.cutoff_at > (when or timezone.now())


class Slot(models.Model):
    class Kind(models.TextChoices):
        PICKUP = "pickup", "retrait"
        DELIVERY = "delivery", "livraison"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="slots", verbose_name="campagne"
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.PICKUP, verbose_name="type"
    )
    capacity = models.PositiveIntegerField("capacité (commandes)")
    # Kept by services.place_order / release with conditional UPDATEs; never set by hand.
    booked_count = models.PositiveIntegerField(
        default=0, editable=False, verbose_name="places réservées"
    )

    class Meta:
        verbose_name = "créneau"
        verbose_name_plural = "créneaux"
        ordering = ["starts_at", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked_count__lte=F("capacity")), name="slot_not_overbooked"
            ),
            models.CheckConstraint(condition=Q(booked_count__gte=0), name="slot_booked_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.when}"

    @property
    def when(self) -> str:
        """``le 24/12/2026 de 17:00 à 19:00``, in Europe/Paris."""
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"le {start:%d/%m/%Y} de {start:%H:%M} à {end:%H:%M}"

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked_count, 0)


class OrderQuerySet(models.QuerySet):
    def for_owner(self, user):
        """The orders of ``user``'s listings placed since they own them: a listing taken
        over by a claim (accounts.ListingOwnership) does not hand its earlier orders (the
        previous owner's customers' names, phones, addresses) to the new owner."""
        return self.filter(business__owner=user).filter(
            Q(business__ownership__isnull=True)
            | Q(
                business__ownership__user=user,
                created_at__gte=F("business__ownership__since"),
            )
        )


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "reçue"
        ACCEPTED = "accepted", "acceptée"
        REFUSED = "refused", "refusée"
        READY = "ready", "prête"
        COLLECTED = "collected", "remise"
        CANCELLED = "cancelled", "annulée"

    class Fulfilment(models.TextChoices):
        PICKUP = "pickup", "retrait sur place"
        DELIVERY = "delivery", "livraison"

    class PaymentStatus(models.TextChoices):
        # Payment is out of scope: paid on pickup or delivery. A provider (see
        # payments.py) would move orders through pending → paid / failed / refunded.
        ON_SITE = "on_site", "paiement sur place"
        PENDING = "pending", "paiement en attente"
        PAID = "paid", "payée"
        FAILED = "failed", "paiement échoué"
        REFUNDED = "refunded", "remboursée"

    # Statuses from which a slot place and the stock are given back.
    RELEASING = {Status.REFUSED, Status.CANCELLED}

    number = models.CharField("numéro", max_length=20, unique=True)
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="orders", verbose_name="commerce"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="orders", verbose_name="campagne"
    )
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="orders", verbose_name="créneau"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name="compte du client",
    )
    customer_name = models.CharField("nom", max_length=200)
    email = models.EmailField("e-mail")
    phone = models.CharField("téléphone", max_length=30)
    note = models.TextField("remarque", blank=True)

    fulfilment = models.CharField(max_length=10, choices=Fulfilment.choices, verbose_name="mode")
    delivery_address = models.CharField("adresse de livraison", max_length=300, blank=True)
    delivery_point = models.PointField(
        srid=4326, null=True, blank=True, verbose_name="point de livraison"
    )

    subtotal_cents = models.PositiveIntegerField(default=0, verbose_name="sous-total (centimes)")
    delivery_fee_cents = models.PositiveIntegerField(
        default=0, verbose_name="frais de livraison (centimes)"
    )
    total_cents = models.PositiveIntegerField(default=0, verbose_name="total (centimes)")

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PLACED, verbose_name="statut"
    )
    status_changed_at = models.DateTimeField(default=timezone.now, verbose_name="statut modifié le")
    payment_status = models.CharField(
        max_length=10,
        choices=PaymentStatus.choices,
        default=PaymentStatus.ON_SITE,
        verbose_name="paiement",
    )
    payment_provider = models.CharField(
        max_length=40, blank=True, verbose_name="prestataire de paiement"
    )
    payment_reference = models.CharField(
        max_length=200, blank=True, verbose_name="référence du paiement"
    )

    # The guest's link to the order (``?cle=``) carries a random token; only its SHA-256 is
    # kept, so neither the order number, the SECRET_KEY nor a copy of the database gives
    # the link. Empty: no link opens the order (revoked, or placed before this scheme).
    access_token_hash = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        verbose_name="empreinte du lien de suivi",
    )

    created_at = models.DateTimeField(default=timezone.now, verbose_name="passée le")

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = "commande"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["slot", "status"], name="order_slot_status"),
            # « Mes commandes » of a guest: the orders placed with one address, any case.
            models.Index(Lower("email"), name="order_email_lower"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(fulfilment="delivery") | Q(delivery_point__isnull=False),
                name="order_delivery_has_point",
            ),
            models.CheckConstraint(
                condition=Q(total_cents=F("subtotal_cents") + F("delivery_fee_cents")),
                name="order_total_consistent",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def total(self) -> str:
        return euros(self.total_cents)

    @property
    def subtotal(self) -> str:
        return euros(self.subtotal_cents)

    @property
    def delivery_fee(self) -> str:
        return euros(self.delivery_fee_cents)

    def issue_access_token(self) -> str:
        """A new random link token (the previous one stops working once saved).

        Returns the token, also kept in memory as ``issued_access_token`` for the e-mail
        and the redirect of this request: it cannot be recovered from the database.
        """
        token = secrets.token_urlsafe(ACCESS_TOKEN_BYTES)
        self.access_token_hash = hash_access_token(token)
        self.issued_access_token = token
        return token

    def token_is_valid(self, token: str | None) -> bool:
        if not token or not self.access_token_hash or len(token) > MAX_TOKEN_LENGTH:
            return False
        return hmac.compare_digest(hash_access_token(token), self.access_token_hash)

    def visible_to(self, user, token: str | None = None) -> bool:
        """Only its resident (account or signed link) and its merchant see an order."""
        if self.token_is_valid(token):
            return True
        if not user.is_authenticated:
            return False
        return user.pk == self.user_id or self.owner_may_see(user)

    def owner_may_see(self, user) -> bool:
        """``user`` owns the shop, and owned it when the order was placed (for_owner)."""
        if not user.is_authenticated or user.pk != self.business.owner_id:
            return False
        return Order.objects.for_owner(user).filter(pk=self.pk).exists()

    def can_be_cancelled(self, when=None) -> bool:
        return self.status in (
            self.Status.PLACED,
            self.Status.ACCEPTED,
        ) and self.campaign.cutoff_at > (when or timezone.now())


class OrderLine(models.Model):
    """A line with its price frozen: later edits of the product never change it."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name="commande"
    )
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
        verbose_name="produit",
    )
    product_name = models.CharField(max_length=200, verbose_name="produit (nom à la commande)")
    unit_price_cents = models.PositiveIntegerField(verbose_name="prix unitaire TTC (centimes)")
    vat_rate = models.DecimalField(max_digits=4, decimal_places=2, verbose_name="taux de TVA (%)")
    quantity = models.PositiveIntegerField(verbose_name="quantité")
    # True when the quantity was taken from the product's stock (given back on release).
    stock_reserved = models.BooleanField(default=False, verbose_name="pris sur le stock")

    class Meta:
        verbose_name = "ligne de commande"
        verbose_name_plural = "lignes de commande"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive")
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity

    @property
    def total(self) -> str:
        return euros(self.total_cents)

    @property
    def unit_price(self) -> str:
        return euros(self.unit_price_cents)


class OrderEvent(models.Model):
    """The history of an order: each status it went through, when, and by whom."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name="commande"
    )
    status = models.CharField(max_length=10, choices=Order.Status.choices, verbose_name="statut")
    at = models.DateTimeField(default=timezone.now, verbose_name="le")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name="par",
    )
    note = models.CharField(max_length=300, blank=True, verbose_name="note")

    class Meta:
        verbose_name = "événement de commande"
        verbose_name_plural = "événements de commande"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.order.number}: {self.get_status_display()}"


class GuestAccessLink(models.Model):
    """A sign-in link to « Mes commandes » sent to the address used for ordering.

    A guest has no account: proving they read the mailbox is what lets them see the orders
    placed with that address. The link carries a random token; only its SHA-256 is kept.
    """

    email = models.EmailField("e-mail")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, verbose_name="créé le")

    class Meta:
        verbose_name = "lien d'accès aux commandes"
        verbose_name_plural = "liens d'accès aux commandes"
        indexes = [models.Index(fields=["created_at"], name="guest_link_created")]

    def __str__(self):
        return f"{self.email} ({self.created_at:%d/%m/%Y %H:%M})"
