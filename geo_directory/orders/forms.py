from django import forms
from django.utils import timezone

from .models import Order, Slot, euros
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
        return data


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
