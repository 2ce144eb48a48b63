from django.contrib import admin

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "source",
        "file_name",
        "status",
        "launched_by",
        "read",
        "created",
        "updated",
        "closed",
        "unchanged",
        "merged",
        "rejected",
        "outside_region",
    )
    list_filter = ("source", "status")
    search_fields = ("file_name", "file_sha256", "launched_by")
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
