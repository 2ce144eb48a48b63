from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from .listings import approve_claim, reject_claim
from .models import ListingClaim, ListingOwnership


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Motif du refus", widget=forms.Textarea, min_length=5)


@admin.register(ListingClaim)
class ListingClaimAdmin(admin.ModelAdmin):
    list_display = ["business", "user", "siret", "status", "auto_approved", "created_at"]
    list_filter = ["status", "auto_approved"]
    search_fields = ["business__name", "siret", "user__email"]
    raw_id_fields = ["business", "user", "decided_by"]
    readonly_fields = ["decided_by", "decided_at", "auto_approved", "created_at"]
    actions = ["approve", "reject"]

    @admin.action(description="Accepter : attribuer la fiche au demandeur", permissions=["change"])
    def approve(self, request, queryset):
        n = 0
        for claim in queryset.filter(status=ListingClaim.Status.PENDING).select_related(
            "business", "user"
        ):
            approve_claim(claim, request.user)
            n += 1
        self.message_user(request, f"{n} demande(s) acceptée(s).", messages.SUCCESS)

    @admin.action(description="Refuser (avec motif)", permissions=["change"])
    def reject(self, request, queryset):
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for claim in queryset.filter(status=ListingClaim.Status.PENDING):
                reject_claim(claim, request.user, form.cleaned_data["reason"])
            self.message_user(request, "Demande(s) refusée(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Refuser des demandes",
            "form": form,
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "action": "reject",
        }
        return TemplateResponse(request, "admin/accounts/listingclaim/reject.html", context)


@admin.register(ListingOwnership)
class ListingOwnershipAdmin(admin.ModelAdmin):
    """When each claimed listing's owner took it over: their orders start there."""

    list_display = ["business", "user", "since"]
    search_fields = ["business__name", "user__email"]
    raw_id_fields = ["business", "user"]
