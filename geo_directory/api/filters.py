"""Query parameters of the listing endpoints: parsed, validated, applied.

Every parameter is a django-filter filter whose form field validates it and says in
French what is wrong; the view turns the form errors into
``HTTP 400 {"errors": {"<param>": "<reason>"}}``. Filters call the queryset methods of
``geo_directory.businesses.managers``: no SQL here.
"""

from __future__ import annotations

import copy
import datetime as dt
import math

import django_filters
from django import forms
from django.contrib.gis.geos import Point
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.constants import EMPTY_VALUES

from geo_directory.businesses.hours import PARIS
from geo_directory.businesses.models import Business

from . import reference

MAX_DIST_M = 50_000  # a radius larger than this is not "near me": refuse it
MAX_BBOX_SPAN_DEG = 10.0  # the region spans 3.5° × 2.3°; a 10° viewport is all of France
MIN_Q, MAX_Q = 2, 100
# A name search without a point ranks at most this many matches (the first the index
# finds; exact when fewer match): a common word alone matches tens of thousands. More
# than views.COUNT_CAP, so that the capped count still tells "more than COUNT_CAP".
RANKED_AT_MOST = 1_001

TRUE = {"true", "1", "yes", "oui", "on"}
FALSE = {"false", "0", "no", "non", "off"}


def _floats(value: str, count: int) -> list[float] | None:
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != count:
        return None
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    return numbers if all(math.isfinite(n) for n in numbers) else None


# Positions are projected to Lambert-93 (metres): accept France and well around it, not
# the poles or the antimeridian, where the projection has no meaning.
DOMAIN = (-20.0, 30.0, 30.0, 60.0)  # lon_min, lat_min, lon_max, lat_max


def _in_range(lon: float, lat: float) -> bool:
    return DOMAIN[0] <= lon <= DOMAIN[2] and DOMAIN[1] <= lat <= DOMAIN[3]


class PointParam(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        numbers = _floats(value, 2)
        if numbers is None:
            raise forms.ValidationError(
                "attendu « longitude,latitude » en degrés décimaux (WGS84), "
                f"par exemple 5.3698,43.2965 ; reçu « {value[:60]} »"
            )
        if not _in_range(*numbers):
            raise forms.ValidationError(
                "attendu « longitude,latitude » en France ou alentours (longitude de -20 à 30, "
                f"latitude de 30 à 60) ; reçu « {value[:60]} »"
            )
        return Point(numbers[0], numbers[1], srid=4326)


class DistanceParam(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            metres = float(value)
        except ValueError:
            metres = math.nan
        if not math.isfinite(metres) or metres < 0 or metres > MAX_DIST_M:
            raise forms.ValidationError(
                f"attendu une distance en mètres entre 0 et {MAX_DIST_M:,} ; "
                f"reçu « {value[:60]} »".replace(",", " ")
            )
        return metres


class BBoxParam(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        numbers = _floats(value, 4)
        if numbers is None:
            raise forms.ValidationError(
                "attendu « lon_min,lat_min,lon_max,lat_max » en degrés décimaux (WGS84), "
                f"par exemple 5.36,43.29,5.38,43.30 ; reçu « {value[:80]} »"
            )
        if not (_in_range(*numbers[:2]) and _in_range(*numbers[2:])):
            raise forms.ValidationError(
                "attendu « lon_min,lat_min,lon_max,lat_max » en France ou alentours "
                f"(longitudes de -20 à 30, latitudes de 30 à 60) ; reçu « {value[:80]} »"
            )
        min_lon, min_lat, max_lon, max_lat = numbers
        if min_lon >= max_lon or min_lat >= max_lat:
            raise forms.ValidationError(
                "rectangle inversé ou vide : il faut lon_min < lon_max et lat_min < lat_max"
            )
        if max_lon - min_lon > MAX_BBOX_SPAN_DEG or max_lat - min_lat > MAX_BBOX_SPAN_DEG:
            raise forms.ValidationError(
                f"rectangle trop grand : au plus {MAX_BBOX_SPAN_DEG:g}° de côté"
            )
        return tuple(numbers)


class CommuneParam(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        value = value.strip().upper()
        if value not in reference.get().commune_names:
            raise forms.ValidationError(
                f"commune inconnue : « {value[:20]} » (attendu un code INSEE de la Région Sud, "
                "par exemple 13055 pour Marseille)"
            )
        return value


class DepartementParam(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        value = value.strip().upper()
        known = reference.get().departements
        if value not in known:
            raise forms.ValidationError(
                f"département inconnu : « {value[:20]} » (attendu l'un de "
                f"{', '.join(sorted(known))})"
            )
        return value


class RepeatedCSVWidget(forms.TextInput):
    """``?category=a,b&category=c`` → ``["a,b", "c"]`` (the field splits the commas)."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return [value] if isinstance(value, str) else value


class CategoriesParam(forms.Field):
    widget = RepeatedCSVWidget

    def to_python(self, value):
        slugs = []
        for item in value or []:
            slugs.extend(s.strip() for s in str(item).split(",") if s.strip())
        if not slugs:
            return None
        known = reference.get().by_slug
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise forms.ValidationError(
                f"catégorie inconnue : « {', '.join(u[:40] for u in unknown[:5])} » "
                "(voir /api/v1/categories/)"
            )
        return list(dict.fromkeys(slugs))


class SearchParam(forms.CharField):
    def to_python(self, value):
        value = " ".join((super().to_python(value) or "").split())
        if not value:
            return None
        if not MIN_Q <= len(value) <= MAX_Q:
            raise forms.ValidationError(
                f"la recherche doit compter entre {MIN_Q} et {MAX_Q} caractères"
            )
        return value


class BooleanParam(forms.CharField):
    def to_python(self, value):
        value = (super().to_python(value) or "").strip().lower()
        if not value:
            return None
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise forms.ValidationError(f"attendu true ou false ; reçu « {value[:20]} »")


class DateTimeParam(forms.CharField):
    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        # A "+01:00" offset arrives as " 01:00" when the client did not encode the "+".
        if " " in value and "T" in value:
            value = value.replace(" ", "+", 1)
        try:
            when = parse_datetime(value)
        except ValueError:
            when = None
        if when is not None and not 1970 <= when.year <= 2200:
            raise forms.ValidationError(f"date hors de la plage 1970-2200 ; reçu « {value[:40]} »")
        if when is None:
            raise forms.ValidationError(
                "attendu une date et heure ISO 8601, par exemple 2026-12-24T10:30 "
                f"(heure de Paris si sans fuseau) ; reçu « {value[:40]} »"
            )
        if timezone.is_naive(when):
            when = when.replace(tzinfo=PARIS)
        # Python takes offsets up to ±24 h, PostgreSQL up to ±15:59: real ones are -12..+14.
        if abs(when.utcoffset()) > dt.timedelta(hours=14):
            raise forms.ValidationError(
                f"fuseau horaire hors de la plage -12:00 à +14:00 ; reçu « {value[:40]} »"
            )
        return when


class ServiceParam(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs["choices"] = [("pickup", "retrait"), ("delivery", "livraison")]
        kwargs.setdefault("error_messages", {})["invalid_choice"] = (
            "attendu pickup (retrait) ou delivery (livraison) ; reçu « %(value)s »"
        )
        super().__init__(**kwargs)


def _filter(field_class, method=None, **kwargs):
    class ParamFilter(django_filters.Filter):
        pass

    ParamFilter.field_class = field_class
    return ParamFilter(method=method, **kwargs)


class BusinessFilterForm(forms.Form):
    def _clean_fields(self):
        """Form._clean_fields without a BoundField per field (ten per request): these
        fields are never disabled, hold no file and have no ``clean_<name>`` method, so
        each one cleans its widget's value directly, with the same errors."""
        for name, field in self.fields.items():
            value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            try:
                self.cleaned_data[name] = field.clean(value)
            except forms.ValidationError as error:
                self.add_error(name, error)

    def clean(self):
        data = super().clean()
        # PostgreSQL refuses NUL in text: any parameter holding one is a 400, never a 500.
        for name in self.fields:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            if any("\x00" in value for value in values):
                self.add_error(name, "caractère nul (\\x00) interdit")
        if data.get("dist") is not None and data.get("point") is None:
            self.add_error("dist", "dist n'a de sens qu'avec point=longitude,latitude")
        if data.get("open_now") and data.get("open_at") is not None:
            self.add_error("open_at", "open_now=true et open_at s'excluent : choisissez l'un")
        return data


class _SharedFields(dict):
    """A form's fields, shared by its instances instead of deep-copied for each one.

    Safe here: these forms are never rendered and nothing changes a field per request.
    """

    def __deepcopy__(self, memo):
        return _SharedFields(self)


class LeanFilterSet(django_filters.FilterSet):
    """A FilterSet without django-filter's per-request set-up cost.

    django-filter deep-copies every filter and builds a new form class (then deep-copies
    its fields) for each FilterSet instance: about 1.4 ms per API request on the shared
    cores, more than a small query. Here the form class is built once per FilterSet
    class, its fields are shared, and each filter with a ``method`` calls that method of
    this instance directly (as django-filter's FilterMethod does: empty values skipped).
    Filters without a ``method`` are not supported (refused at class creation).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        plain = [name for name, f in cls.base_filters.items() if not isinstance(f.method, str)]
        if plain:
            raise TypeError(f"{cls.__name__}: filters without a method name: {plain}")

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix

    @property
    def filters(self):
        """django-filter's per-instance copies, built only if something asks for them."""
        if "_filters" not in self.__dict__:
            self._filters = copy.deepcopy(self.base_filters)
            for filter_ in self._filters.values():
                filter_.model = self.queryset.model
                filter_.parent = self
        return self._filters

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            fields = {name: filter_.field for name, filter_ in self.base_filters.items()}
            form_class = type(f"{cls.__name__}Form", (self._meta.form,), fields)
            form_class.base_fields = _SharedFields(form_class.base_fields)
            cls._form_class = form_class
        return form_class

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            if value not in EMPTY_VALUES:
                filter_ = self.base_filters[name]
                queryset = getattr(self, filter_.method)(queryset, filter_.field_name, value)
        return queryset


class BusinessFilterSet(LeanFilterSet):
    """The filters of /api/v1/businesses/, /communes/{insee}/businesses/ and /clusters/."""

    point = _filter(PointParam, method="filter_noop", help_text="longitude,latitude")
    dist = _filter(DistanceParam, method="filter_noop", help_text="rayon en mètres")
    in_bbox = _filter(BBoxParam, method="filter_bbox")
    commune = _filter(CommuneParam, method="filter_commune")
    departement = _filter(DepartementParam, method="filter_departement")
    category = _filter(CategoriesParam, method="filter_category")
    q = _filter(SearchParam, method="filter_q")
    open_now = _filter(BooleanParam, method="filter_open_now")
    open_at = _filter(DateTimeParam, method="filter_open_at")
    service = _filter(ServiceParam, method="filter_service")

    class Meta:
        model = Business
        fields = []
        form = BusinessFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, now=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.now = now or timezone.now()

    def filter_noop(self, queryset, name, value):
        return queryset  # point and dist order the results: see filter_queryset

    def filter_bbox(self, queryset, name, value):
        return queryset.in_bbox(*value)

    def filter_commune(self, queryset, name, value):
        return queryset.within_commune(value)

    def filter_departement(self, queryset, name, value):
        # Its communes from memory: an index range on commune_id instead of a join when
        # the département's INSEE codes form a range of their own (always in the region).
        span = reference.get().departement_range(value)
        if span is None:
            return queryset.in_departement(value)
        return queryset.filter(commune_id__gte=span[0], commune_id__lte=span[1])

    def filter_category(self, queryset, name, value):
        # Descendants from the in-memory taxonomy: no query to expand the tree.
        return queryset.filter(category_id__in=reference.get().descendants(value))

    def filter_q(self, queryset, name, value):
        return queryset.matching(value)

    def filter_open_now(self, queryset, name, value):
        if value:
            return queryset.open_at(self.now)
        return queryset.exclude(Business.objects.open_condition(self.now))

    def filter_open_at(self, queryset, name, value):
        return queryset.open_at(value)

    def filter_service(self, queryset, name, value):
        return queryset.offering(value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("point") is not None:
            if data.get("dist") is not None:
                queryset = queryset.within_radius(data["point"], data["dist"])
            return queryset.nearest_to(data["point"])
        if data.get("q"):
            return queryset.order_by("-relevance", "id")
        if data.get("commune") or data.get("departement"):
            return queryset.by_commune()
        if data.get("in_bbox"):  # filter_bbox has kept the listings in the box
            return queryset.centre_first(*data["in_bbox"])
        return queryset.order_by("id")

    @property
    def qs(self):
        """The listings to page through. A name search without a point ranks at most
        RANKED_AT_MOST matches (``by_relevance``); ``filter_queryset`` alone (the
        clusters) keeps every match."""
        if not hasattr(self, "_ranked"):
            self._ranked = self.ranked(super().qs)
        return self._ranked

    def ranked(self, queryset):
        """``queryset`` (filtered) with a name search's ranking bound, if there is one."""
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("q") and data.get("point") is None:
            return queryset.by_relevance(data["q"], RANKED_AT_MOST)
        return queryset

    def error_dict(self) -> dict[str, str]:
        return {name: " ; ".join(messages) for name, messages in self.form.errors.items()}


def parse_int(data, name: str, default: int, low: int, high: int, errors: dict) -> int:
    raw = (data.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        errors[name] = f"attendu un entier entre {low} et {high} ; reçu « {raw[:20]} »"
        return default
    return value


def paris_now() -> dt.datetime:
    return timezone.now().astimezone(PARIS)
