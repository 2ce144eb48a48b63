"""``make audit``: Lighthouse (mobile) on the pages a resident lands on.

The pages are served as ``make run`` serves them (gunicorn with ``gunicorn.conf.py``,
``DEBUG`` off) from the bench database (``bench/db.py``: the real territory and demo
listings), plus one shop taking réveillon orders so that its page shows « Commander » and
the checkout has a cart. Lighthouse 12 (``bench/audit/package.json``, installed by
``make audit``) drives the Debian Chromium; map tiles come from a local stub (the
internet is not part of the measure), as the issue allows.

Pages: ``/``, a shop page, a commune page and the checkout (with the cart's session
cookie). Each gets Lighthouse's four category scores (mobile emulation, simulated
throttling); every audit that did not pass in accessibility, best practices and SEO is
listed under the table, and the full reports are written to ``test-artifacts/``.

The axe-core check of every page runs in ``make test`` (tests/browser/test_accessibility.py).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .api import Server
from .db import ROOT, django_env

LIGHTHOUSE = ROOT / "bench" / "audit" / "node_modules" / ".bin" / "lighthouse"
ARTIFACTS = ROOT / "test-artifacts"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 100}
DEFAULT_SIZES = (0,)  # no synthetic listings: the real demo data is what residents see


def _tile_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (232, 236, 230)).save(buffer, "PNG")
    return buffer.getvalue()


# AUDIT_PORTS="8712,8722": the site's and the tile stub's ports on a machine where each
# user has its own (default: free ones).
PORTS = [int(p) for p in os.environ.get("AUDIT_PORTS", "0,0").split(",")][:2]


class TileStub:
    """A local tile server: every ``/{z}/{x}/{y}.png`` is the same light tile."""

    def __init__(self, port: int = 0):
        png = _tile_png()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.send_header("Cache-Control", "public, max-age=86400")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/{{z}}/{{x}}/{{y}}.png"

    def stop(self):
        self.server.shutdown()


def prepare() -> dict:
    """In a Django process on the bench database: the audited shop, its campaign and a cart.

    Idempotent: the shop and its menu are made once; each run gets a fresh session."""
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from geo_directory.accounts.listings import radius_zone
    from geo_directory.businesses.models import Business, Category
    from geo_directory.orders.cart import Cart
    from geo_directory.orders.models import Campaign, Product, Slot

    owner, _ = get_user_model().objects.get_or_create(
        username="audit-traiteur", defaults={"email": "audit-traiteur@example.fr"}
    )
    door = Point(5.381044, 43.302321, srid=4326)  # square Narvik, Marseille 1er
    business = Business.objects.filter(owner=owner).first()
    if business is None:
        business = Business.objects.create(
            name="Traiteur du Réveillon",
            category=Category.objects.get(slug="boulangerie"),
            street="1 square Narvik",
            postcode="13001",
            location=door,
            phone="04 91 00 00 00",
            website="https://traiteur-reveillon.example.fr/",
            description="Menus de fête à emporter ou livrés dans Marseille.",
            opening_hours="Mo-Sa 08:00-19:30; Dec 25 off",
            offers_pickup=True,
            offers_delivery=True,
            delivery_radius_km=3,
            delivery_zone=radius_zone(door, 3),
            status=Business.Status.PUBLISHED,
            owner=owner,
        )
    now = timezone.now()
    campaign = Campaign.objects.filter(business=business).open_at(now).first()
    if campaign is None:
        campaign = Campaign.objects.create(
            business=business,
            name="Réveillon",
            cutoff_at=now + dt.timedelta(days=20),
            offers_delivery=True,
        )
        for kind, hour in (("pickup", 10), ("delivery", 17)):
            start = (now + dt.timedelta(days=21)).replace(hour=hour, minute=0, second=0)
            Slot.objects.create(
                campaign=campaign,
                kind=kind,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                capacity=20,
            )
    product = Product.objects.filter(business=business).first() or Product.objects.create(
        business=business, name="Menu du réveillon", price_cents=6500
    )
    session = SessionStore()
    Cart(session, business.pk).add(product.pk, 1)
    session.save()
    shop_url = (
        business.get_absolute_url()
        if hasattr(business, "get_absolute_url")
        else f"/commerces/{business.pk}/commander/"
    )
    return {
        "pages": {
            "accueil": "/",
            "fiche commerce": shop_url,
            "page commune": f"/communes/{business.commune_id}/",
            "commande": f"/commerces/{business.pk}/commande/",
        },
        "session": session.session_key,
    }


def lighthouse(url: str, name: str, cookie: str | None) -> dict:
    ARTIFACTS.mkdir(exist_ok=True)
    report = ARTIFACTS / f"lighthouse-{name.replace(' ', '-')}.json"
    args = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--locale=fr",
    ]
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": f"sessionid={cookie}"}))
    env = dict(os.environ, CHROME_PATH="/usr/bin/chromium")
    # Lighthouse sometimes loses the trace on a busy machine (NO_NAVSTART): once more.
    for _attempt in (1, 2):
        done = subprocess.run(args, env=env, timeout=300)
        if done.returncode == 0:
            return json.loads(report.read_text())
    raise SystemExit(f"Lighthouse failed twice on {url}")


def failing(result: dict) -> list[str]:
    """The audits below a full score in the categories whose goal is not the speed."""
    lines = []
    for category in ("accessibility", "best-practices", "seo"):
        for ref in result["categories"][category]["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                lines.append(f"{category}: {audit['id']} ({audit['title']})")
    return lines


def lcp_breakdown(result: dict) -> str:
    """The LCP, its element and its phases (TTFB, load delay, load time, render delay)."""
    audits = result["audits"]
    text = f"LCP {audits['largest-contentful-paint']['displayValue']}"
    details = audits.get("largest-contentful-paint-element", {}).get("details") or {}
    tables = [item for item in details.get("items", []) if item.get("type") == "table"]
    if tables and tables[0]["items"]:
        text += f" on {tables[0]['items'][0]['node'].get('selector', '?')}"
    if len(tables) > 1:
        phases = ", ".join(f"{p['phase']} {p['timing']:.0f} ms" for p in tables[1]["items"])
        text += f" ({phases})"
    return text


def metrics(result: dict) -> str:
    """The five metrics of the performance score, as Lighthouse displays them."""
    names = {
        "first-contentful-paint": "FCP",
        "largest-contentful-paint": "LCP",
        "total-blocking-time": "TBT",
        "speed-index": "SI",
        "cumulative-layout-shift": "CLS",
    }
    return ", ".join(
        f"{short} {result['audits'][key]['displayValue']}" for key, short in names.items()
    )


def run(n: int, log) -> list[dict]:
    """``AUDIT_RUNS`` (default 1) Lighthouse runs per page, median scores; ``AUDIT_PAGES``
    (e.g. ``accueil``, comma-separated) audits only those pages."""
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run `make audit` (it installs it)")
    runs = max(1, int(os.environ.get("AUDIT_RUNS") or 1))
    only = {p.strip() for p in os.environ.get("AUDIT_PAGES", "").split(",") if p.strip()}
    prepared = subprocess.run(
        [sys.executable, "-m", "bench.audit", "--prepare"],
        env=django_env(),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    setup = json.loads(prepared.stdout.strip().splitlines()[-1])
    tiles = TileStub(PORTS[1])
    server = Server(production=True, env={"TILE_URL": tiles.url}, port=PORTS[0])
    results = []
    try:
        for name, path in setup["pages"].items():
            if only and name not in only:
                continue
            cookie = setup["session"] if name == "commande" else None
            samples = []
            for i in range(runs):
                load = os.getloadavg()[0]
                log(f"lighthouse {name}: {path} (run {i + 1}/{runs}, load {load:.1f})")
                result = lighthouse(f"http://127.0.0.1:{server.port}{path}", name, cookie)
                scores = {
                    c: round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES
                }
                log(f"  {scores}; {metrics(result)}; {lcp_breakdown(result)}")
                samples.append((scores, result))
            median = {c: statistics.median_low([s[c] for s, _ in samples]) for c in CATEGORIES}
            last = samples[-1][1]
            results.append(
                {
                    "page": name,
                    "path": path,
                    **median,
                    "runs": [s["performance"] for s, _ in samples],
                    "lcp": lcp_breakdown(last),
                    "failing": failing(last),
                }
            )
    finally:
        server.stop()
        tiles.stop()
    return results


def table(results: list[dict]) -> str:
    head = "| page | performance | accessibility | best practices | SEO |"
    lines = [head, "|---|---|---|---|---|"]
    for r in results:
        cells = []
        for c in CATEGORIES:
            mark = "" if r[c] >= GOALS[c] else " ✗"
            cells.append(f"{r[c]}{mark}")
        if len(r["runs"]) > 1:
            cells[0] += f" (runs: {', '.join(map(str, r['runs']))})"
        lines.append(f"| {r['page']} (`{r['path']}`) | " + " | ".join(cells) + " |")
    goals = ", ".join(f"{c} ≥ {g}" for c, g in GOALS.items())
    lines.append(
        f"\nGoals (issue #17, mobile): {goals}. ✗ marks a score below its goal;"
        " with AUDIT_RUNS > 1 each score is the median of the runs."
    )
    for r in results:
        lines.append(f"- {r['page']}: {r['lcp']} (last run)")
        for item in r["failing"]:
            lines.append(f"- {r['page']}: {item}")
    return "\n".join(lines)


if __name__ == "__main__" and sys.argv[1:] == ["--prepare"]:
    print(json.dumps(prepare()))
