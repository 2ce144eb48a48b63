"""Small reference tables (categories, communes, départements) kept in process memory.

They change rarely (an import, an admin edit) and every API request needs them: to
validate a ``category``/``commune``/``departement`` parameter, to expand a category into
its sub-categories, and to label features without joining two tables per row. Each
process reloads them after ``TTL`` seconds; tests call :func:`clear`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from geo_directory.businesses.models import Category
from geo_directory.territory.models import Commune, Departement

TTL = 60.0


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    slug: str
    label: str
    parent_id: int | None
    position: int


@dataclass
class Reference:
    categories: dict[int, CategoryInfo] = field(default_factory=dict)
    by_slug: dict[str, CategoryInfo] = field(default_factory=dict)
    children: dict[int | None, list[int]] = field(default_factory=dict)
    commune_names: dict[str, str] = field(default_factory=dict)
    departements: set[str] = field(default_factory=set)
    departement_communes: dict[str, list[str]] = field(default_factory=dict)
    loaded_at: float = 0.0

    def departement_range(self, code: str) -> tuple[str, str] | None:
        """(first, last) INSEE code of the département if no other commune falls between."""
        codes = self.departement_communes.get(code)
        if not codes:
            return None
        low, high = min(codes), max(codes)
        inside = sum(1 for other in self.commune_names if low <= other <= high)
        return (low, high) if inside == len(codes) else None

    def descendants(self, slugs: list[str]) -> list[int]:
        """Ids of these categories and of every category below them."""
        ids, frontier = set(), [self.by_slug[slug].id for slug in slugs]
        while frontier:
            current = frontier.pop()
            if current not in ids:
                ids.add(current)
                frontier.extend(self.children.get(current, []))
        return sorted(ids)


_lock = threading.Lock()
_current: Reference | None = None


def _load() -> Reference:
    ref = Reference(loaded_at=time.monotonic())
    for row in Category.objects.order_by("position", "label").values_list(
        "id", "slug", "label", "parent_id", "position"
    ):
        info = CategoryInfo(*row)
        ref.categories[info.id] = info
        ref.by_slug[info.slug] = info
        ref.children.setdefault(info.parent_id, []).append(info.id)
    for code, name, departement in Commune.objects.values_list("code", "name", "departement_id"):
        ref.commune_names[code] = name
        ref.departement_communes.setdefault(departement, []).append(code)
    ref.departements = set(Departement.objects.values_list("code", flat=True))
    for departement in ref.departements:
        ref.departement_communes.setdefault(departement, [])
    return ref


def get() -> Reference:
    global _current
    ref = _current
    if ref is None or time.monotonic() - ref.loaded_at > TTL:
        with _lock:
            ref = _current = _load()
    return ref


def clear() -> None:
    global _current
    _current = None
