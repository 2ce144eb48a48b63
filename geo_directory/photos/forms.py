from django import forms

from .models import ALT_LABEL

ACCEPT = "image/jpeg,image/png,image/webp"


class PhotoUploadForm(forms.Form):
    image = forms.FileField(
        label="Photo (JPEG, PNG ou WebP, 10 Mo au maximum)",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={
            "required": "Choisissez une photo.",
            "empty": "Le fichier est vide.",
            "invalid": "Ce fichier n'a pas pu être reçu : réessayez.",
        },
    )
    alt_text = forms.CharField(
        label=ALT_LABEL,
        max_length=250,
        help_text="Par exemple : « Vitrine de la boulangerie décorée pour Noël ».",
        error_messages={
            "required": "Décrivez la photo en quelques mots.",
            "max_length": "250 caractères au maximum.",
        },
    )
    product = forms.ModelChoiceField(
        label="Produit montré (facultatif)",
        queryset=None,
        required=False,
        empty_label="— la boutique, pas un produit en particulier —",
        error_messages={"invalid_choice": "Ce produit n'est pas dans votre catalogue."},
    )

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this listing's own products: another shop's product id is refused.
        self.fields["product"].queryset = business.products.order_by("position", "name")

    def clean_alt_text(self):
        text = " ".join(self.cleaned_data["alt_text"].split())
        if not text:
            raise forms.ValidationError("Décrivez la photo en quelques mots.")
        return text
