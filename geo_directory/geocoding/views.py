"""JSON endpoints for the pages: /geocodage/?q= and /geocodage/inverse/?lon=&lat=."""

from django.contrib.gis.geos import Point
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from geo_directory.ratelimits import ratelimit
from geo_directory.territory.region import BadCoordinates, check_lonlat

from .service import GeocodingFailed, geocoder


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


# The site's one rate-limit mechanism (geo_directory/ratelimits.py): at most 60 requests a
# minute per client address (GEOCODER_RATE_LIMIT or RATE_LIMITS["geocoding"]), since the
# endpoints are public and each miss costs a call to the upstream geocoder.
rate_limited = ratelimit("geocoding", methods=("GET",), as_json=True)


@require_GET
@rate_limited
def search(request):
    q = request.GET.get("q", "").strip()
    postcode = request.GET.get("postcode", "").strip()
    citycode = request.GET.get("citycode", "").strip()
    if len(q) < 3 or len(q) > 250:
        return _error("Le paramètre q doit compter entre 3 et 250 caractères.")
    if postcode and not (postcode.isdigit() and len(postcode) == 5):
        return _error("Code postal invalide (5 chiffres).")
    try:
        result = geocoder.geocode(q, postcode=postcode, citycode=citycode)
    except GeocodingFailed as exc:
        return _error(str(exc), status=404)
    return JsonResponse(result.as_dict())


@require_GET
@rate_limited
def reverse(request):
    # The region's coordinate guard, before GEOS sees a number (1e300 would abort it).
    try:
        lon, lat = check_lonlat(request.GET.get("lon"), request.GET.get("lat"))
    except BadCoordinates as exc:
        return _error(f"Paramètres lon et lat : {exc}")
    from geo_directory.territory.managers import OutsideRegion
    from geo_directory.territory.models import Commune

    point = Point(lon, lat, srid=4326)
    try:
        commune = Commune.objects.resolve(point)
    except OutsideRegion as exc:
        return JsonResponse({"error": str(exc), "inside_region": False}, status=422)
    result = geocoder.reverse(point)
    data = result.as_dict() if result else {"label": "", "precision": "", "score": 0}
    if result and result.postcode and f" {result.postcode} " in result.label:
        data["street"] = result.label.split(f" {result.postcode} ")[0]
    data.update(
        inside_region=True, commune=commune.name, commune_code=commune.code, lon=lon, lat=lat
    )
    return JsonResponse(data)
