"""Query parameters of the open-data endpoints, checked before any query or GEOS call.

Every refusal is an :class:`OGCError`: HTTP 400 (or 404) with the OGC API exception body
``{"code": ..., "description": ...}`` (OGC API – Features Part 1, ``exception.yaml``),
the description in French. Coordinates go through ``territory.region.check_lonlat``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import orjson
from django.http import HttpResponse

from geo_directory.territory.region import DOMAIN, WORLD, BadCoordinates, check_lonlat

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
BIGINT_MAX = 2**63 - 1


class OGCError(Exception):
    def __init__(self, description: str, status: int = 400, code: str = "InvalidParameterValue"):
        super().__init__(description)
        self.description, self.status, self.code = description, status, code

    def response(self) -> HttpResponse:
        body = {"code": self.code, "description": self.description}
        return HttpResponse(orjson.dumps(body), status=self.status, content_type="application/json")


def not_found(description: str) -> OGCError:
    return OGCError(description, status=404, code="NotFound")


def check_known(query, allowed: set[str]) -> None:
    """Unknown parameters are refused (OGC recommendation /rec/core/query-param-unknown):
    a misspelt ``bbox`` would otherwise silently return the whole directory."""
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise OGCError(
            f"Paramètre inconnu : {', '.join(unknown)} (acceptés : {', '.join(sorted(allowed))})."
        )
    for name in query:
        if len(query.getlist(name)) > 1:
            raise OGCError(f"Le paramètre « {name} » est donné plusieurs fois.")


def check_format(query) -> None:
    """``f=json`` / ``f=geojson`` (or none): JSON is the only encoding served here."""
    value = query.get("f")
    if value is not None and value.lower() not in {"json", "geojson"}:
        raise OGCError(f"Format « {value[:20]} » non disponible : seul f=json est servi.")


def integer(query, name: str, minimum: int, maximum: int = BIGINT_MAX) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise OGCError(f"« {name} » doit être un entier positif.")
    value = int(text)
    if value < minimum or value > maximum:
        raise OGCError(f"« {name} » doit être compris entre {minimum} et {maximum}.")
    return value


def limit(query) -> int:
    """1 to MAX_LIMIT, DEFAULT_LIMIT if absent; above the maximum, the maximum (the
    standard asks servers not to refuse a larger limit but to use their maximum)."""
    value = integer(query, "limit", 1)
    if value is None:
        return DEFAULT_LIMIT
    return min(value, MAX_LIMIT)


@dataclass(frozen=True)
class Box:
    """A lon/lat box (CRS84) already clipped to where listings can be (DOMAIN)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def key(self) -> str:
        return f"{self.min_lon!r},{self.min_lat!r},{self.max_lon!r},{self.max_lat!r}"


def _clipped(min_lon, min_lat, max_lon, max_lat) -> Box | None:
    box = Box(
        max(min_lon, DOMAIN[0]),
        max(min_lat, DOMAIN[1]),
        min(max_lon, DOMAIN[2]),
        min(max_lat, DOMAIN[3]),
    )
    if box.min_lon > box.max_lon or box.min_lat > box.max_lat:
        return None  # nothing of it where a listing may be
    return box


def bbox(query) -> list[Box] | None:
    """``bbox=minLon,minLat,maxLon,maxLat`` (or 6 numbers with heights, ignored: points
    have none) in CRS84 → the boxes to search (none: the parameter is absent).

    Each corner is checked by ``check_lonlat`` over the whole world (finite, in range);
    the box is then clipped to DOMAIN, the only place listings can be, so the Lambert-93
    envelope stays meaningful. A box whose west edge is east of its east edge crosses the
    antimeridian (as the standard says): it is the two boxes on either side. An empty
    list means a valid box holding no possible listing.
    """
    raw = query.get("bbox")
    if raw is None:
        return None
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) not in (4, 6):
        raise OGCError("« bbox » attend 4 nombres : lonMin,latMin,lonMax,latMax (CRS84).")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    try:
        min_lon, min_lat = check_lonlat(parts[0], parts[1], WORLD)
        max_lon, max_lat = check_lonlat(parts[2], parts[3], WORLD)
    except BadCoordinates as exc:
        raise OGCError(f"« bbox » invalide : {exc}") from None
    if min_lat > max_lat:
        raise OGCError("« bbox » invalide : la latitude minimale dépasse la latitude maximale.")
    if min_lon <= max_lon:
        pieces = [(min_lon, min_lat, max_lon, max_lat)]
    else:
        pieces = [(min_lon, min_lat, 180.0, max_lat), (-180.0, min_lat, max_lon, max_lat)]
    return [box for box in (_clipped(*piece) for piece in pieces) if box is not None]


def _instant(text: str, name: str) -> dt.datetime | None:
    """An RFC 3339 date-time (``Z`` or offset) or a date; ``..`` or empty: open."""
    if text in ("", ".."):
        return None
    try:
        if "T" in text.upper():
            moment = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError
            return moment
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise OGCError(
            f"« {name} » invalide : date RFC 3339 attendue (2026-11-29 ou "
            "2026-11-29T08:00:00Z), ou un intervalle début/fin avec « .. » pour ouvert."
        ) from None
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def datetime_interval(query) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """``datetime`` (an instant, a date, or ``start/end`` with ``..`` open ends) →
    (start, end), both inclusive; matched against the listing's last update."""
    raw = query.get("datetime")
    if raw is None:
        return None
    text = raw.strip()
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        if start_text in ("", "..") and end_text in ("", ".."):
            raise OGCError("« datetime » invalide : un intervalle doit avoir au moins une borne.")
        start, end = _instant(start_text, "datetime"), _instant(end_text, "datetime")
        if end is not None and len(end_text) == 10:  # a date as end: the whole day
            end += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    else:
        start = _instant(text, "datetime")
        if start is None:
            raise OGCError("« datetime » invalide : date attendue.")
        end = start
        if len(text) == 10:  # a date alone: that whole day
            end = start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    if start is not None and end is not None and start > end:
        raise OGCError("« datetime » invalide : le début est après la fin.")
    return start, end
