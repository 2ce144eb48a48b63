"""A local stand-in for the national address API (api-adresse.data.gouv.fr), for tests.

A real HTTP server on 127.0.0.1 (free port, own thread) answering ``/search/`` and
``/reverse/`` in the API's format: a GeoJSON FeatureCollection whose features carry
``label, score, housenumber, id, name, postcode, citycode, x, y, city, context, type,
importance, street``. The addresses and coordinates are real places of the region.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from pyproj import Transformer

TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)

CONTEXTS = {
    "13": "13, Bouches-du-Rhône, Provence-Alpes-Côte d'Azur",
    "06": "06, Alpes-Maritimes, Provence-Alpes-Côte d'Azur",
    "84": "84, Vaucluse, Provence-Alpes-Côte d'Azur",
    "05": "05, Hautes-Alpes, Provence-Alpes-Côte d'Azur",
    "83": "83, Var, Provence-Alpes-Côte d'Azur",
}

# (type, housenumber, street/name, postcode, citycode, city, lon, lat, id)
ADDRESSES = [
    (
        "housenumber",
        "2",
        "La Canebière",
        "13001",
        "13201",
        "Marseille",
        5.3776,
        43.2966,
        "13201_1520_00002",
    ),
    (
        "housenumber",
        "10",
        "La Canebière",
        "13001",
        "13201",
        "Marseille",
        5.3786,
        43.2970,
        "13201_1520_00010",
    ),
    ("street", "", "Quai du Port", "13002", "13202", "Marseille", 5.3700, 43.2960, "13202_7590"),
    (
        "housenumber",
        "1",
        "Place Masséna",
        "06000",
        "06088",
        "Nice",
        7.2700,
        43.6975,
        "06088_4620_00001",
    ),
    (
        "housenumber",
        "1",
        "Place de l'Horloge",
        "84000",
        "84007",
        "Avignon",
        4.8075,
        43.9497,
        "84007_2350_00001",
    ),
    ("street", "", "Place Jean Marcellin", "05000", "05061", "Gap", 6.0794, 44.5594, "05061_0960"),
    (
        "housenumber",
        "1",
        "Place de la Liberté",
        "83000",
        "83137",
        "Toulon",
        5.9326,
        43.1246,
        "83137_2830_00001",
    ),
    (
        "housenumber",
        "55",
        "Cours Mirabeau",
        "13100",
        "13001",
        "Aix-en-Provence",
        5.4474,
        43.5269,
        "13001_1460_00055",
    ),
    ("municipality", "", "Marseille", "13001", "13055", "Marseille", 5.3806, 43.2999, "13055"),
]


def _tokens(text: str) -> set[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return {t for t in re.split(r"[^\w]+", text) if t and t not in {"la", "de", "l", "du"}}


def feature(entry, score: float, distance: float | None = None) -> dict:
    kind, number, street, postcode, citycode, city, lon, lat, ident = entry
    x, y = TO_L93.transform(lon, lat)
    if kind == "municipality":
        name, label = city, city
    elif kind == "housenumber":
        name = f"{number} {street}"
        label = f"{name} {postcode} {city}"
    else:
        name, label = street, f"{street} {postcode} {city}"
    props = {
        "label": label,
        "score": round(score, 4),
        "id": ident,
        "name": name,
        "postcode": postcode,
        "citycode": citycode,
        "x": round(x, 2),
        "y": round(y, 2),
        "city": city,
        "context": CONTEXTS[postcode[:2]],
        "type": kind,
        "importance": 0.6,
    }
    if kind == "housenumber":
        props["housenumber"] = number
    if kind in ("housenumber", "street"):
        props["street"] = street
    if distance is not None:
        props["distance"] = round(distance)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def search(q: str, postcode: str = "", citycode: str = "", limit: int = 5) -> list[dict]:
    query = _tokens(q)
    scored = []
    for entry in ADDRESSES:
        kind, number, street, pc, cc, city, *_ = entry
        if postcode and pc != postcode:
            continue
        if citycode and citycode != cc and not (citycode == "13055" and cc.startswith("132")):
            continue
        label = _tokens(" ".join((number, street, pc, city)))
        matched = len(query & label)
        if not matched or (kind != "municipality" and not (query & _tokens(street))):
            continue
        if number and number not in query:
            continue
        ratio = matched / len(label | query)
        scored.append((matched, 0.25 + 0.72 * ratio, entry))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    return [feature(entry, score) for _, score, entry in scored[:limit]]


def reverse(lon: float, lat: float) -> list[dict]:
    def metres(entry):
        dx = (entry[6] - lon) * 111_320 * math.cos(math.radians(lat))
        dy = (entry[7] - lat) * 110_540
        return math.hypot(dx, dy)

    nearest = min((e for e in ADDRESSES if e[0] != "municipality"), key=metres)
    distance = metres(nearest)
    if distance > 5_000:
        return []
    return [feature(nearest, 0.99, distance)]


def nominatim_place(feature: dict) -> dict:
    """A BAN feature as Nominatim's ``format=json&addressdetails=1`` would describe it."""
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    address = {"city": props["city"], "postcode": props["postcode"], "country_code": "fr"}
    if props.get("housenumber"):
        address["house_number"] = props["housenumber"]
    if props.get("street"):
        address["road"] = props["street"]
    kind = {"housenumber": "building", "street": "road", "municipality": "city"}[props["type"]]
    return {
        "place_id": abs(hash(props["id"])) % 10**9,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
        "osm_type": "way",
        "lat": str(lat),
        "lon": str(lon),
        "display_name": f"{props['name']}, {props['city']}, {props['postcode']}, France",
        "class": "place",
        "type": "house" if kind == "building" else kind,
        "addresstype": kind,
        "importance": props["importance"],
        "address": address,
    }


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append((url.path, params))
        path = url.path.rstrip("/")
        if self.server.flavour == "nominatim":
            if path != "/search":
                return self.reply(404, {"error": "not found"})
            places = [nominatim_place(f) for f in search(params.get("q", ""), limit=1)]
            return self.reply(200, places)
        if path == "/search":
            if len(params.get("q", "").strip()) < 3:
                return self.reply(400, {"code": 400, "message": "q must contain at least 3 chars"})
            features = search(
                params["q"],
                params.get("postcode", ""),
                params.get("citycode", ""),
                int(params.get("limit", 5)),
            )
            query = params["q"]
        elif path == "/reverse":
            try:
                lon = float(params.get("lon", params.get("lng")))
                lat = float(params["lat"])
            except (TypeError, KeyError, ValueError):
                return self.reply(400, {"code": 400, "message": "lon/lat must be float"})
            features = reverse(lon, lat)
            query = None
        else:
            return self.reply(404, {"code": 404, "message": "not found"})
        body = {
            "type": "FeatureCollection",
            "version": "draft",
            "features": features,
            "attribution": "BAN",
            "licence": "ETALAB-2.0",
            "query": query,
            "limit": int(params.get("limit", 5)),
        }
        if path == "/reverse":
            body.pop("query")
        return self.reply(200, body)

    def reply(self, status: int, body):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeBAN:
    """``with FakeBAN() as ban: ban.domain`` -> "127.0.0.1:PORT"; ``ban.stop()``."""

    flavour = "ban"

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.flavour = self.flavour
        self.server.requests = []
        self.port = self.server.server_address[1]
        self.domain = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def requests(self):
        return self.server.requests

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class FakeNominatim(FakeBAN):
    """The same real addresses, answered in Nominatim's /search JSON format."""

    flavour = "nominatim"


def closed_port() -> int:
    """A local port nobody listens on (bound then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
