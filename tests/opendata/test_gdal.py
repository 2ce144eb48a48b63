"""GDAL (Debian's gdal-bin: ogrinfo, ogr2ogr) reads the OGC API and the downloads of a
live server, as a GIS user would: the counts it finds are the database's."""

import json
import os
import re
import shutil
import subprocess

import pytest

from geo_directory.businesses.models import Business

from .test_ogc import db_bbox_ids

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin not installed"),
]
BOX = (5.2, 43.15, 5.55, 43.42)  # Marseille and around


def gdal(*args: str) -> str:
    env = {
        **os.environ,
        # Never through a proxy: the server is on 127.0.0.1.
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "GDAL_HTTP_TIMEOUT": "30",
        "CPL_DEBUG": "OFF",
    }
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def feature_count(ogrinfo_output: str) -> int:
    return int(re.search(r"^Feature Count: (\d+)$", ogrinfo_output, re.M).group(1))


def test_ogrinfo_finds_the_collection_and_the_published_count(site_url):
    out = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{site_url}/api/features", "businesses")
    assert feature_count(out) == Business.objects.published().count() == 212
    assert "Geometry: Point" in out
    # Typed from the collection's JSON Schema (its "describedby" link), not guessed.
    assert re.search(r"^name: String", out, re.M), out
    assert re.search(r"^delivery_radius_km: Real", out, re.M), out
    assert re.search(r"^offers_pickup: Integer\(Boolean\)", out, re.M), out
    assert re.search(r"^updated_at: DateTime", out, re.M), out


def test_ogr2ogr_pages_through_every_published_listing(site_url, tmp_path):
    target = tmp_path / "all.geojson"
    gdal(
        "ogr2ogr",
        "-f",
        "GeoJSON",
        str(target),
        f"OAPIF:{site_url}/api/features",
        "businesses",
        "-oo",
        "PAGE_SIZE=50",
    )
    features = json.loads(target.read_text())["features"]
    published = set(Business.objects.published().values_list("id", flat=True))
    assert len(features) == len(published)  # 5 pages of next links, no gap or repeat
    assert {f["properties"]["name"] for f in features} == set(
        Business.objects.published().values_list("name", flat=True)
    )


def test_a_bbox_query_counts_what_the_database_counts(site_url):
    expected = len(db_bbox_ids(*BOX))
    assert 10 < expected < 212
    out = gdal(
        "ogrinfo",
        "-ro",
        "-so",
        "-spat",
        *(str(v) for v in BOX),
        f"OAPIF:{site_url}/api/features",
        "businesses",
        "-oo",
        "PAGE_SIZE=20",
    )
    assert feature_count(out) == expected


def test_gdal_reads_the_downloads(site_url, tmp_path):
    published = Business.objects.published().count()
    # /vsicurl_streaming/: read front to back, as the downloads are served (no ranges).
    url = f"/vsicurl_streaming/{site_url}/api/telechargement/commerces.geojson"
    geojson = gdal("ogrinfo", "-ro", "-so", "-al", url)
    assert feature_count(geojson) == published
    gdal(
        "ogr2ogr",
        "-f",
        "GeoJSON",
        str(tmp_path / "from-csv.geojson"),
        f"/vsicurl_streaming/{site_url}/api/telechargement/commerces.csv",
        "-oo",
        "X_POSSIBLE_NAMES=longitude",
        "-oo",
        "Y_POSSIBLE_NAMES=latitude",
    )
    converted = json.loads((tmp_path / "from-csv.geojson").read_text())["features"]
    assert len(converted) == published
    assert all(f["geometry"]["type"] == "Point" for f in converted)
