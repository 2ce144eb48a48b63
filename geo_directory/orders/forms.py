from decimal import Decimal

from django import forms
from django.utils import timezone

from geo_directory.territory.region import BadCoordinates, check_lonlat

from .models import ALLERGENS, Campaign, Order, Product, Slot, euros
from .services import MAX_QUANTITY


class AddToCartForm(forms.Form):
    product = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label="Quantité", min_value=1, max_value=MAX_QUANTITY, initial=1)


class SlotSelect(forms.Select):
    """Each option carries its kind (pickup/delivery) so the page can filter them."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        slot = getattr(value, "instance", None)
        if slot is not None:
            option["attrs"]["data-kind"] = slot.kind
        return option


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, slot):
        campaign = slot.campaign
        remaining = slot.remaining
        places = "complet" if remaining == 0 else f"{remaining} place{'s' if remaining > 1 else ''}"
        return f"{campaign.name} — {slot} ({places})"


class CheckoutForm(forms.Form):
    fulfilment = forms.ChoiceField(
        label="Mode", choices=Order.Fulfilment.choices, widget=forms.RadioSelect
    )
    slot = SlotChoiceField(label="Créneau", queryset=Slot.objects.none(), widget=SlotSelect)
    customer_name = forms.CharField(label="Nom", max_length=200)
    email = forms.EmailField(label="E-mail")
    phone = forms.CharField(label="Téléphone", max_length=30)
    delivery_address = forms.CharField(label="Adresse de livraison", max_length=300, required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    note = forms.CharField(
        label="Remarque pour le commerce", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["slot"].queryset = (
            Slot.objects.filter(campaign__business=business)
            .filter(campaign__in=business.campaigns.open_at(timezone.now()))
            .select_related("campaign")
        )
        choices = []
        if business.campaigns.open_at(timezone.now()).filter(offers_pickup=True).exists():
            choices.append(("pickup", "Retrait au commerce"))
        if (
            business.offers_delivery
            and business.campaigns.open_at(timezone.now()).filter(offers_delivery=True).exists()
        ):
            label = "Livraison"
            if business.delivery_fee_cents:
                label += f" ({euros(business.delivery_fee_cents)})"
            if business.delivery_min_order_cents:
                label += f", dès {euros(business.delivery_min_order_cents)} de commande"
            choices.append(("delivery", label))
        self.fields["fulfilment"].choices = choices
        if len(choices) == 1:
            self.fields["fulfilment"].initial = choices[0][0]

    def clean(self):
        data = super().clean()
        slot, fulfilment = data.get("slot"), data.get("fulfilment")
        if slot and fulfilment and slot.kind != fulfilment:
            self.add_error("slot", "Choisissez un créneau de " + Slot.Kind(fulfilment).label + ".")
        if fulfilment == "delivery" and not data.get("delivery_address"):
            self.add_error("delivery_address", "Indiquez l'adresse de livraison.")
        lon, lat = data.get("lon"), data.get("lat")
        if lon is not None and lat is not None:
            try:
                data["lon"], data["lat"] = check_lonlat(lon, lat)
            except BadCoordinates as exc:
                self.add_error("delivery_address", f"Position de livraison invalide : {exc}")
        return data


REFUSAL_REASONS = [
    ("rupture", "Rupture de stock"),
    ("complet", "Créneau complet"),
    ("hors_zone", "Hors zone de livraison"),
    ("autre", "Autre"),
]


class GuestOrdersForm(forms.Form):
    email = forms.EmailField(
        label="L'adresse e-mail utilisée pour commander",
        error_messages={
            "required": "Indiquez l'adresse e-mail utilisée pour commander.",
            "invalid": "Adresse e-mail invalide : vérifiez-la (exemple : prenom@exemple.fr).",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (s, s.label)
            for s in (
                Order.Status.ACCEPTED,
                Order.Status.REFUSED,
                Order.Status.READY,
                Order.Status.COLLECTED,
            )
        ]
    )
    note = forms.CharField(required=False, max_length=300)
    # A refusal says why, and the resident's e-mail carries it (see ``reason_text``).
    reason = forms.ChoiceField(
        label="Motif du refus", choices=REFUSAL_REASONS, required=False, widget=forms.RadioSelect
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") != Order.Status.REFUSED:
            return cleaned
        reason, note = cleaned.get("reason"), (cleaned.get("note") or "").strip()
        if reason and reason != "autre":
            cleaned["reason_text"] = dict(REFUSAL_REASONS)[reason] + (f" : {note}" if note else "")
        elif note:  # « Autre », or a reason typed without a choice
            cleaned["reason_text"] = note
        elif reason == "autre":
            raise forms.ValidationError("Précisez le motif du refus (« Autre »).")
        else:
            raise forms.ValidationError(
                "Choisissez le motif du refus : il est envoyé au client avec la commande."
            )
        cleaned["note"] = cleaned["reason_text"][:300]
        return cleaned


# The browser's date-time picker (Europe/Paris, the site's time zone).
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProductForm(forms.ModelForm):
    """Price typed in euros (``12,50``) and stored in cents, never through a float."""

    price = forms.DecimalField(
        label="Prix TTC (€)", min_value=0, max_digits=8, decimal_places=2, localize=True
    )
    allergens = forms.MultipleChoiceField(
        label="Allergènes", choices=ALLERGENS, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Product
        fields = ["name", "description", "price", "vat_rate", "allergens", "available", "stock"]
        help_texts = {"stock": "Laisser vide : pas de gestion de stock (fait à la commande)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["price"] = Decimal(self.instance.price_cents).scaleb(-2)
        # Compare the stock with what the merchant saw (a hidden copy), not with the
        # database at submit time: untouched, it is not written back (see save()).
        self.fields["stock"].show_hidden_initial = True
        self.fields["stock"].min_value = 0
        self.fields["stock"].widget.attrs["min"] = 0

    def save(self, commit=True):
        product = super().save(commit=False)
        product.price_cents = int(self.cleaned_data["price"] * 100)
        if commit:
            if product.pk:
                # Only what the merchant changed: never write back a stale stock over the
                # decrements of checkouts that happened while the form was open.
                fields = {"price_cents" if f == "price" else f for f in self.changed_data}
                if fields:
                    product.save(update_fields=[*fields, "updated_at"])
            else:
                product.save()
        return product


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "description", "cutoff_at", "offers_pickup", "offers_delivery", "active"]
        widgets = {"cutoff_at": LOCAL_DATETIME}
        help_texts = {"cutoff_at": "Heure de Paris."}

    def clean(self):
        data = super().clean()
        if not (data.get("offers_pickup") or data.get("offers_delivery")):
            raise forms.ValidationError("Proposez le retrait, la livraison ou les deux.")
        return data


class SlotForm(forms.ModelForm):
    class Meta:
        model = Slot
        fields = ["kind", "starts_at", "ends_at", "capacity"]
        widgets = {
            "starts_at": LOCAL_DATETIME,
            "ends_at": LOCAL_DATETIME,
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "La fin doit suivre le début.")
        capacity = data.get("capacity")
        if self.instance.pk and capacity is not None and capacity < self.instance.booked_count:
            self.add_error(
                "capacity",
                f"Déjà {self.instance.booked_count} commande(s) sur ce créneau : "
                "la capacité ne peut pas être inférieure.",
            )
        return data


SlotFormSet = forms.inlineformset_factory(
    Campaign, Slot, form=SlotForm, extra=2, can_delete=True, min_num=0
)
