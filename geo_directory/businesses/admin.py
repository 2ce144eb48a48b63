"""Moderation in the Django admin: map widgets, filters, approve / reject / merge, and the
published listings' pending revisions (a diff, approve / reject with a reason)."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from geo_directory.territory.admin import LocalGISModelAdmin
from geo_directory.territory.managers import OutsideRegion

from . import revisions
from .models import Business, Category, ListingRevision


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus (envoyé au commerçant)", widget=forms.Textarea, min_length=5
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "parent", "position", "listings"]
    list_filter = ["parent"]
    search_fields = ["label", "slug", "naf_codes", "osm_tags"]
    prepopulated_fields = {"slug": ["label"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("businesses"))

    @admin.display(description="fiches", ordering="n")
    def listings(self, obj):
        return obj.n


def _review_inline():
    from geo_directory.geocoding.models import ReviewItem

    class ReviewItemInline(admin.TabularInline):
        model = ReviewItem
        extra = 0
        fields = ["reason", "detail", "resolved", "created_at"]
        readonly_fields = ["reason", "detail", "created_at"]
        verbose_name_plural = "file de vérification (géocodage)"

    return ReviewItemInline


def _claim_inline():
    from geo_directory.accounts.models import ListingClaim

    class ListingClaimInline(admin.TabularInline):
        model = ListingClaim
        fk_name = "business"
        extra = 0
        fields = ["user", "siret", "status", "auto_approved", "created_at"]
        readonly_fields = fields
        can_delete = False

    return ListingClaimInline


class ListingRevisionInline(admin.TabularInline):
    """The listing's revisions, read-only: decisions are taken on the revisions' page."""

    model = ListingRevision
    extra = 0
    fields = ["state", "diff", "author", "created_at", "reason"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    verbose_name_plural = "modifications proposées par le commerçant"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="modifications (publiée → proposée)")
    def diff(self, obj):
        return revisions.describe(obj)


@admin.register(Business)
class BusinessAdmin(LocalGISModelAdmin):
    list_display = [
        "name",
        "category",
        "commune",
        "status",
        "owner",
        "geocode_precision",
        "source",
        "updated_at",
    ]
    list_filter = [
        "status",
        "category",
        ("commune", admin.RelatedOnlyFieldListFilter),
        "commune__departement",
        "source",
        "geocode_precision",
    ]
    search_fields = ["name", "siret", "street", "postcode", "commune__name", "owner__email"]
    raw_id_fields = ["owner", "merged_into"]
    readonly_fields = ["commune", "owned_fields", "created_at", "updated_at"]
    list_select_related = ["category", "commune", "owner"]
    inlines = [_review_inline(), _claim_inline(), ListingRevisionInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["approve_selected", "reject_selected", "merge_selected"]

    def get_urls(self):
        return [
            path(
                "doublons/",
                self.admin_site.admin_view(self.duplicates_view),
                name="businesses_business_duplicates",
            ),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["duplicates_url"] = reverse("admin:businesses_business_duplicates")
        return super().changelist_view(request, extra_context)

    @admin.action(description="Publier les fiches sélectionnées", permissions=["change"])
    def approve_selected(self, request, queryset):
        from geo_directory.businesses.moderation import approve

        done = 0
        for business in queryset.select_related("owner"):
            try:
                approve(business, request.user)
                done += 1
            except ValueError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if done:
            self.message_user(request, f"{done} fiche(s) publiée(s).", messages.SUCCESS)

    @admin.action(
        description="Refuser les fiches sélectionnées (avec motif)", permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        from geo_directory.businesses.moderation import reject

        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for business in queryset.select_related("owner"):
                reject(business, request.user, form.cleaned_data["reason"])
            self.message_user(
                request, f"{queryset.count()} fiche(s) refusée(s), motif envoyé.", messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Refuser des fiches",
            "form": form,
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/businesses/business/reject.html", context)

    @admin.action(description="Fusionner les doublons sélectionnés", permissions=["change"])
    def merge_selected(self, request, queryset):
        from geo_directory.businesses.moderation import merge

        try:
            keep = merge(list(queryset), request.user)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        self.message_user(
            request, f"Fiches fusionnées dans « {keep.name} » (#{keep.pk}).", messages.SUCCESS
        )
        return None

    def duplicates_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        if request.method == "POST":
            from geo_directory.businesses.moderation import merge

            ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
            keep = merge(list(Business.objects.filter(pk__in=ids)), request.user)
            self.message_user(request, f"Fusionnées dans « {keep.name} ».", messages.SUCCESS)
            return redirect("admin:businesses_business_duplicates")
        pairs = Business.objects.all().likely_duplicates()
        rows = Business.objects.in_bulk({p.a_id for p in pairs} | {p.b_id for p in pairs})
        context = {
            **self.admin_site.each_context(request),
            "title": "Doublons probables",
            "opts": self.model._meta,
            "pairs": [(p, rows[p.a_id], rows[p.b_id]) for p in pairs],
        }
        return TemplateResponse(request, "admin/businesses/business/duplicates.html", context)

    @admin.display(description="carte")
    def map_link(self, obj):
        if obj.location is None:
            return "—"
        return format_html("{:.5f}, {:.5f}", obj.location.y, obj.location.x)


@admin.register(ListingRevision)
class ListingRevisionAdmin(admin.ModelAdmin):
    """A merchant's changes to a published listing, shown as a diff; decisions by action."""

    list_display = ["business", "diff", "author", "created_at", "state"]
    list_filter = ["state"]
    search_fields = ["business__name", "business__siret", "author__email"]
    list_select_related = ["business", "author"]
    fields = ["business", "diff", "author", "created_at", "updated_at", "state"]
    fields += ["decided_by", "decided_at", "reason"]
    readonly_fields = fields
    actions = ["approve_selected", "reject_selected"]

    def has_add_permission(self, request):
        return False  # revisions come from the merchants' edits only

    def has_delete_permission(self, request, obj=None):
        return False  # the history of decisions stays

    @admin.display(description="modifications (valeur publiée → proposée)")
    def diff(self, obj):
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            ((c.label, c.current, c.proposed) for c in revisions.changes(obj)),
        )
        return format_html(
            '<table class="revision-diff"><thead><tr><th>champ</th><th>publié</th>'
            "<th>proposé</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.action(description="Valider les modifications sélectionnées", permissions=["change"])
    def approve_selected(self, request, queryset):
        done = 0
        for revision in queryset.filter(state=ListingRevision.State.PENDING):
            try:
                revisions.approve(revision, request.user)
                done += 1
            except (ValueError, OutsideRegion) as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if done:
            self.message_user(request, f"{done} modification(s) validée(s).", messages.SUCCESS)

    @admin.action(
        description="Refuser les modifications sélectionnées (avec motif)", permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        queryset = queryset.filter(state=ListingRevision.State.PENDING)
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            count = 0
            for revision in queryset:
                revisions.reject(revision, request.user, form.cleaned_data["reason"])
                count += 1
            self.message_user(
                request, f"{count} modification(s) refusée(s), motif envoyé.", messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Refuser des modifications",
            "form": form,
            "queryset": queryset.select_related("business"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/businesses/listingrevision/reject.html", context)
