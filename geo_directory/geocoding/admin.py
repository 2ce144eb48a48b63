from django.contrib import admin

from .models import GeocodeCache, ReviewItem


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ["business", "reason", "detail", "resolved", "created_at"]
    list_filter = ["resolved", "reason"]
    search_fields = ["business__name", "detail"]
    raw_id_fields = ["business"]
    actions = ["mark_resolved"]

    @admin.action(description="Marquer comme traités")
    def mark_resolved(self, request, queryset):
        queryset.update(resolved=True)


@admin.register(GeocodeCache)
class GeocodeCacheAdmin(admin.ModelAdmin):
    list_display = ["query", "provider", "created_at"]
    list_filter = ["provider"]
    search_fields = ["query"]
