"""The items of the OGC collection: filtered, counted and paged by id (keyset).

Pages are ``id > after ORDER BY id LIMIT n`` (or ``id < before`` backwards): each page
reads from where the previous one stopped, never an OFFSET that grows with the page
number. How the rows are found depends on how many match:

- no bbox, or a bbox matching many listings: the primary key's order, filtered (each
  page walks the ids from its cursor until it has ``n`` matches; a whole paging reads
  the id range once);
- a bbox matching at most ``SORT_AT_MOST`` listings: the GiST index of ``location_l93``
  (``BusinessQuerySet.in_bbox``) finds them all and PostgreSQL keeps the ``n`` smallest
  ids after the cursor (a top-N sort). The planner alone may walk the primary key there,
  hoping to meet the box's listings early; when ids follow the import order (commune
  after commune), it reads most of the table first: Nice's 51,817 listings of the 1M
  bench database, 10 a page, took 364 ms a page that way, 221 ms through the GiST
  (2 cores at load 11); a box of a quarter of the region, 234,028 listings, 44 ms
  walking the ids.

``numberMatched`` is an exact count; on a big directory it is kept ``COUNT_TTL`` seconds
per filter (counting a million listings costs a scan, and a client paging through them
would pay it on every page).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import F

from geo_directory.api import clusters
from geo_directory.businesses.models import Business

from .params import Box

SORT_AT_MOST = 100_000
COUNT_TTL = 60


def filtered(boxes: list[Box] | None, interval) -> object:
    """Published listings in any of ``boxes`` (None: anywhere) and updated within
    ``interval`` (start, end), a queryset of the project's own methods."""
    listings = Business.objects.published()
    if boxes is not None:
        if not boxes:
            return listings.none()
        first, *others = boxes
        in_boxes = listings.in_bbox(first.min_lon, first.min_lat, first.max_lon, first.max_lat)
        for box in others:
            in_boxes = in_boxes | listings.in_bbox(
                box.min_lon, box.min_lat, box.max_lon, box.max_lat
            )
        listings = in_boxes
    if interval is not None:
        start, end = interval
        if start is not None:
            listings = listings.filter(updated_at__gte=start)
        if end is not None:
            listings = listings.filter(updated_at__lte=end)
    return listings


def count(listings, boxes: list[Box] | None, interval) -> int:
    """Exact number of listings matching; cached a while on a big directory."""
    if clusters.listings_estimate() < clusters.PRECOMPUTED_MIN_ROWS:
        return listings.count()
    boxes_key = "all" if boxes is None else ";".join(box.key() for box in boxes)
    interval_key = "" if interval is None else "/".join(_iso(moment) for moment in interval)
    key = f"opendata:count:{boxes_key}:{interval_key}"
    return cache.get_or_set(key, listings.count, COUNT_TTL)


def _iso(moment: dt.datetime | None) -> str:
    return ".." if moment is None else moment.isoformat()


def page_ids(
    listings, matched: int, boxes, limit: int, after: int | None, before: int | None
) -> tuple[list[int], bool]:
    """The ids of one page, ascending, and whether there are more beyond it (after the
    last when reading forwards, before the first when reading backwards)."""
    through_gist = boxes is not None and matched <= SORT_AT_MOST
    if through_gist:
        # ``id + 0`` is not the primary key: the planner cannot walk its index.
        listings = listings.annotate(sort_id=F("id") + 0)
        key = "sort_id"
    else:
        key = "id"
    if before is not None:
        rows = listings.filter(id__lt=before).order_by(f"-{key}")
    else:
        if after is not None:
            listings = listings.filter(id__gt=after)
        rows = listings.order_by(key)
    ids = list(rows.values_list("id", flat=True)[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    if before is not None:
        ids.reverse()
    return ids, more
