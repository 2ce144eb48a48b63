from django.contrib import admin
from django.core.files.storage import default_storage
from django.utils.html import format_html

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["alt_text", "business", "product", "position", "created_at"]
    list_select_related = ["business", "product"]
    raw_id_fields = ["business", "product"]
    readonly_fields = ["thumbnail", "variants", "source_sha256", "created_at"]

    @admin.display(description="aperçu")
    def thumbnail(self, photo):
        if not photo.variants:
            return "—"
        first = photo.variants[0]
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}">',
            default_storage.url(first["name"]),
            photo.alt_text,
            first["width"],
            first["height"],
        )

    def has_add_permission(self, request):
        # A photo is added only through the merchant's page, which checks and converts it.
        return False
