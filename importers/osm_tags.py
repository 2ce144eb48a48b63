"""OpenStreetMap tags → listing fields, shared by the OSM, GeoJSON and chain importers."""

from __future__ import annotations

import re

from geo_directory.businesses.models import Category

# Checked in this order: a bakery that is also tagged amenity=cafe is a bakery.
CATEGORY_KEYS = ("shop", "craft", "amenity", "tourism")
# "Rue Ambroise Croizat57": a house number glued to the end of the street.
_GLUED_NUMBER = re.compile(r"^(?P<street>.*\D)(?P<number>\d{1,4}(?:\s?(?:bis|ter))?)$", re.I)


class CategoryMatcher:
    """Finds the taxonomy category of a set of tags (``shop=bakery`` → boulangerie)."""

    def __init__(self):
        self.by_tag: dict[str, int] = {}
        for category_id, tags in Category.objects.values_list("id", "osm_tags"):
            for tag in tags:
                self.by_tag.setdefault(tag, category_id)

    def match(self, tags: dict) -> int | None:
        for key in CATEGORY_KEYS:
            value = tags.get(key)
            if isinstance(value, str) and f"{key}={value}" in self.by_tag:
                return self.by_tag[f"{key}={value}"]
        return None


def describe_kind(tags: dict) -> str:
    """The tags that say a feature's kind (shop=bank), "" when it has none."""
    return ", ".join(f"{key}={tags[key]}" for key in CATEGORY_KEYS if tags.get(key))


def street_address(tags: dict) -> str:
    """House number + street, with a glued number put back in front."""
    street = str(tags.get("addr:street") or "").strip()
    number = str(tags.get("addr:housenumber") or "").strip()
    if street and not number:
        glued = _GLUED_NUMBER.match(street)
        if glued and not glued.group("street").rstrip().endswith(("N", "D", "RN", "RD")):
            street, number = glued.group("street").strip(" ,"), glued.group("number")
    if not street:
        street = str(tags.get("addr:place") or "").strip()
    return " ".join(part for part in (number, street) if part)[:255]


def clean_postcode(tags: dict) -> str:
    postcode = re.sub(r"\s", "", str(tags.get("addr:postcode") or ""))
    return postcode if re.fullmatch(r"\d{5}", postcode) else ""


def postcode_departement(postcode: str) -> str:
    """The département a French postcode belongs to (20xxx Corsica as 2A/2B ignored)."""
    return postcode[:2]
