"""The land beyond the region's land borders, built once by the territory import.

The commune boundaries are simplified: along the coast a quay can fall 100 m or more
outside every polygon, hence a tolerance around them (``managers.COAST_TOLERANCE_M``). At
a land border that tolerance is wrong: a shop a few metres past Beausoleil's boundary is in
Monaco. The rule is therefore: inside a commune → that commune; else inside a neighbouring
territory (a ``Neighbour`` row) → outside the region, whatever the distance; else (the sea,
or a gap between simplified boundaries) → the nearest commune within the tolerance.

The neighbours, from ``GEO_DATA_DIR/neighbours/`` and the region's own files:

- the Gard, Drôme, Isère and Savoie départements: their boundaries as given
  (``departements-voisins.geojson``, same simplification as the communes);
- Monaco: the France–Monaco border line (OpenStreetMap, ``frontiere-france-monaco.geojson``)
  closed through the sea: its pieces are chained (a gap between two pieces, about 770 m
  along Beausoleil in the 2021 extract, is bridged by a straight segment), then its two
  ends, on the shore, are joined by going due south to ``MONACO_SEA_LAT``. Monaco's waters
  between the meridians of the two shore ends count as Monaco;
- Italy: the land east of the region, made as a polygon whose western edge runs through
  France (from ``ITALY_BOX_WEST`` to the point where the France–Italy border reaches the sea,
  ``ITALY_SEA_END``) and whose southern part is sea east of that point's meridian, minus the
  region, its communes and the French neighbours. Its western limit is thus the region's
  own (simplified) eastern boundary, wherever it is not coast nor Monaco.

Limits: each neighbour is exactly as precise as the simplified boundaries it abuts; a point
of the region outside its simplified commune but inside a simplified neighbour (a ~100 m
strip at worst) is counted outside the region. Where a neighbour and a commune overlap
(slivers of the simplification), the commune wins: points inside a commune never reach the
neighbour test. Only the strip within the tolerance of the communes matters: Italy stops at
``ITALY_BOX_NORTH`` (Savoie is a neighbour beyond), and the sea claimed for Monaco and Italy
is only where the region has no shore.
"""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# Codes and names of the neighbours built here (the départements keep their INSEE code).
MONACO = ("MC", "Monaco")
ITALY = ("IT", "Italie")

# Monaco's shore ends are at about 43.725 and 43.749: its waters go down to this latitude.
MONACO_SEA_LAT = 43.70

# Where the France–Italy border reaches the sea (Pont Saint-Louis, between Menton's Garavan
# and Grimaldi): a vertex of paca-region.geojson. East of its meridian the shore is Italian.
ITALY_SEA_END = (7.5292, 43.7840)
# The box Italy is cut from: its western corner lies in France (Hautes-Alpes, then Isère and
# Savoie northwards), its southern and eastern edges in the sea and in Italy.
ITALY_BOX_WEST = 6.0
ITALY_BOX_SOUTH = 43.3
ITALY_BOX_EAST = 9.5
ITALY_BOX_NORTH = 45.5
ITALY_BOX_WEST_LAT = 44.5  # where the western edge turns towards ITALY_SEA_END (Gap's lat.)


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    return [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon) and not g.is_empty]


def _largest(geometry: BaseGeometry) -> Polygon:
    """The largest polygon of ``geometry`` (the others are slivers between boundaries)."""
    parts = _polygons(geometry)
    if not parts:
        raise ValueError("empty neighbouring territory")
    return max(parts, key=lambda p: p.area)


def chain(lines: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """The pieces of a border line joined end to end into one line, nearest ends first.

    A gap between two pieces becomes a straight segment. The pieces may come in any order
    and direction (OpenStreetMap ways of a relation often do).
    """
    pieces = [list(line) for line in lines if len(line) >= 2]
    if not pieces:
        raise ValueError("no border line")
    joined = pieces.pop(0)

    def gap(a, b) -> float:
        return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2

    while pieces:
        # Each candidate: (gap, index, reverse the piece, append at the end).
        options = []
        for i, piece in enumerate(pieces):
            options += [
                (gap(joined[-1], piece[0]), i, False, True),
                (gap(joined[-1], piece[-1]), i, True, True),
                (gap(joined[0], piece[-1]), i, False, False),
                (gap(joined[0], piece[0]), i, True, False),
            ]
        _, i, reverse, at_end = min(options)
        piece = pieces.pop(i)
        if reverse:
            piece.reverse()
        if at_end:
            joined += piece[1:] if piece[0] == joined[-1] else piece
        else:
            joined = (piece[:-1] if piece[-1] == joined[0] else piece) + joined
    return joined


def monaco(border_lines: list[list[tuple[float, float]]], france: BaseGeometry) -> Polygon:
    """Monaco: the border line closed through the sea, minus France (``france``: the
    region's communes and boundary, and the French neighbours)."""
    line = chain(border_lines)
    (x0, _), (x1, _) = line[0], line[-1]
    ring = line + [(x1, MONACO_SEA_LAT), (x0, MONACO_SEA_LAT)]
    area = shapely.make_valid(Polygon(ring))
    return _largest(area.difference(france))


def italy(france: BaseGeometry, others: list[BaseGeometry]) -> Polygon:
    """Italy near the region: the box described at the top minus France and ``others``."""
    sea_x, sea_y = ITALY_SEA_END
    box = Polygon(
        [
            (ITALY_BOX_WEST, ITALY_BOX_NORTH),
            (ITALY_BOX_WEST, ITALY_BOX_WEST_LAT),
            (sea_x, sea_y),
            (sea_x, ITALY_BOX_SOUTH),
            (ITALY_BOX_EAST, ITALY_BOX_SOUTH),
            (ITALY_BOX_EAST, ITALY_BOX_NORTH),
        ]
    )
    return _largest(box.difference(shapely.union_all([france, *others])))


def build(
    departements: dict[str, tuple[str, BaseGeometry]],
    monaco_lines: list[list[tuple[float, float]]],
    communes: list[BaseGeometry],
    region: BaseGeometry | None,
) -> dict[str, tuple[str, MultiPolygon]]:
    """Every neighbour by code: ``(name, multipolygon)``, lon/lat (EPSG:4326).

    ``departements``: code → (name, boundary) of the French neighbours; ``monaco_lines``:
    the France–Monaco border as lists of (lon, lat); ``communes``: the region's commune
    boundaries; ``region``: the region's boundary.
    """
    french = [geometry for _, geometry in departements.values()]
    france = shapely.union_all([*communes, *([region] if region is not None else []), *french])
    result = {code: (name, _multi(geometry)) for code, (name, geometry) in departements.items()}
    monaco_area = monaco(monaco_lines, france)
    result[MONACO[0]] = (MONACO[1], _multi(monaco_area))
    result[ITALY[0]] = (ITALY[1], _multi(italy(france, [monaco_area])))
    return result


def _multi(geometry: BaseGeometry) -> MultiPolygon:
    return MultiPolygon(_polygons(geometry))
