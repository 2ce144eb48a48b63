"""The optional fields of a listing: opening hours, phone, e-mail, website.

Issue #18: an optional value that cannot be read never rejects its row. The listing is
loaded without that value and the report counts a *warning* (line, field, a French
reason for the partner's staff: never a parser's internals).

Opening hours are read in three steps, each only when the previous one fails:
1. OpenStreetMap syntax (``hours.validate``): the value is kept, pre-computed;
2. French text (``businesses.hours_fr``, which answers only when it is sure): its OSM value
   is kept, pre-computed; the source's text is also kept in ``opening_hours_text`` when the
   translation relied on a convention (« midi » = 12 h – 14 h), so that a person can read
   what the source really said; a translation without convention keeps no text (the
   model's rule: the text is for hours that could not be read with certainty);
3. else no OSM value: the text is kept as written in ``opening_hours_text`` (shown to
   people, never interpreted: no « ouvert maintenant ») and a warning says why.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from geo_directory.businesses import hours, hours_fr

MAX_HOURS = 1000  # businesses_business.opening_hours
MAX_HOURS_TEXT = 4000  # what is kept of a text nobody could read (a paragraph or two)
MAX_PHONE, MAX_EMAIL, MAX_WEBSITE = 30, 254, 500  # the listings' columns

SEVERAL = "plusieurs valeurs : seule la première lisible est gardée"
_PHONE_PARTS = re.compile(r"\s*(?:[\n;/,|]|\bou\b)\s*", re.IGNORECASE)
_PHONE_NOISE = re.compile(r"[\s.\-()\u00a0]")
_PHONE = re.compile(r"\+?[0-9]{6,15}")
_url = URLValidator(schemes=["http", "https"])


def _hours_literals(normalised: str) -> tuple:
    """(week, windows, until) as COPY text, from a validated OSM value."""
    computed = hours.compute(normalised)
    week = (
        None
        if computed.week is None
        else "{" + ",".join(f"[{lo},{hi})" for lo, hi in computed.week) + "}"
    )
    windows = (
        None
        if computed.windows is None
        else "{"
        + ",".join(f'["{lo.isoformat()}","{hi.isoformat()}")' for lo, hi in computed.windows)
        + "}"
    )
    return week, windows, computed.windows_until


class HoursCache:
    """The reading of each distinct hours text (sources repeat a few thousand at most)."""

    def __init__(self, limit: int = 50_000):
        self.limit = limit
        self.cache: dict[str, tuple] = {}

    def get(self, expression: str):
        """(normalised, week, windows, until) of an OSM value, or raise InvalidHours."""
        hit = self.read(expression)
        if hit[5] is not None or hit[4]:
            raise hours.InvalidHours(hit[5] or "not OpenStreetMap syntax")
        return hit[:4]

    def read(self, text: str) -> tuple:
        """(OSM value or "", week, windows, until, text kept or "", French warning or None)."""
        hit = self.cache.get(text)
        if hit is None:
            hit = _read_hours(text)
            if len(self.cache) >= self.limit:
                self.cache.clear()
            self.cache[text] = hit
        return hit


def _read_hours(text: str) -> tuple:
    if len(text) <= MAX_HOURS:
        try:
            normalised = hours.validate(text)
            return (normalised, *_hours_literals(normalised), "", None)
        except hours.InvalidHours:
            pass
    translation = hours_fr.translate(text)
    if translation.value and len(translation.value) <= MAX_HOURS:
        try:
            normalised = hours.validate(translation.value)
            kept = text[:MAX_HOURS_TEXT] if translation.note else ""
            return (normalised, *_hours_literals(normalised), kept, None)
        except hours.InvalidHours:  # hours_fr validates its values: not expected
            pass
    reason = translation.reason or "horaires non reconnus"
    return (
        "",
        None,
        None,
        None,
        text[:MAX_HOURS_TEXT],
        f"horaires gardés en texte, sans « ouvert maintenant » : {reason}",
    )


def _first(parts: list[str], readable) -> tuple[str, str | None]:
    """The first readable part, and a warning when some were left out."""
    for part in parts:
        value = readable(part)
        if value:
            return value, (SEVERAL if len(parts) > 1 else None)
    return "", None


def read_phone(text: str) -> tuple[str, str | None]:
    parts = [p for p in _PHONE_PARTS.split(text) if p]

    def readable(part):
        ok = len(part) <= MAX_PHONE and _PHONE.fullmatch(_PHONE_NOISE.sub("", part))
        return part if ok else ""

    value, warning = _first(parts, readable)
    return (value, warning) if value else ("", "numéro de téléphone illisible : laissé vide")


def read_website(text: str) -> tuple[str, str | None]:
    def readable(part):
        url = part if "://" in part else f"http://{part}"  # « www.exemple.fr »
        if len(url) > MAX_WEBSITE:
            return ""
        try:
            _url(url)
        except ValidationError:
            return ""
        return url

    value, warning = _first(text.split(), readable)
    return (value, warning) if value else ("", "adresse de site web invalide : laissée vide")


def read_email(text: str) -> tuple[str, str | None]:
    def readable(part):
        try:
            validate_email(part)
        except ValidationError:
            return ""
        return part if len(part) <= MAX_EMAIL else ""

    value, warning = _first([p for p in re.split(r"[\s;,]+", text) if p], readable)
    return (value, warning) if value else ("", "adresse e-mail invalide : laissée vide")


_READERS = (("phone", read_phone), ("email", read_email), ("website", read_website))


def check_optional(record, hours_cache: HoursCache, names) -> None:
    """Phone, e-mail, website and hours of a record, in place; warnings for what is left."""
    for field, reader in _READERS:
        text = getattr(record, field)
        if text:
            value, warning = reader(text.strip())
            if value != text:
                setattr(record, field, value)
            if warning:
                record.warn(getattr(names, field), warning, text)
    text = record.opening_hours.strip()
    if text:
        (
            record.opening_hours,
            record.hours_week,
            record.hours_windows,
            record.hours_windows_until,
            record.opening_hours_text,
            warning,
        ) = hours_cache.read(text)
        if warning:
            record.warn(names.opening_hours, warning, text)
