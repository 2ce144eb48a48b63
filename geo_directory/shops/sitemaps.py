"""``robots.txt``, ``sitemap.xml`` and its pages: every published shop and every commune.

The sitemap protocol allows 50,000 URLs a file: ``sitemap.xml`` is an index of pages,
one for the communes (946 in the region, 35,000 in all France) and one per 50,000
published shops. Shops page k (``sitemap-commerces-<k>.xml``) holds the published ids
from k × 50,000 to (k + 1) × 50,000 − 1: a key range of the primary key, never an OFFSET,
and never more than 50,000 URLs; the index lists the non-empty pages with one index probe
each (``page_numbers``).
Pages are streamed from a server-side cursor, a chunk of rows at a time: the memory used
does not grow with the table (a million listings or ten).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.utils.html import escape

from geo_directory.api.queries import PUBLISHED
from geo_directory.territory.models import Commune

from .paths import shop_path
from .views import MAX_ID

PER_FILE = 50_000
CHUNK = 2_000
# Sitemaps change when listings are published: an hour in a shared cache is fine.
MAX_AGE = 3600
XML = "application/xml; charset=utf-8"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'


def _origin(request) -> str:
    return escape(request.build_absolute_uri("/").rstrip("/"))


def _cacheable(response):
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /compte/",
        "Disallow: /espace/",
        "Disallow: /commercant/",
        "Disallow: /mes-commandes/",
        "Disallow: /commandes/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
        "",
    ]
    return _cacheable(HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8"))


def page_numbers() -> list[int]:
    """The numbers k of the non-empty pages of shops: page k holds the published ids from
    k × PER_FILE to (k + 1) × PER_FILE − 1, so never more than PER_FILE of them. Found by a
    loose index scan of the primary key (one probe per non-empty page, from the end of
    the last one to the next published id), not by numbering every published row: that
    took 3.8 s at a million listings, this a few milliseconds."""
    sql = f"""
        WITH RECURSIVE pages(k) AS (
            SELECT (SELECT min(b.id) FROM businesses_business b WHERE {PUBLISHED}) / %(per)s
            UNION ALL
            SELECT (SELECT min(b.id) FROM businesses_business b
                     WHERE {PUBLISHED} AND b.id >= (pages.k + 1) * %(per)s) / %(per)s
              FROM pages WHERE pages.k IS NOT NULL
        )
        SELECT k FROM pages WHERE k IS NOT NULL"""
    with connection.cursor() as cursor:
        cursor.execute(sql, {"per": PER_FILE})
        return [row[0] for row in cursor.fetchall()]


def index(request):
    origin = _origin(request)
    files = [f"{origin}/sitemap-communes.xml"]
    files += [f"{origin}/sitemap-commerces-{k}.xml" for k in page_numbers()]
    body = (
        HEAD
        + '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<sitemap><loc>{url}</loc></sitemap>\n" for url in files)
        + "</sitemapindex>\n"
    )
    return _cacheable(HttpResponse(body, content_type=XML))


def _stream(head_rows, rows_sql: str, params: list, line):
    """HEAD, then one ``line(row)`` per row read CHUNK at a time from a server-side cursor
    (a named cursor: PostgreSQL keeps the result, Python holds one chunk), then the end.
    In a transaction, as opendata/downloads.py: without one the cursor would be WITH HOLD,
    materialised whole by PostgreSQL first (``DISABLE_SERVER_SIDE_CURSORS``, for PgBouncer
    in transaction mode, falls back to a plain cursor: one page, 50,000 rows at most)."""
    yield HEAD + URLSET + head_rows
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(rows_sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield "".join(line(row) for row in rows)
    yield "</urlset>\n"


def shops(request, number: int):
    if (number + 1) * PER_FILE > MAX_ID:
        raise Http404("Page de plan du site inconnue")
    origin = _origin(request)
    sql = (
        "SELECT b.id, b.name, to_char(b.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        f" FROM businesses_business b WHERE {PUBLISHED} AND b.id >= %s AND b.id < %s"
        " ORDER BY b.id"
    )

    def line(row):
        pk, name, lastmod = row
        return f"<url><loc>{origin}{shop_path(pk, name)}</loc><lastmod>{lastmod}</lastmod></url>\n"

    stream = _stream("", sql, [number * PER_FILE, (number + 1) * PER_FILE], line)
    return _cacheable(StreamingHttpResponse(stream, content_type=XML))


def communes(request):
    origin = _origin(request)
    table = Commune._meta.db_table
    sql = f"SELECT code FROM {table} ORDER BY code"
    home = f"<url><loc>{origin}/</loc></url>\n"

    def line(row):
        return f"<url><loc>{origin}/communes/{row[0]}/</loc></url>\n"

    return _cacheable(StreamingHttpResponse(_stream(home, sql, [], line), content_type=XML))
