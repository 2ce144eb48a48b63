"""The map's requests aligned on the tile grid (maps/static/maps/js/tiles.js): the same
screen always asks the same URLs, the load test (bench/loadtest.py) asks them the same way,
and the API accepts them.

tiles.js runs in the real Node.js (the browser's code, unchanged) against the load test's
Python port of it, on many views of the region."""

import json
import random
import shutil
import subprocess

import pytest
from django.conf import settings

from bench.loadtest import grid_bbox, grid_view, js_fixed
from maps.views import SEARCH_BBOX

TILES = settings.BASE_DIR / "maps" / "static" / "maps" / "js" / "tiles.js"
NODE = shutil.which("node")


def _views(count: int, seed: int = 19) -> list[tuple[list[float], int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        z = rng.randint(6, 18)
        lon, lat = rng.uniform(4.0, 8.0), rng.uniform(42.8, 45.4)
        half_w, half_h = 360 / 2**z * rng.uniform(0.7, 3.0), 180 / 2**z * rng.uniform(0.7, 2.0)
        out.append(([lon - half_w, lat - half_h, lon + half_w, lat + half_h], z))
    return out


@pytest.mark.skipif(NODE is None, reason="Node.js is installed by make static (npm)")
def test_tiles_js_and_the_load_test_ask_the_same_boxes():
    views = _views(400)
    script = (
        f"import {{ gridBbox }} from {json.dumps(TILES.as_uri())};\n"
        f"const views = {json.dumps(views)};\n"
        f"const search = {json.dumps(SEARCH_BBOX)};\n"
        "console.log(JSON.stringify(views.map(([b, z]) => gridBbox(b, z, search))));\n"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    from_js = json.loads(done.stdout)
    from_python = [grid_bbox(bounds, z, SEARCH_BBOX) for bounds, z in views]
    assert from_js == from_python
    assert sum(box is not None for box in from_js) > 300


def test_js_rounding_is_half_away_from_zero():
    # 0.703125 is exact in binary: Python's format gives 0.70312, JavaScript 0.70313.
    assert js_fixed(0.703125, 5) == "0.70313"
    assert js_fixed(-0.703125, 5) == "-0.70313"
    assert js_fixed(5.3, 6) == "5.300000"


def test_a_pan_within_the_same_tiles_asks_the_same_url():
    size = (1180, 800)
    first = grid_view(5.3698, 43.2965, 14, size, SEARCH_BBOX)
    # 40 px east at zoom 14 (a tile is 256 px): the same tiles cover the view.
    nudged = grid_view(5.3698 + 40 * 360 / 256 / 2**14, 43.2965, 14, size, SEARCH_BBOX)
    moved = grid_view(5.3698 + 300 * 360 / 256 / 2**14, 43.2965, 14, size, SEARCH_BBOX)
    assert first == nudged
    assert moved != first
    box = [float(v) for v in first[0].split(",")]
    # The aligned box covers the screen (its edges lie on the grid, outside the view).
    assert box[0] < 5.3698 - 590 * 360 / 256 / 2**14 < box[2]
    assert first[1] == (
        float(js_fixed((box[0] + box[2]) / 2, 6)),
        float(js_fixed((box[1] + box[3]) / 2, 6)),
    )


@pytest.mark.django_db
def test_the_api_accepts_the_aligned_urls(client):
    for bounds, z in _views(60, seed=7):
        box = grid_bbox(bounds, z, SEARCH_BBOX)
        if box is None:
            continue
        w, s, e, n = (float(v) for v in box.split(","))
        point = f"{js_fixed((w + e) / 2, 6)},{js_fixed((s + n) / 2, 6)}"
        listing = client.get(
            "/api/v1/businesses/", {"in_bbox": box, "point": point, "page_size": 50}
        )
        assert listing.status_code == 200, listing.content
        clusters = client.get("/api/v1/clusters/", {"in_bbox": box, "zoom": z})
        assert clusters.status_code == 200, clusters.content
        counts = client.get("/api/v1/categories/counts/", {"in_bbox": box})
        assert counts.status_code == 200, counts.content
