"""The merchant's catalogue and ordering campaigns (owner only; others get a 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render

from geo_directory.businesses.models import Business

from .forms import CampaignForm, ProductForm, SlotFormSet
from .models import Campaign, Product


def _owned(request, business_id: int) -> Business:
    return get_object_or_404(Business, pk=business_id, owner=request.user)


@login_required
def catalogue_admin(request, business_id: int):
    business = _owned(request, business_id)
    return render(
        request,
        "orders/merchant_catalogue.html",
        {
            "business": business,
            "products": business.products.all(),
            "campaigns": business.campaigns.prefetch_related("slots"),
        },
    )


@login_required
def product_edit(request, business_id: int, product_id: int | None = None):
    business = _owned(request, business_id)
    product = None
    if product_id is not None:
        product = get_object_or_404(Product, pk=product_id, business=business)
    form = ProductForm(request.POST or None, instance=product or Product(business=business))
    if request.method == "POST" and form.is_valid():
        product = form.save()
        messages.success(request, f"« {product.name} » enregistré.")
        return redirect("orders:catalogue_admin", business_id=business.pk)
    return render(
        request,
        "orders/merchant_form.html",
        {
            "business": business,
            "form": form,
            "title": f"Modifier « {product.name} »" if product else "Nouveau produit",
        },
    )


@login_required
def campaign_edit(request, business_id: int, campaign_id: int | None = None):
    business = _owned(request, business_id)
    campaign = None
    if campaign_id is not None:
        campaign = get_object_or_404(Campaign, pk=campaign_id, business=business)
    instance = campaign or Campaign(business=business)
    form = CampaignForm(request.POST or None, instance=instance)
    formset = SlotFormSet(request.POST or None, instance=instance, prefix="slots")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                campaign = form.save()
                _save_slots(formset, campaign)
        except (IntegrityError, _SlotInUse) as exc:
            messages.error(request, _slot_error(exc))
        else:
            messages.success(request, f"Campagne « {campaign.name} » enregistrée.")
            return redirect("orders:catalogue_admin", business_id=business.pk)
    return render(
        request,
        "orders/merchant_campaign.html",
        {"business": business, "form": form, "formset": formset, "campaign": campaign},
    )


class _SlotInUse(Exception):
    pass


def _slot_error(exc) -> str:
    if isinstance(exc, _SlotInUse):
        return str(exc)
    return (
        "Un créneau a reçu des commandes pendant la modification : sa capacité ne peut pas "
        "descendre sous le nombre de commandes. Rechargez la page et recommencez."
    )


def _save_slots(formset, campaign) -> None:
    """Write only the merchant's fields: booked_count is PostgreSQL's (checkouts)."""
    for form in formset.forms:
        if not form.has_changed() and not form.instance.pk:
            continue
        slot = form.instance
        if formset.can_delete and formset._should_delete_form(form):
            if slot.pk:
                if slot.orders.exists():
                    raise _SlotInUse(
                        f"Le créneau {slot} a des commandes : il ne peut être supprimé."
                    )
                slot.delete()
            continue
        if not form.has_changed():
            continue
        slot = form.save(commit=False)
        slot.campaign = campaign
        if slot.pk:
            slot.save(update_fields=["kind", "starts_at", "ends_at", "capacity"])
        else:
            slot.save()
