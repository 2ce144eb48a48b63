"""The one geocoding service of the project (forms, importers, API).

Chain: the national address API (geopy ``BANFrance``, domain and scheme from settings so a
self-hosted addok or the tests' local server can stand in), then Nominatim (disabled when
``GEOCODER_NOMINATIM_DOMAIN`` is empty), then the centre of the commune from our own
table, flagged ``municipality``. Settings are read at call time.

    from geo_directory.geocoding.service import geocoder
    result = geocoder.geocode("2 La Canebière", postcode="13001")
    result.point, result.precision, result.score

Answers of the remote providers are cached in the database (GeocodeCache); a provider that
cannot be reached is skipped and nothing is cached for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone
from geopy.exc import GeopyError
from geopy.geocoders import BANFrance, Nominatim

from geo_directory.territory.managers import OutsideRegion
from geo_directory.territory.models import Commune, CommuneArea
from geo_directory.territory.region import BadCoordinates, check_lonlat

from .models import GeocodeCache, ReviewItem

log = logging.getLogger(__name__)

PRECISIONS = ("housenumber", "street", "locality", "municipality")
MIN_SCORE = 0.5  # below this, or at commune precision, the listing goes to review
USER_AGENT = "sauvons-noel/1.0 (annuaire des commerces de la Region Sud)"
POSTCODE_RE = re.compile(r"\b(\d{5})\b")


class GeocodingFailed(Exception):
    """No provider could place the address (the message is French, for the user)."""


def _point(lon, lat) -> Point | None:
    """A provider's (or the cache's) position as a Point, or None when it is not a sane one.

    The answer comes from outside: its numbers are checked in plain Python before GEOS
    sees them (GEOS 3.11 aborts the process on coordinates of ~1e150 and more)."""
    try:
        lon, lat = check_lonlat(lon, lat)
    except BadCoordinates as exc:
        log.warning("geocoder answered an unusable position (%r, %r): %s", lon, lat, exc)
        return None
    return Point(lon, lat, srid=4326)


@dataclass(frozen=True)
class GeocodeResult:
    point: Point
    label: str
    precision: str
    score: float
    citycode: str = ""
    postcode: str = ""
    provider: str = ""

    @property
    def needs_review(self) -> bool:
        return self.precision == "municipality" or self.score < MIN_SCORE

    def as_dict(self) -> dict:
        data = asdict(self)
        data["lon"], data["lat"] = round(self.point.x, 7), round(self.point.y, 7)
        del data["point"]
        data["needs_review"] = self.needs_review
        return data

    @classmethod
    def from_dict(cls, data: dict) -> GeocodeResult | None:
        point = _point(data.get("lon"), data.get("lat"))
        if point is None:
            return None
        return cls(
            point=point,
            label=data["label"],
            precision=data["precision"],
            score=float(data["score"]),
            citycode=data.get("citycode", ""),
            postcode=data.get("postcode", ""),
            provider=data.get("provider", ""),
        )


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


class _BAN(BANFrance):
    """geopy's BANFrance, with the API's ``postcode`` / ``citycode`` filters."""

    def search(self, query: str, postcode: str = "", citycode: str = ""):
        params = {"q": query, "limit": 1}
        if postcode:
            params["postcode"] = postcode
        if citycode:
            params["citycode"] = citycode
        url = "?".join((self.geocode_api, urlencode(params)))
        return self._call_geocoder(url, lambda page: self._parse_json(page, True))


def _ban_result(location) -> GeocodeResult | None:
    props = (location.raw or {}).get("properties", {})
    precision = props.get("type", "")
    point = _point(location.longitude, location.latitude)
    if precision not in PRECISIONS or point is None:
        return None
    return GeocodeResult(
        point=point,
        label=props.get("label", location.address),
        precision=precision,
        score=float(props.get("score", 0)),
        citycode=props.get("citycode", ""),
        postcode=props.get("postcode", ""),
        provider="ban",
    )


def _nominatim_result(location) -> GeocodeResult | None:
    point = _point(location.longitude, location.latitude)
    if point is None:
        return None
    raw = location.raw or {}
    address = raw.get("address", {})
    if address.get("house_number"):
        precision, score = "housenumber", 0.7
    elif address.get("road") or address.get("pedestrian"):
        precision, score = "street", 0.6
    elif raw.get("addresstype") in {"city", "town", "village", "municipality"}:
        precision, score = "municipality", 0.5
    else:
        precision, score = "locality", 0.5
    return GeocodeResult(
        point=point,
        label=location.address,
        precision=precision,
        score=score,
        citycode="",
        postcode=address.get("postcode", ""),
        provider="nominatim",
    )


class _Unavailable(Exception):
    """The provider could not be reached or answered an error: try the next one."""


class GeocodingService:
    def _timeout(self) -> float:
        return getattr(settings, "GEOCODER_TIMEOUT", 3)

    def ban(self) -> _BAN:
        return _BAN(
            domain=settings.GEOCODER_BAN_DOMAIN,
            scheme=settings.GEOCODER_BAN_SCHEME,
            timeout=self._timeout(),
            user_agent=USER_AGENT,
        )

    def nominatim(self) -> Nominatim | None:
        domain = getattr(settings, "GEOCODER_NOMINATIM_DOMAIN", "")
        if not domain:
            return None
        return Nominatim(
            domain=domain,
            scheme=getattr(settings, "GEOCODER_NOMINATIM_SCHEME", "https"),
            timeout=self._timeout(),
            user_agent=USER_AGENT,
        )

    # -- cache -------------------------------------------------------------------------

    def _cached(self, provider: str, query: str, fetch) -> GeocodeResult | None:
        key = hashlib.sha256(f"{provider}\n{query}".encode()).hexdigest()
        days = getattr(settings, "GEOCODER_CACHE_DAYS", 90)  # addresses change: re-ask
        fresh_since = timezone.now() - dt.timedelta(days=days)
        row = GeocodeCache.objects.filter(key=key, created_at__gte=fresh_since).first()
        if row is not None:
            return GeocodeResult.from_dict(row.result) if row.result else None
        result = fetch()  # raises _Unavailable: nothing cached
        GeocodeCache.objects.update_or_create(
            key=key,
            defaults={
                "provider": provider,
                "query": query[:500],
                "result": result.as_dict() if result else None,
                "created_at": timezone.now(),
            },
        )
        return result

    # -- providers ---------------------------------------------------------------------

    def _geocode_ban(self, address, postcode, citycode) -> GeocodeResult | None:
        def fetch():
            try:
                location = self.ban().search(address, postcode=postcode, citycode=citycode)
            except (GeopyError, ValueError) as exc:  # ValueError: geopy refused its position
                raise _Unavailable(str(exc)) from exc
            return _ban_result(location) if location else None

        query = normalise(f"{address} | {postcode} | {citycode}")
        return self._cached("ban", query, fetch)

    def _geocode_nominatim(self, address, postcode) -> GeocodeResult | None:
        nominatim = self.nominatim()
        if nominatim is None:
            return None

        def fetch():
            text = f"{address} {postcode}".strip()
            try:
                location = nominatim.geocode(
                    text, exactly_one=True, addressdetails=True, country_codes="fr"
                )
            except (GeopyError, ValueError) as exc:  # ValueError: geopy refused its position
                raise _Unavailable(str(exc)) from exc
            return _nominatim_result(location) if location else None

        return self._cached("nominatim", normalise(f"{address} | {postcode}"), fetch)

    def _commune_centre(self, address, postcode, citycode) -> GeocodeResult | None:
        commune = None
        if citycode:
            commune = Commune.objects.filter(code=citycode).first()
            if commune is None:
                area = CommuneArea.objects.select_related("commune").filter(code=citycode).first()
                commune = area.commune if area else None
        if commune is None and not postcode:
            match = POSTCODE_RE.search(address or "")
            postcode = match.group(1) if match else ""
        if commune is None and postcode:
            commune = (
                Commune.objects.filter(postcodes__contains=[postcode])
                .order_by("-population")
                .first()
            )
        if commune is None or commune.centre is None:
            return None
        return GeocodeResult(
            point=Point(commune.centre.x, commune.centre.y, srid=4326),
            label=f"{commune.name} (centre de la commune)",
            precision="municipality",
            score=0.0,
            citycode=commune.code,
            postcode=postcode or (commune.postcodes[0] if commune.postcodes else ""),
            provider="commune",
        )

    # -- public interface --------------------------------------------------------------

    def geocode(self, address: str, postcode: str = "", citycode: str = "") -> GeocodeResult:
        """The best position for this address, or GeocodingFailed (French message)."""
        address = " ".join((address or "").split())
        postcode, citycode = (postcode or "").strip(), (citycode or "").strip()
        if not address and not postcode and not citycode:
            raise GeocodingFailed("Indiquez une adresse à localiser.")
        steps = [
            lambda: self._geocode_ban(address, postcode, citycode),
            lambda: self._geocode_nominatim(address, postcode),
        ]
        for step in steps:
            try:
                result = step() if address else None
            except _Unavailable as exc:
                log.warning("geocoder unavailable: %s", exc)
                continue
            if result is not None:
                return result
        result = self._commune_centre(address, postcode, citycode)
        if result is not None:
            return result
        raise GeocodingFailed(
            f"Adresse introuvable : « {address or postcode or citycode} ». "
            "Vérifiez la rue, le code postal et la commune, ou placez le point sur la carte."
        )

    def reverse(self, point: Point) -> GeocodeResult | None:
        """The nearest address to ``point`` (national address API only), or None."""
        if point.srid not in (None, 4326):
            point = point.transform(4326, clone=True)

        def fetch():
            try:
                location = self.ban().reverse((point.y, point.x), exactly_one=True)
            except (GeopyError, ValueError) as exc:  # ValueError: geopy refused its position
                raise _Unavailable(str(exc)) from exc
            return _ban_result(location) if location else None

        try:
            return self._cached("ban-reverse", f"{point.x:.6f},{point.y:.6f}", fetch)
        except _Unavailable as exc:
            log.warning("reverse geocoder unavailable: %s", exc)
            return None

    def place(self, business, address: str = "", postcode: str = "", citycode: str = ""):
        """Geocode ``business`` (not saved); return the ReviewItem reason or None.

        A failure or a weak result leaves the listing pending with a review item (created
        by ``flag``) instead of silently placing it.
        """
        address = address or business.street
        postcode = postcode or business.postcode
        try:
            result = self.geocode(address, postcode, citycode)
        except GeocodingFailed as exc:
            business.location = None
            business.geocode_precision = ""
            business.geocode_score = None
            return ReviewItem.Reason.GEOCODING_FAILED, str(exc)
        business.location = result.point
        business.geocode_precision = result.precision
        business.geocode_score = result.score
        if result.precision == "municipality":
            return ReviewItem.Reason.LOW_PRECISION, f"Placé au {result.label}."
        if result.score < MIN_SCORE:
            return ReviewItem.Reason.LOW_SCORE, f"{result.label} (score {result.score:.2f})"
        return None

    def flag(self, business, reason: str, detail: str = "") -> ReviewItem:
        """Put a saved listing in the review queue (status pending)."""
        if business.status == business.Status.PUBLISHED:
            business.status = business.Status.PENDING
            business.save(update_fields=["status"])
        return ReviewItem.objects.create(business=business, reason=reason, detail=detail)

    def place_and_save(self, business, address="", postcode="", citycode=""):
        """``place`` then save; a weak result is saved pending and flagged for review."""
        review = self.place(business, address, postcode, citycode)
        if review and business.status == business.Status.PUBLISHED:
            business.status = business.Status.PENDING
        try:
            business.save()
        except OutsideRegion as exc:
            business.location = None
            business.status = business.Status.PENDING
            business.save()
            review = (ReviewItem.Reason.GEOCODING_FAILED, str(exc))
        if review:
            self.flag(business, *review)
        return business


geocoder = GeocodingService()
