from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .claims import CONTENT_TYPES, approve_claim, reject_claim
from .models import ListingClaim, ListingOwnership


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Motif du refus", widget=forms.Textarea, min_length=5)


@admin.register(ListingClaim)
class ListingClaimAdmin(admin.ModelAdmin):
    list_display = ["business", "user", "method", "siret", "status", "auto_approved", "created_at"]
    list_filter = ["status", "method", "auto_approved"]
    search_fields = ["business__name", "siret", "user__email"]
    raw_id_fields = ["business", "user", "decided_by"]
    # The code's digest and the file itself are never edited here; the file is opened
    # through ``document_view`` (moderators only), it has no public URL.
    exclude = ["document"]
    readonly_fields = [
        "proof_document",
        "method",
        "code_channel",
        "code_expires_at",
        "code_attempts",
        "codes_sent",
        "decided_by",
        "decided_at",
        "auto_approved",
        "created_at",
    ]
    actions = ["approve", "reject"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.document_view)
        return [
            path("<int:pk>/justificatif/", view, name="accounts_listingclaim_document"),
            *super().get_urls(),
        ]

    def document_view(self, request, pk):
        """The proof document, to moderators who may see claims; never cached or sniffed."""
        claim = get_object_or_404(ListingClaim, pk=pk)
        if not self.has_view_or_change_permission(request, claim) or not claim.document:
            raise Http404
        try:
            handle = claim.document.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        kind = claim.document_type
        response = FileResponse(
            handle,
            content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
            as_attachment=True,
            filename=f"justificatif-{claim.pk}{claim.document.name[-4:]}",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    @admin.display(description="justificatif")
    def proof_document(self, claim):
        if not claim.document:
            return "—"
        url = reverse("admin:accounts_listingclaim_document", args=[claim.pk])
        return format_html(
            '<a href="{}">Ouvrir le justificatif ({})</a>', url, claim.document_type.upper()
        )

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
