from django.contrib import admin

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["alt_text", "business", "product", "position", "created_at"]
    list_select_related = ["business", "product"]
    raw_id_fields = ["business", "product"]
    readonly_fields = ["variants", "source_sha256", "created_at"]

    def has_add_permission(self, request):
        # A photo is added only through the merchant's page, which checks and converts it.
        return False
