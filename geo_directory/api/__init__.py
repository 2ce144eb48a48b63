"""The public read-only REST API under /api/v1/ (schema /api/v1/schema/, docs /api/v1/docs/).

- ``businesses/``: GeoJSON FeatureCollection of published listings, filters ``point``
  (+ ``dist``, metres), ``in_bbox``, ``commune``, ``departement``, ``category``, ``q``,
  ``open_now``, ``open_at``, ``service``; ``page``/``page_size``; ``count`` is exact up
  to 1,000 rows, an estimate above (``count_exact: false``). Order (``queries.ORDERS``):
  nearest first with ``point``, relevance with ``q`` (at most 1,001 matches ranked),
  (commune, id) with ``commune``/``departement``, from the viewport's centre with
  ``in_bbox``, else id.
- ``businesses/{id}/``, ``communes/?q=``, ``communes/{insee}/``,
  ``communes/{insee}/businesses/``, ``categories/``, ``clusters/?zoom=&in_bbox=``.
- Bad parameters: HTTP 400 ``{"errors": {"<param>": "<reason>"}}``.

Modules: ``params`` (each parameter family: parses, filters, documents itself),
``queries`` (the one implementation of the listing SQL), ``views`` (GeoJSON from rows +
orjson), ``clusters`` (grid clustering, live or pre-aggregated), ``reference`` (taxonomy
and communes cached in memory), ``schema`` (OpenAPI responses; parameters from ``params``).
"""
