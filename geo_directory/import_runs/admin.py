from django.contrib import admin

from .journal import mark_stale_runs
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
        "warnings",
        "outside_region",
    )
    list_filter = ("source", "status")
    search_fields = ("file_name", "file_sha256", "launched_by")
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def changelist_view(self, request, extra_context=None):
        # A run whose process was killed is shown as failed, not « en cours » for ever.
        mark_stale_runs()
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False
