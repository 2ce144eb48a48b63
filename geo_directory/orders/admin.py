from django.contrib import admin, messages

from . import services
from .models import Campaign, Order, OrderEvent, OrderLine, Product, Slot


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "business", "price_cents", "vat_rate", "available", "stock")
    list_filter = ("available",)
    search_fields = ("name", "business__name")
    raw_id_fields = ("business",)


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 1
    readonly_fields = ("booked_count",)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "business", "cutoff_at", "active")
    raw_id_fields = ("business",)
    inlines = [SlotInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ("product_name", "unit_price_cents", "vat_rate", "quantity")
    can_delete = False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ("status", "at", "actor", "note")
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "business", "status", "fulfilment", "total_cents", "created_at")
    list_filter = ("status", "fulfilment", "payment_status")
    search_fields = ("number", "email", "customer_name")
    raw_id_fields = ("business", "campaign", "slot", "user")
    inlines = [OrderLineInline, OrderEventInline]

    # A guest's order link (``?cle=``) is a bearer token: if it leaked (a forwarded e-mail,
    # a shared screen), the shop asks the moderators to revoke it here.
    actions = ["reissue_link", "revoke_link"]

    @admin.action(description="Révoquer le lien de suivi et en envoyer un nouveau au client")
    def reissue_link(self, request, queryset):
        site_url = request.build_absolute_uri("/").rstrip("/")
        orders = list(queryset)
        for order in orders:
            services.reissue_access_link(order, site_url)
        self.message_user(
            request,
            f"{len(orders)} lien(s) révoqué(s) ; un nouveau lien a été envoyé par e-mail.",
            messages.SUCCESS,
        )

    @admin.action(description="Révoquer le lien de suivi (sans le remplacer)")
    def revoke_link(self, request, queryset):
        orders = list(queryset)
        for order in orders:
            services.revoke_access_link(order)
        self.message_user(request, f"{len(orders)} lien(s) révoqué(s).", messages.SUCCESS)
