"""Lambert-93 (EPSG:2154), the projection every distance and box is measured in.

Metric and near-conformal over France: ``location_l93`` (a stored, indexed copy of each
listing's position) answers radius, nearest-first and viewport queries in metres without
a ``::geography`` cast on an indexed column. Positions are projected with pyproj, once per
thread: ``GEOSGeometry.transform(2154)`` builds its GDAL transformation from the PROJ
database on every call (tens of milliseconds), far more than the query it prepares.
Callers pass coordinates that ``territory.region.check_lonlat`` has already accepted.
"""

from __future__ import annotations

import threading

from pyproj import Transformer

L93 = 2154

_local = threading.local()


def transformer() -> Transformer:
    """WGS84 (lon, lat) → Lambert-93 (x, y), built once per thread."""
    found = getattr(_local, "to_l93", None)
    if found is None:
        found = _local.to_l93 = Transformer.from_crs(4326, L93, always_xy=True)
    return found


def to_l93(lon: float, lat: float) -> tuple[float, float]:
    return transformer().transform(lon, lat)


def envelope(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in Lambert-93 of a lon/lat box: a superset of it.

    From its corners and edge midpoints: the box's edges bend a little in Lambert-93.
    """
    lons = [min_lon, (min_lon + max_lon) / 2, max_lon]
    lats = [min_lat, (min_lat + max_lat) / 2, max_lat]
    xs, ys = transformer().transform(
        [lon for lon in lons for _ in lats], [lat for _ in lons for lat in lats]
    )
    return min(xs), min(ys), max(xs), max(ys)
