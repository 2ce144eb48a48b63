"""The merchant's pages for claiming a listing: find it, prove it, type the code."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from geo_directory import ratelimits
from geo_directory.businesses.models import Business

from . import claims
from .claim_forms import CodeForm, DocumentForm, FindForm, SiretForm
from .models import ListingClaim


@login_required
@require_http_methods(["GET", "POST"])
def claim(request):
    """Find « my shop » by name and commune (GET), or name it by its SIRET (POST)."""
    find = FindForm(request.GET if "name" in request.GET else None)
    results = None
    if find.is_bound and find.is_valid():
        data = find.cleaned_data
        results = claims.find_claimable(data["name"], data["place"], data["street"])
    siret_form = SiretForm(request.POST or None)
    if request.method == "POST" and siret_form.is_valid():
        business = siret_form.business
        if business.owner_id == request.user.pk:
            messages.info(request, "Cette fiche est déjà la vôtre.")
            return redirect("accounts:edit", pk=business.pk)
        result = claims.create_claim(
            request.user,
            business,
            siret_form.cleaned_data["siret"],
            siret_form.cleaned_data["message"],
        )
        if result.status == ListingClaim.Status.APPROVED:
            messages.success(
                request,
                f"Votre adresse e-mail correspond au site de « {business.name} » : "
                "la fiche vous est attribuée.",
            )
            return redirect("accounts:edit", pk=business.pk)
        messages.success(
            request,
            f"Demande enregistrée pour « {business.name} » : un modérateur va la vérifier.",
        )
        return redirect("accounts:dashboard")
    return render(
        request,
        "accounts/claim.html",
        {"find": find, "results": results, "siret_form": siret_form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_listing(request, pk: int):
    """The listing the merchant picked, and the ways to prove it is theirs."""
    business = get_object_or_404(
        Business.objects.select_related("commune", "category"),
        pk=pk,
        status=Business.Status.PUBLISHED,
        merged_into__isnull=True,
    )
    if business.owner_id == request.user.pk:
        messages.info(request, "Cette fiche est déjà la vôtre.")
        return redirect("accounts:edit", pk=business.pk)
    owned = business.owner_id is not None
    destinations = {} if owned else claims.code_destinations(business)
    domain_ok = not owned and claims.domain_matches(request.user.email, business.website)
    document_form = DocumentForm()
    action = request.POST.get("action")
    try:
        if request.method == "POST" and action == "domain":
            claims.claim_by_domain(request.user, business)
            messages.success(
                request,
                f"Votre adresse e-mail correspond au site de « {business.name} » : "
                "la fiche vous est attribuée.",
            )
            return redirect("accounts:edit", pk=business.pk)
        if request.method == "POST" and action == "code":
            retry = ratelimits.check(request, "claim_code")
            if retry:
                return ratelimits.too_many(request, "claim_code", retry)
            claim = claims.send_code(request.user, business, request.POST.get("channel", ""))
            return redirect("accounts:claim_code", claim_id=claim.pk)
        if request.method == "POST" and action == "document":
            document_form = DocumentForm(request.POST, request.FILES)
            if document_form.is_valid():
                claims.submit_document(
                    request.user,
                    business,
                    document_form.cleaned_data["document"],
                    document_form.kind,
                    document_form.cleaned_data["message"],
                )
                messages.success(
                    request,
                    f"Justificatif reçu pour « {business.name} » : un modérateur va le "
                    "vérifier, vous recevrez sa réponse par e-mail.",
                )
                return redirect("accounts:dashboard")
    except claims.ClaimError as exc:
        messages.error(request, str(exc))
    return render(
        request,
        "accounts/claim_listing.html",
        {
            "business": business,
            "owned": owned,
            "destinations": destinations,
            "domain_ok": domain_ok,
            "document_form": document_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_code(request, claim_id: int):
    """Type the code received on the listing's e-mail or mobile."""
    claim = get_object_or_404(
        ListingClaim.objects.select_related("business"), pk=claim_id, user=request.user
    )
    business = claim.business
    if claim.status == ListingClaim.Status.APPROVED and business.owner_id == request.user.pk:
        return redirect("accounts:edit", pk=business.pk)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claims.check_code(claim, form.cleaned_data["code"])
        except claims.ClaimError as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(
                request, f"Code vérifié : la fiche « {business.name} » est maintenant la vôtre."
            )
            return redirect("accounts:edit", pk=business.pk)
    destination = claims.code_destinations(business).get(claim.code_channel, "")
    return render(
        request,
        "accounts/claim_code.html",
        {
            "claim": claim,
            "business": business,
            "form": form,
            "destination": destination,
            "minutes": int(claims.CODE_VALIDITY.total_seconds() // 60),
            "can_resend": claim.codes_sent < claims.MAX_CODES,
        },
        status=400 if form.errors else 200,
    )
