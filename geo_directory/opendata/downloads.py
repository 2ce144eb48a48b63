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
from django.db import connection, transaction
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
    public_rows,
    utc_text,
)

CHUNK_ROWS = 2000
CSV_HEADER = ("id", "longitude", "latitude", *PROPERTIES)
_PHONE_OR_NUMBER = re.compile(r"[+-]?[0-9 ().,/-]*")
TRIGGERS = frozenset("=+-@\t\r")


def csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab/CR) is
    a formula to Excel and LibreOffice (CSV injection), so it gets a leading apostrophe.
    A phone number or a number (``+33 4 91 …``, ``-12``: digits, spaces, dots, dashes,
    brackets) cannot call anything and stays as it is, readable by machines."""
    if text and text[0] in TRIGGERS and not _PHONE_OR_NUMBER.fullmatch(text):
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
    """The public rows, read through a server-side cursor in one transaction.

    The SQL is the queryset's; the rows come straight from psycopg's named cursor, as
    tuples: ``.iterator()`` would run Django's per-value converters (a float() call per
    coordinate, a third of the time of a GeoJSON export).
    """
    sql, query_params = public_rows(listings).query.sql_with_params()
    # atomic() first: it opens the connection the named cursor is made on. Binary rows:
    # floats and booleans without parsing their text.
    with (
        transaction.atomic(),
        connection.connection.cursor(name="opendata_export", binary=True) as cursor,
    ):
        cursor.itersize = CHUNK_ROWS
        cursor.execute(sql, query_params)
        yield from cursor


def _batches(rows):
    """Rows, ``CHUNK_ROWS`` at a time: each batch is encoded at once and leaves in one
    write to the socket."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


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


def download(extension: str, content_type: str):
    """A download view from ``body(listings, name, now, ref)``, the generator of its
    bytes: the scope checked first (a French error), HEAD answered without a query, the
    file name with the date and the licence links set."""

    def decorate(body):
        @require_safe
        def view(request):
            try:
                listings, name = _scope(request)
            except params.OGCError as error:
                return error.response()
            now = timezone.now()
            ref = reference.get()
            chunks = iter(()) if request.method == "HEAD" else body(listings, name, now, ref)
            response = StreamingHttpResponse(chunks, content_type=content_type)
            return _headers(response, request, name, extension, now)

        view.__name__ = body.__name__
        view.__doc__ = body.__doc__
        return view

    return decorate


@download("geojson", "application/geo+json; charset=utf-8")
def geojson(listings, name, now, ref):
    head = {
        "type": "FeatureCollection",
        "name": f"commerces-{name}",
        "license": DATASET_LICENCE,
        "licence_url": LICENCES[DATASET_LICENCE]["url"],
        "attribution": ATTRIBUTION,
        "generated_at": utc_text(now),
    }

    yield orjson.dumps(head)[:-1] + b',"features":[\n'
    separator = b""
    for batch in _batches(_rows(listings)):
        # One orjson call per batch: the list's brackets dropped, its commas kept.
        yield separator + orjson.dumps([feature(row, ref) for row in batch])[1:-1]
        separator = b",\n"
    yield b"\n]}\n"


@download("csv", "text/csv; charset=utf-8")
def csv_file(listings, _name, now, ref):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def cells(row) -> list:
        """A CSV row: id, longitude, latitude, then public.properties() in PROPERTIES
        order (test_downloads checks it against them), written out per column: one call
        per cell cost half of the export's time. Free text goes through csv_safe."""
        (id_, name, category_id, street, postcode, commune_id, phone, email, website) = row[:9]
        (opening_hours, description, pickup, delivery, source, radius, updated) = row[9:16]
        category = ref.categories.get(category_id)
        return [
            id_,
            row[-2],
            row[-1],
            name if not name or name[0] not in TRIGGERS else csv_safe(name),
            category.slug if category else "",
            category.label if category else "",
            street if not street or street[0] not in TRIGGERS else csv_safe(street),
            postcode if not postcode or postcode[0] not in TRIGGERS else csv_safe(postcode),
            commune_id,
            ref.commune_names.get(commune_id, ""),
            phone if not phone or phone[0] not in TRIGGERS else csv_safe(phone),
            email if not email or email[0] not in TRIGGERS else csv_safe(email),
            website if not website or website[0] not in TRIGGERS else csv_safe(website),
            opening_hours
            if not opening_hours or opening_hours[0] not in TRIGGERS
            else csv_safe(opening_hours),
            description
            if not description or description[0] not in TRIGGERS
            else csv_safe(description),
            "true" if pickup else "false",
            "true" if delivery else "false",
            radius,
            source,
            SOURCE_LICENCE.get(source, DATASET_LICENCE),
            updated,
        ]

    def flushed() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    writer.writerow(CSV_HEADER)
    yield flushed()
    for batch in _batches(_rows(listings)):
        writer.writerows(cells(row) for row in batch)
        yield flushed()


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
