"""The territory of Région Sud: the official commune list merged with the boundaries.

Sources (see ``GEO_DATA_DIR``'s README): ``cog-communes.json`` /
``cog-departements.json`` / ``cog-regions.json`` (format of the npm package
``@etalab/decoupage-administratif``) and ``paca-*.geojson`` (properties ``code``,
``nom``). Merged on the INSEE code; mismatches are reported, not fatal. The neighbouring
land territories (``neighbours/``: the French départements on the land border, the
France–Monaco border line; Italy from the region's own boundary) are built by
``territory.neighbours``. All-or-nothing: every input is read and checked before the
single transaction that writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.db import connection, transaction

from geo_directory.territory import neighbours
from geo_directory.territory.models import Commune, CommuneArea, Departement, Neighbour, Region
from geo_directory.territory.region import DOMAIN, BadCoordinates, check_geojson

from . import reasons
from .errors import SourceError, feature_collection, read_json
from .reasons import plural

REGION_CODE = "93"
# A commune's official boundary at full resolution has tens of thousands of vertices.
BOUNDARY_VERTICES = 1_000_000
NEIGHBOURS_DIR = "neighbours"
NEIGHBOUR_DEPARTEMENTS = "departements-voisins.geojson"
MONACO_BORDER = "frontiere-france-monaco.geojson"


@dataclass
class CommuneImportReport:
    communes: int = 0
    created: int = 0
    updated: int = 0
    areas: int = 0
    boundaries_not_in_list: list[str] = field(default_factory=list)
    communes_without_boundary: list[str] = field(default_factory=list)
    neighbours: list[str] = field(default_factory=list)

    def summary(self) -> str:
        # In French: read by the data team (import_communes, seed_demo).
        lines = [
            f"communes : {plural(self.communes, 'commune actuelle', 'communes actuelles')}"
            f" de la région {REGION_CODE} ({plural(self.created, 'créée', 'créées')}, "
            f"{plural(self.updated, 'mise à jour', 'mises à jour')}), "
            f"{plural(self.areas, 'arrondissement municipal', 'arrondissements municipaux')}"
        ]
        for text in self.boundaries_not_in_list:
            lines.append(f"  limite absente de la liste officielle : {text}")
        for text in self.communes_without_boundary:
            lines.append(f"  commune sans limite : {text}")
        lines.append(f"territoires voisins : {', '.join(self.neighbours)}")
        return "\n".join(lines)


def _multipolygon(geometry: dict, where: str) -> MultiPolygon:
    try:  # every position checked in Python before GEOS/GDAL sees it
        check_geojson(
            geometry, DOMAIN, types=("Polygon", "MultiPolygon"), max_vertices=BOUNDARY_VERTICES
        )
    except BadCoordinates as exc:
        raise SourceError(f"{where} : {exc}") from exc
    try:
        geom = GEOSGeometry(json.dumps(geometry), srid=4326)
    except (GEOSException, GDALException, ValueError, TypeError) as exc:
        raise SourceError(f"{where} : {reasons.UNREADABLE_GEOMETRY}") from exc
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=4326)
    if geom.geom_type != "MultiPolygon":
        raise SourceError(f"{where} : Polygon ou MultiPolygon attendu, pas {geom.geom_type}")
    if not geom.valid:
        geom = geom.make_valid()
        if geom.geom_type == "Polygon":
            geom = MultiPolygon(geom, srid=4326)
    return geom


def _boundaries(path: Path) -> dict[str, tuple[str, MultiPolygon]]:
    boundaries = {}
    for number, feature in enumerate(feature_collection(path), start=1):
        where = f"{path.name} objet n° {number}"
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code") or "").strip()
        if not code:
            raise SourceError(f"{where} : objet sans propriété « code »")
        if not feature.get("geometry"):
            raise SourceError(f"{where} (code {code}) : objet sans géométrie")
        boundaries[code] = (props.get("nom", ""), _multipolygon(feature["geometry"], where))
    return boundaries


def _border_lines(path: Path) -> list[list[tuple[float, float]]]:
    """The (lon, lat) lists of the LineString/MultiLineString features of ``path``."""
    lines = []
    for number, feature in enumerate(feature_collection(path), start=1):
        where = f"{path.name} objet n° {number}"
        geometry = (feature or {}).get("geometry") if isinstance(feature, dict) else None
        try:
            check_geojson(
                geometry,
                DOMAIN,
                types=("LineString", "MultiLineString"),
                max_vertices=BOUNDARY_VERTICES,
            )
        except BadCoordinates as exc:
            raise SourceError(f"{where} : {exc}") from exc
        parts = geometry["coordinates"]
        for part in [parts] if geometry["type"] == "LineString" else parts:
            lines.append([(float(p[0]), float(p[1])) for p in part])
    if not lines:
        raise SourceError(f"{path.name} : aucune ligne de frontière")
    return lines


def _shapely(geometries: Iterable[GEOSGeometry]) -> list:
    return list(shapely.from_wkb([bytes(g.wkb) for g in geometries]))


def _neighbours(
    data_dir: Path,
    boundaries: dict[str, tuple[str, MultiPolygon]],
    region: MultiPolygon | None,
) -> dict[str, tuple[str, MultiPolygon]]:
    """The neighbouring territories by code (see ``territory.neighbours``)."""
    folder = data_dir / NEIGHBOURS_DIR
    departements = _boundaries(folder / NEIGHBOUR_DEPARTEMENTS)
    lines = _border_lines(folder / MONACO_BORDER)
    french = {code: (name, _shapely([geom])[0]) for code, (name, geom) in departements.items()}
    try:
        built = neighbours.build(
            french,
            lines,
            _shapely(geom for _, geom in boundaries.values()),
            _shapely([region])[0] if region is not None else None,
        )
    except (ValueError, shapely.errors.ShapelyError) as exc:
        raise SourceError(
            f"{NEIGHBOURS_DIR} : impossible de construire les territoires voisins"
            " (géométries incohérentes)"
        ) from exc
    return {
        code: (name, GEOSGeometry(memoryview(shapely.to_wkb(geometry)), srid=4326))
        for code, (name, geometry) in built.items()
    }


def _entries(path: Path, kind: str) -> list[dict]:
    data = read_json(path)
    if not isinstance(data, list) or not all(isinstance(e, dict) and "code" in e for e in data):
        raise SourceError(f"{path} : liste JSON d’objets {kind} avec un « code » attendue")
    return data


def import_territory(data_dir: Path) -> CommuneImportReport:
    data_dir = Path(data_dir)
    regions = [
        e for e in _entries(data_dir / "cog-regions.json", "région") if e["code"] == REGION_CODE
    ]
    if not regions:
        raise SourceError(f"cog-regions.json : région {REGION_CODE} introuvable")
    departements = [
        e
        for e in _entries(data_dir / "cog-departements.json", "département")
        if e.get("region") == REGION_CODE
    ]
    entries = _entries(data_dir / "cog-communes.json", "commune")
    communes = [
        e for e in entries if e.get("region") == REGION_CODE and e.get("type") == "commune-actuelle"
    ]
    areas = [
        e
        for e in entries
        if e.get("region") == REGION_CODE and e.get("type") == "arrondissement-municipal"
    ]
    boundaries = _boundaries(data_dir / "paca-communes.geojson")
    region_features = feature_collection(data_dir / "paca-region.geojson")
    region_boundary = (
        _multipolygon(region_features[0]["geometry"], "paca-region.geojson objet n° 1")
        if region_features and region_features[0].get("geometry")
        else None
    )

    neighbour_areas = _neighbours(data_dir, boundaries, region_boundary)

    report = CommuneImportReport(communes=len(communes), areas=len(areas))
    report.neighbours = [f"{name} ({code})" for code, (name, _) in sorted(neighbour_areas.items())]
    listed = {e["code"] for e in communes}
    # A boundary of a commune merged since (a commune déléguée) joins its new commune.
    parents = {
        e["code"]: e.get("chefLieu") or e.get("commune")
        for e in entries
        if e.get("type") in ("commune-deleguee", "commune-associee")
    }
    for code, (name, geom) in sorted(boundaries.items()):
        if code in listed:
            continue
        parent = parents.get(code)
        if parent in listed and parent in boundaries:
            merged = boundaries[parent][1].union(geom)
            if merged.geom_type == "Polygon":
                merged = MultiPolygon(merged, srid=4326)
            boundaries[parent] = (boundaries[parent][0], merged)
            report.boundaries_not_in_list.append(
                f"{code} {name} (fusionnée depuis dans {parent} : sa limite est ajoutée à {parent})"
            )
        else:
            report.boundaries_not_in_list.append(f"{code} {name} (ignorée)")
    report.communes_without_boundary = [
        f"{e['code']} {e['nom']}" for e in communes if e["code"] not in boundaries
    ]

    with transaction.atomic():
        region = regions[0]
        Region.objects.update_or_create(
            code=REGION_CODE, defaults={"name": region["nom"], "boundary": region_boundary}
        )
        for dep in departements:
            Departement.objects.update_or_create(
                code=dep["code"], defaults={"name": dep["nom"], "region_id": REGION_CODE}
            )
        existing = set(Commune.objects.values_list("code", flat=True))
        Commune.objects.bulk_create(
            [
                Commune(
                    code=e["code"],
                    name=e["nom"],
                    departement_id=e["departement"],
                    postcodes=sorted(e.get("codesPostaux") or []),
                    population=e.get("population"),
                    boundary=boundaries.get(e["code"], (None, None))[1],
                )
                for e in communes
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "departement", "postcodes", "population", "boundary"],
            batch_size=200,
        )
        report.created = len(listed - existing)
        report.updated = len(listed & existing)
        CommuneArea.objects.bulk_create(
            [
                CommuneArea(
                    code=e["code"],
                    name=e["nom"],
                    commune_id=e["commune"],
                    postcodes=sorted(e.get("codesPostaux") or []),
                    population=e.get("population"),
                )
                for e in areas
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "commune", "postcodes", "population"],
        )
        Neighbour.objects.exclude(code__in=list(neighbour_areas)).delete()
        Neighbour.objects.bulk_create(
            [
                Neighbour(code=code, name=name, boundary=geometry)
                for code, (name, geometry) in neighbour_areas.items()
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "boundary"],
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE territory_commune SET centre = ST_PointOnSurface(boundary)"
                " WHERE boundary IS NOT NULL"
            )
    return report
