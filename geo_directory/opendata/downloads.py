"""Whole-directory downloads, streamed: GeoJSON and CSV, of everything, a commune or a
département.

``/api/telechargement/commerces.geojson`` and ``.csv`` (``?commune=<INSEE>`` or
``?departement=<code>``), described by ``/api/telechargement/`` (JSON: the files, the
licence, the attribution, the date). The rows come from a server-side cursor
(``.iterator(chunk_size=...)`` inside a transaction, so PostgreSQL hands them over as they
are read instead of materialising a WITH HOLD cursor first) and leave in chunks: memory
stays flat whatever the size of the directory (``make bench``: the export section).

Licence and date: the GeoJSON carries them as top-level members (``license``,
``licence_url``, ``attribution``, ``generated_at``), each feature its own ``licence``;
the CSV, a plain table, carries each row's ``licence`` column, the date in its file name
(``Content-Disposition``), and ``Link`` headers to the licence (``rel="license"``) and
to the metadata (``rel="describedby"``).
"""

from __future__ import annotations

import csv
import io
import re

import orjson
from django.db import transaction
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_safe

from geo_directory.api import reference
from geo_directory.businesses.models import Business

from . import params
from .ogc import _json
from .public import (
    ATTRIBUTION,
    DATASET_LICENCE,
    LICENCES,
    PROPERTIES,
    SOURCE_LICENCE,
    feature,
    properties,
    public_rows,
    utc_text,
)

CHUNK_ROWS = 2000
CSV_HEADER = ("id", "longitude", "latitude", *PROPERTIES)
_PHONE_OR_NUMBER = re.compile(r"[+-]?[0-9 ().,/-]*")


def csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab/CR) is
    a formula to Excel and LibreOffice (CSV injection), so it gets a leading apostrophe.
    A phone number or a number (``+33 4 91 …``, ``-12``: digits, spaces, dots, dashes,
    brackets) cannot call anything and stays as it is, readable by machines."""
    if text and text[0] in "=+-@\t\r" and not _PHONE_OR_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _scope(request) -> tuple[object, str]:
    """The listings asked for (``commune`` or ``departement`` or all) and a file name
    part; a bad parameter raises OGCError."""
    params.check_known(request.GET, {"commune", "departement"})
    commune = request.GET.get("commune")
    departement = request.GET.get("departement")
    if commune is not None and departement is not None:
        raise params.OGCError("Choisissez « commune » ou « departement », pas les deux.")
    ref = reference.get()
    listings = Business.objects.all()
    if commune is not None:
        code = commune.strip().upper()
        if code not in ref.commune_names:
            raise params.not_found(f"Commune inconnue : « {commune[:10]} » (code INSEE).")
        return listings.within_commune(code).by_commune(), f"commune-{code}"
    if departement is not None:
        code = departement.strip().upper()
        if code not in ref.departements:
            raise params.not_found(f"Département inconnu : « {departement[:10]} ».")
        return listings.in_departement(code).by_commune(), f"departement-{code}"
    return listings.order_by("id"), "region-sud"


def _rows(listings):
    """The public rows, read through a server-side cursor in one transaction."""
    with transaction.atomic():
        yield from public_rows(listings).iterator(chunk_size=CHUNK_ROWS)


def _chunks(rows, encode, separator: bytes = b""):
    """Encoded rows, ``CHUNK_ROWS`` to a chunk (one write to the socket each)."""
    batch = []
    for row in rows:
        batch.append(encode(row))
        if len(batch) >= CHUNK_ROWS:
            yield separator.join(batch)
            batch = []
    if batch:
        yield separator.join(batch)


def _unless_head(request, body):
    """HEAD (``/vsicurl/`` asks it first) gets the headers only: no query is run."""
    return iter(()) if request.method == "HEAD" else body()


def _headers(response, request, name: str, extension: str, now) -> StreamingHttpResponse:
    filename = f"commerces-{name}-{timezone.localdate(now):%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    metadata = request.build_absolute_uri(reverse("opendata:downloads"))
    response["Link"] = (
        f'<{LICENCES[DATASET_LICENCE]["url"]}>; rel="license", <{metadata}>; rel="describedby"'
    )
    response["Last-Modified"] = now.strftime("%a, %d %b %Y %H:%M:%S GMT")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def geojson(request):
    try:
        listings, name = _scope(request)
    except params.OGCError as error:
        return error.response()
    now = timezone.now()
    ref = reference.get()
    head = {
        "type": "FeatureCollection",
        "name": f"commerces-{name}",
        "license": DATASET_LICENCE,
        "licence_url": LICENCES[DATASET_LICENCE]["url"],
        "attribution": ATTRIBUTION,
        "generated_at": utc_text(now),
    }

    def body():
        yield orjson.dumps(head)[:-1] + b',"features":[\n'
        first = True
        encode = lambda row: orjson.dumps(feature(row, ref))  # noqa: E731
        for chunk in _chunks(_rows(listings), encode, b",\n"):
            yield chunk if first else b",\n" + chunk
            first = False
        yield b"\n]}\n"

    response = StreamingHttpResponse(
        _unless_head(request, body), content_type="application/geo+json; charset=utf-8"
    )
    return _headers(response, request, name, "geojson", now)


@require_safe
def csv_file(request):
    try:
        listings, name = _scope(request)
    except params.OGCError as error:
        return error.response()
    now = timezone.now()
    ref = reference.get()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(values) -> bytes:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    def encode(row) -> bytes:
        props = properties(row, ref)
        cells = [row[0], row[-2], row[-1]]
        for key in PROPERTIES:
            value = props[key]
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, str):
                cells.append(csv_safe(value))
            else:
                cells.append(value)
        return line(cells)

    def body():
        yield line(CSV_HEADER)
        yield from _chunks(_rows(listings), encode)

    response = StreamingHttpResponse(
        _unless_head(request, body), content_type="text/csv; charset=utf-8"
    )
    return _headers(response, request, name, "csv", now)


@require_GET
def metadata(request):
    """What can be downloaded, under which licence, as of when."""
    if request.GET:
        return params.OGCError("Cette page ne prend aucun paramètre.").response()
    base = request.build_absolute_uri(reverse("opendata:geojson"))
    csv_url = request.build_absolute_uri(reverse("opendata:csv"))
    return _json(
        {
            "title": "Sauvons Noël – commerces de la Région Sud, en données ouvertes",
            "generated_at": utc_text(timezone.now()),
            "license": DATASET_LICENCE,
            "licences": LICENCES,
            "source_licences": {source.value: name for source, name in SOURCE_LICENCE.items()},
            "attribution": ATTRIBUTION,
            "fields": ["id", "longitude", "latitude", *PROPERTIES],
            "downloads": {
                "geojson": base,
                "csv": csv_url,
                "par_commune": f"{base}?commune=<code INSEE>",
                "par_departement": f"{csv_url}?departement=<code>",
            },
            "ogc_api_features": request.build_absolute_uri(reverse("opendata:landing")),
        }
    )
