"""What search engines and link previews read: schema.org ``LocalBusiness`` as JSON-LD,
and OpenGraph. Only the public fields of a published listing (never the e-mail's owner,
the moderation note or who owns it)."""

from __future__ import annotations

import json

from django.utils.safestring import mark_safe

from geo_directory.businesses.hours_text import range_pairs

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# As django.utils.html.json_script: nothing in the data can close the <script> element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _clock(minute_of_day: int) -> str:
    # schema.org's closes is a time of day: the end of the day is 23:59.
    minute_of_day = min(minute_of_day, 1439)
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def opening_hours_specification(week) -> list[dict]:
    """The regular week of the listing's OSM ``opening_hours``, as stored (``hours_week``,
    minutes from Monday 00:00, hours.py: not parsed again per page), as schema.org
    ``OpeningHoursSpecification`` items, the days with the same hours grouped:
    "Mo-Fr 08:00-19:00; Sa 08:00-12:00" -> [{dayOfWeek: [Monday..Friday], opens: "08:00",
    closes: "19:00"}, {dayOfWeek: [Saturday], ...}]. A range over midnight is split at it.
    Exceptions (holidays, 24 December) are not in the regular week: they are left out.
    """
    by_times: dict[tuple[str, str], list[str]] = {}
    for lower, upper in range_pairs(week):
        start = lower
        while start < upper:
            day, minute = divmod(start, 1440)
            end = min(upper, (day + 1) * 1440)
            key = (_clock(minute), _clock(end - day * 1440))
            by_times.setdefault(key, []).append(DAYS[day % 7])
            start = end
    return [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": days, "opens": opens, "closes": closes}
        for (opens, closes), days in by_times.items()
    ]


def local_business(business, url: str, photos: list[dict], base: str) -> dict:
    """The listing as a schema.org ``LocalBusiness`` (``url``: the page's absolute URL;
    ``base``: the site's origin, for the photos' relative URLs)."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": url,
        "name": business.name,
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": business.street,
            "postalCode": business.postcode,
            "addressLocality": business.commune.name if business.commune else "",
            "addressRegion": "Provence-Alpes-Côte d'Azur",
            "addressCountry": "FR",
        },
    }
    if business.location is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": round(business.location.y, 6),
            "longitude": round(business.location.x, 6),
        }
    if business.description:
        data["description"] = business.description
    if business.phone:
        data["telephone"] = business.phone
    if business.website:
        data["sameAs"] = [business.website]
    specification = opening_hours_specification(business.hours_week)
    if specification:
        data["openingHoursSpecification"] = specification
    if photos:
        data["image"] = [absolute(photo["src"], base) for photo in photos]
    return data


def absolute(url: str, base: str) -> str:
    return url if url.startswith(("http://", "https://")) else base + url


def json_ld(data: dict) -> str:
    """The ``<script type="application/ld+json">`` element: a data block, which the
    CSP's ``script-src`` does not concern (browsers never run it)."""
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
