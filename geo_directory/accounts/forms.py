from __future__ import annotations

import json

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Point, Polygon
from django.forms.models import ModelChoiceIterator

from geo_directory.businesses.models import Business, Category
from geo_directory.territory.managers import OutsideRegion
from geo_directory.territory.models import Commune
from geo_directory.territory.region import (
    EXTENT,
    ZONE_MARGIN,
    BadCoordinates,
    check_geojson,
    check_lonlat,
    grown,
)

from . import hours_editor

User = get_user_model()

WEEKDAYS_FR = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]


class SignupForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail")
    password1 = forms.CharField(label="Mot de passe", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label="Confirmation du mot de passe", widget=forms.PasswordInput, strip=False
    )

    def clean_email(self):
        # Whether an account exists is never said here (account enumeration): the view
        # answers as for a new address and tells the existing owner by e-mail instead.
        return self.cleaned_data["email"].strip().lower()

    def existing_user(self):
        return User.objects.filter(username__iexact=self.cleaned_data["email"]).first()

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif p1:
            user = User(username=cleaned.get("email", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def save(self) -> User:
        email = self.cleaned_data["email"]
        user = User(username=email, email=email, is_active=False)
        user.set_password(self.cleaned_data["password1"])
        user.save()
        return user

    def hash_password_only(self) -> None:
        """The password hashing of ``save`` without the account: an existing address takes
        as long to answer as a new one (no timing difference to enumerate accounts)."""
        make_password(self.cleaned_data["password1"])


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.CharField(
        label="Adresse e-mail", widget=forms.EmailInput(attrs={"autofocus": True})
    )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class _GroupedLeaves(ModelChoiceIterator):
    """The choices, read lazily like Django's own (one query when the form is rendered)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        leaves = self.queryset.select_related("parent").order_by(
            "parent__position", "parent__label", "position", "label"
        )
        groups: dict[str, list] = {}
        for leaf in leaves:
            groups.setdefault(leaf.parent.label if leaf.parent else "", []).append(
                self.choice(leaf)
            )
        for parent, options in groups.items():
            if parent:
                yield (parent, options)
            else:  # a top-level category without children is a leaf of its own
                yield from options


class LeafCategoryField(forms.ModelChoiceField):
    """A listing's category: a leaf of the taxonomy, in an <optgroup> per parent category.

    A parent (« Alimentation ») says too little to be chosen: it is only a group's label,
    and the queryset (what validation accepts) holds the leaves only.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Catégorie")
        kwargs.setdefault(
            "help_text", "Choisissez l'activité la plus précise, dans sa famille de commerces."
        )
        kwargs.setdefault("empty_label", "— Choisissez la catégorie —")
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Choisissez la catégorie de votre commerce.",
                "invalid_choice": "Choisissez une catégorie de la liste : une activité "
                "précise (par exemple Boulangerie-pâtisserie), pas une famille.",
            },
        )
        super().__init__(queryset=Category.objects.filter(children__isnull=True), **kwargs)

    iterator = _GroupedLeaves


class BusinessForm(forms.ModelForm):
    """The merchant's listing: identity, address + pin, hours editor, services."""

    category = LeafCategoryField()

    city = forms.CharField(label="Commune", max_length=100, required=False)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    pin_precision = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[("", "")] + list(Business.Precision.choices),
    )
    pin_score = forms.FloatField(required=False, widget=forms.HiddenInput)
    closures = forms.CharField(
        label="Fermetures exceptionnelles",
        required=False,
        help_text="Dates JJ/MM séparées par des virgules, par exemple 24/12, 31/12.",
    )
    opening_hours_raw = forms.CharField(
        label="Horaires (syntaxe OpenStreetMap)", required=False, max_length=1000
    )
    delivery_zone_geojson = forms.CharField(required=False, widget=forms.HiddenInput)
    delivery_min_order_eur = forms.DecimalField(
        label="Commande minimum livrée (€)",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        localize=True,  # "3,50" as well as "3.50"
    )
    delivery_fee_eur = forms.DecimalField(
        label="Frais de livraison (€)",
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        localize=True,
    )
    website = forms.URLField(
        label="Site web", max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Business
        fields = [
            "name",
            "category",
            "siret",
            "street",
            "postcode",
            "phone",
            "email",
            "website",
            "description",
            "offers_pickup",
            "offers_delivery",
            "delivery_radius_km",
        ]
        localized_fields = ["delivery_radius_km"]
        labels = {"email": "E-mail", "description": "Présentation", "category": "Catégorie"}
        error_messages = {
            "siret": {
                "unique": "Ce SIRET est déjà référencé : revendiquez la fiche existante "
                "plutôt que d'en créer une nouvelle."
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.before = {name: _value(instance, name) for name in Business.MERCHANT_FIELDS}
        for day, label in enumerate(WEEKDAYS_FR):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label, required=False, widget=forms.TextInput(attrs={"class": "hours"})
            )
        state = hours_editor.parse(instance.opening_hours)
        self.initial_hours_state = state
        self.hours_mode = "editor" if state is not None else "raw"
        if state is not None:
            for day, ranges in state.days.items():
                self.initial[f"hours_{day}"] = hours_editor.format_ranges(ranges)
            self.initial["closures"] = hours_editor.format_closures(state.closures)
        self.initial["opening_hours_raw"] = instance.opening_hours
        for name in ("delivery_min_order", "delivery_fee"):
            cents = getattr(instance, f"{name}_cents")
            if cents is not None:
                self.initial[f"{name}_eur"] = cents / 100
        if instance.commune_id:
            self.initial["city"] = instance.commune.name
        if instance.location is not None:
            self.initial["lon"], self.initial["lat"] = instance.location.x, instance.location.y
            self.initial["pin_precision"] = instance.geocode_precision
            self.initial["pin_score"] = instance.geocode_score

    def clean_siret(self):
        siret = "".join((self.cleaned_data.get("siret") or "").split())
        return siret or None

    def clean_postcode(self):
        postcode = (self.cleaned_data.get("postcode") or "").strip()
        if postcode and not (postcode.isdigit() and len(postcode) == 5):
            raise forms.ValidationError("Le code postal compte 5 chiffres.")
        return postcode

    def _clean_hours(self) -> str:
        if self.hours_mode == "raw":
            raw = self.cleaned_data.get("opening_hours_raw", "")
            from geo_directory.businesses import hours

            try:
                return hours.validate(raw)
            except hours.InvalidHours as exc:
                self.add_error("opening_hours_raw", str(exc))
                return ""
        state = hours_editor.HoursState()
        for day in range(7):
            try:
                state.days[day] = hours_editor.parse_ranges(self.cleaned_data.get(f"hours_{day}"))
            except ValueError as exc:
                self.add_error(f"hours_{day}", str(exc))
        try:
            state.closures = hours_editor.parse_closures(self.cleaned_data.get("closures", ""))
        except ValueError as exc:
            self.add_error("closures", str(exc))
        if self.errors:
            return ""
        if state.normalised() == self.initial_hours_state:
            return self.instance.opening_hours  # unchanged: keep the original wording
        try:
            return hours_editor.build(state)
        except ValueError as exc:
            self.add_error("closures", str(exc))
            return ""

    def clean(self):
        cleaned = super().clean()
        self.opening_hours = self._clean_hours()
        self.point = self._clean_pin(
            cleaned.get("lon"), cleaned.get("lat"), cleaned.get("postcode") or None
        )
        self.drawn_zone = self._clean_zone(cleaned.get("delivery_zone_geojson"))
        if cleaned.get("offers_delivery") and not (
            cleaned.get("delivery_radius_km") or self.drawn_zone
        ):
            self.add_error(
                "delivery_radius_km",
                "Indiquez un rayon de livraison ou dessinez la zone sur la carte.",
            )
        radius = cleaned.get("delivery_radius_km")
        if radius is not None and not (0 < radius <= 100):
            self.add_error("delivery_radius_km", "Le rayon doit être compris entre 0 et 100 km.")
        return cleaned

    def _clean_pin(self, lon, lat, postcode: str | None) -> Point | None:
        if lon is None or lat is None:
            return None
        try:  # plain Python first: GEOS never sees a coordinate that could abort it
            lon, lat = check_lonlat(lon, lat)
        except BadCoordinates as exc:
            self.add_error(None, f"Position de l'épingle invalide : {exc}")
            return None
        point = Point(lon, lat, srid=4326)
        try:  # the address's postcode extends the coast's tolerance (islands, quays)
            Commune.objects.resolve_code(point, postcode)
        except OutsideRegion as exc:
            self.add_error(
                None,
                "L'épingle est hors de la Région Sud : placez-la sur la porte de votre "
                f"commerce. ({exc})",
            )
        return point

    def _clean_zone(self, raw: str) -> MultiPolygon | None:
        """The drawn zone: a (multi)polygon within the region's extent and its margin.

        Its coordinates are checked in Python before GEOS parses anything: GEOS 3.11
        aborts the whole worker (stack smashing in its WKT writer) on ~1e150 and more.
        """
        if not raw:
            return None
        try:
            geometry = check_geojson(
                json.loads(raw),
                box=grown(EXTENT, ZONE_MARGIN),
                types=("Polygon", "MultiPolygon"),
            )
        except BadCoordinates as exc:
            self.add_error(None, f"La zone de livraison dessinée est refusée : {exc}")
            return None
        except (ValueError, RecursionError):  # not JSON, or nested beyond reason
            self.add_error(None, "La zone de livraison dessinée est invalide.")
            return None
        try:
            zone = GEOSGeometry(json.dumps(geometry), srid=4326)
        except (ValueError, GEOSException, TypeError):
            zone = None
        if isinstance(zone, Polygon):
            zone = MultiPolygon(zone, srid=4326)
        if not isinstance(zone, MultiPolygon) or not zone.valid:
            self.add_error(None, "La zone de livraison dessinée est invalide.")
            return None
        return zone


def _value(instance, name):
    """A field's value to compare before and after the merchant's edit. Geometries are
    compared by their WKB (exact, and no WKT writer: GEOS's aborts on huge numbers)."""
    value = getattr(instance, f"{name}_id" if name == "category" else name, None)
    if hasattr(value, "ewkb"):
        return bytes(value.ewkb)
    return value
