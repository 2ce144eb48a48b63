"""Issue #17: the map's touch targets on the home page never overlap and are never small.

Lighthouse's accessibility audit of ``/`` failed ``target-size`` because server-side
clusters drawn 44 px wide could sit a few pixels apart (their cells are ~60 px, but each
cluster is drawn at its listings' mean). In real Chromium, on a desktop screen and a
390 × 844 touch phone, over the real listings (dense around Marseille): from the first
view, a resident taps the biggest cluster they can see, again and again down to the
street-level zoom; at every view no two of the map's cluster or listing targets overlap
(their boxes, as axe measures them), each is at least 44 px, and axe's own ``target-size``
rule (WCAG 2.2, the one Lighthouse runs) finds nothing, nor any serious violation.
"""

import pytest

from tests.browser.axe import violations
from tests.browser.conftest import finish, wait_until
from tests.browser.residents_map.conftest import assert_clean, new_page, open_home

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

TARGET = 44  # px: the project's touch-target rule
DETAIL_ZOOM = 13  # mapview.js: one marker per listing from there on
# The map's targets: clusters, and listings alone in their cell while zoomed out.
TARGETS = ".leaflet-marker-pane .sn-cluster, .leaflet-marker-pane .sn-marker, path.sn-marker"
BOXES = """sel => [...document.querySelectorAll(sel)].map(e => {
  const r = e.getBoundingClientRect();
  return {x: r.left, y: r.top, w: r.width, h: r.height,
          name: e.getAttribute('aria-label') || e.dataset.id || e.textContent};
})"""
# The cluster the resident would tap: the biggest whose centre is not under the list,
# the sheet or a control.
BIGGEST_VISIBLE = """() => {
  const shown = [...document.querySelectorAll('.leaflet-marker-pane .sn-cluster')];
  const free = shown.filter(e => {
    const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit && e.contains(hit);
  });
  if (!free.length) return null;
  const count = e => Number(e.getAttribute('aria-label').split(' commerce')[0].replace(/\\s/g, ''));
  const best = free.reduce((a, b) => (count(b) > count(a) ? b : a));
  return shown.indexOf(best);
}"""


@pytest.fixture(autouse=True)
def no_tiles(settings, site_url):
    # Tiles answered 404 by our own server (no internet in tests; the CSP allows it).
    settings.TILE_URL = site_url + "/no-tiles/{z}/{x}/{y}.png"


@pytest.fixture(params=["desktop", "phone"])
def device_page(browser, request):
    page = new_page(browser, request.param)
    yield page
    finish(page, request.node.name)


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                a["x"] < b["x"] + b["w"]
                and b["x"] < a["x"] + a["w"]
                and a["y"] < b["y"] + b["h"]
                and b["y"] < a["y"] + a["h"]
            ):
                pairs.append((a["name"], b["name"]))
    return pairs


def lighthouse_only_violations(page) -> list[str]:
    """axe's rules that Lighthouse runs beyond ``violations``'s tags: ``target-size``
    (WCAG 2.2) and ``label-content-name-mismatch`` (experimental; the axe of
    maps/node_modules, older than Lighthouse's, lets « 1007 » named « 1 007 » pass, hence
    the check of ``assert_targets_apart``)."""
    violations(page, impacts=())  # loads axe into the page
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'rule',"
        " values: ['target-size', 'label-content-name-mismatch']}})"
    )
    return [
        f"{v['id']} {n['target']}: {n['failureSummary']}"
        for v in result["violations"]
        for n in v["nodes"]
    ]


def assert_targets_apart(page, where: str) -> int:
    boxes = page.evaluate(BOXES, TARGETS)
    small = [b for b in boxes if b["w"] < TARGET - 0.5 or b["h"] < TARGET - 0.5]
    assert small == [], f"{where}: targets under {TARGET} px: {small[:5]}"
    # WCAG 2.5.3 (Lighthouse's label-content-name-mismatch): the count a cluster shows is
    # in its name as written there (« 1 007 », not « 1007 »).
    unnamed = page.evaluate(
        "[...document.querySelectorAll('.sn-cluster')]"
        ".filter(e => !e.getAttribute('aria-label').startsWith(e.textContent + ' '))"
        ".map(e => [e.textContent, e.getAttribute('aria-label')])"
    )
    assert unnamed == [], f"{where}: a count missing from its name: {unnamed[:5]}"
    pairs = overlapping(boxes)
    assert pairs == [], f"{where}: {len(pairs)} overlapping targets, e.g. {pairs[:5]}"
    assert lighthouse_only_violations(page) == [], where
    assert violations(page) == [], where
    return len(boxes)


def test_map_targets_never_overlap_from_the_region_down_to_the_street(device_page, site_url):
    page = device_page
    open_home(page, site_url + "/")
    zoom = page.evaluate("sauvonsNoel.map.getZoom()")
    assert zoom < DETAIL_ZOOM, "the first view shows clusters"
    seen = []
    while zoom < DETAIL_ZOOM:
        biggest = page.evaluate(
            "Math.max(0, ...[...document.querySelectorAll('.sn-cluster')]"
            ".map(e => Number(e.getAttribute('aria-label').split(' commerce')[0]"
            ".replace(/\\s/g, ''))))"
        )
        seen.append((zoom, assert_targets_apart(page, f"zoom {zoom}"), biggest))
        index = page.evaluate(BIGGEST_VISIBLE)
        assert index is not None, f"zoom {zoom}: no cluster to tap"
        before = page.evaluate("document.body.dataset.refreshed")
        page.locator(".leaflet-marker-pane .sn-cluster").nth(index).click()
        wait_until(page, f"document.body.dataset.refreshed !== '{before}'")
        page.wait_for_selector("body[data-ready=true]")
        new_zoom = page.evaluate("sauvonsNoel.map.getZoom()")
        assert new_zoom > zoom, "a tap on a cluster zooms in"
        zoom = new_zoom
    print(f"\n{page.device}: (zoom, targets, biggest count) {seen}")
    assert len(seen) >= 2 and max(n for _, n, _ in seen) >= 10, "dense views were checked"
    assert_clean(page)
