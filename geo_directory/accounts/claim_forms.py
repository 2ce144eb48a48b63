"""The forms of claiming a listing (claims.py does the work)."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from geo_directory.businesses.models import Business
from geo_directory.businesses.validators import siret_error

from . import claims


class FindForm(forms.Form):
    """« Find my shop »: its name, and its commune or postcode."""

    name = forms.CharField(label="Nom du commerce", max_length=100)
    place = forms.CharField(label="Commune ou code postal", max_length=100)
    street = forms.CharField(label="Rue (facultatif)", max_length=100, required=False)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise forms.ValidationError("Indiquez au moins 2 lettres du nom.")
        return name


class SiretForm(forms.Form):
    siret = forms.CharField(label="SIRET de l'établissement", max_length=20)
    message = forms.CharField(
        label="Message au modérateur (facultatif)", widget=forms.Textarea, required=False
    )

    def clean_siret(self):
        siret = "".join(self.cleaned_data["siret"].split())
        if siret_error(siret):
            raise forms.ValidationError("Numéro SIRET invalide : vérifiez les 14 chiffres.")
        business = Business.objects.filter(siret=siret, merged_into__isnull=True).first()
        if business is None:
            raise forms.ValidationError(
                format_html(
                    'Aucune fiche avec ce SIRET : <a href="{}">créez la fiche de votre '
                    "commerce</a>.",
                    reverse("accounts:create"),
                )
            )
        self.business = business
        return siret


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code reçu (6 chiffres)",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == claims.CODE_DIGITS and code.isascii() and code.isdigit()):
            raise forms.ValidationError("Le code compte 6 chiffres.")
        return code


class DocumentForm(forms.Form):
    document = forms.FileField(
        label="Justificatif (PDF, JPEG ou PNG, 5 Mo au plus)",
        help_text="Extrait Kbis, facture d'énergie ou avis de CFE au nom du commerce.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    message = forms.CharField(
        label="Message au modérateur (facultatif)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > claims.MAX_DOCUMENT_BYTES:
            raise forms.ValidationError("Fichier trop lourd : 5 Mo au maximum.")
        kind = claims.document_type(upload)
        if kind is None:
            raise forms.ValidationError("Ce fichier n'est ni un PDF, ni une image JPEG ou PNG.")
        self.kind = kind
        return upload
