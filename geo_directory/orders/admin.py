from django.contrib import admin

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
