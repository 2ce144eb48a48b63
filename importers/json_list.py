"""Partner JSON files that are a list of objects (an API's export, an open-data portal's
« JSON » download), read with the mapping format of CSV and GeoJSON
(``importers/mapping.py``): each object's keys are its fields, ``lon``/``lat`` its point.

``list_key`` in the mapping names the list when it is not the whole file (``data`` for
``{"data": [...]}``; a dotted path for deeper ones). A list is a table: its listings are
of the source kind ``csv`` (keys ``<id_prefix>:<id>``), so a partner moving from CSV to
JSON keeps its listings. A file of 16 MB or more is read object by object (ijson).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from geo_directory.businesses.models import Business

from . import reasons
from .errors import ImportReport, Rejection, SourceError
from .geojson import raw_json
from .json_stream import items_of
from .mapping import Mapper, load_mapping, text_of
from .pipeline import run_import


def list_records(items: Iterable, mapper: Mapper) -> Iterator:
    record = mapper.record
    for number, item in enumerate(items, start=1):
        raw = raw_json(item)
        if not isinstance(item, dict):
            yield Rejection(number, "item", reasons.NOT_A_JSON_OBJECT, raw)
            continue
        yield record(number, lambda name, item=item: text_of(item.get(name)), raw)


def import_json(path: Path, mapping: dict | Path, **options) -> ImportReport:
    """Import a JSON list of objects; options as ``pipeline.run_import``."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(reasons.file_not_found(path))
    if not isinstance(mapping, dict):
        mapping = load_mapping(mapping)
    mapper = Mapper(mapping)
    items, total = items_of(path, mapping.get("list_key"))
    return run_import(
        path,
        Business.Source.CSV,
        lambda: list_records(items(), mapper),
        names=mapper.field_names(),
        total=total,
        **options,
    )
