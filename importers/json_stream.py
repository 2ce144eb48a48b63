"""The features of a big GeoJSON file, read one by one (ijson), in flat memory.

``json.load`` of a 200 MB FeatureCollection holds about 1.5 GB of Python objects before
the first feature is checked (issue #18). From ``STREAM_FROM`` bytes the features are
parsed by ijson's C backend while the pipeline stages them: memory stays that of one
batch. Smaller files keep ``errors.feature_collection`` (the whole file parsed first,
with its precise messages: line and column of a syntax error).

A streamed file's top-level ``type`` is read first (usually the first key: an
instant), so a file that is no FeatureCollection is refused before anything is written;
a syntax error further on raises SourceError during the import, whose single
transaction then leaves the listings as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import ijson

from . import reasons
from .errors import SourceError, feature_collection, read_json

STREAM_FROM = 16 << 20  # bytes


def features_of(path: Path) -> tuple[Callable[[], Iterator], int | None]:
    """(a function giving the features, their number if known), or SourceError."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(reasons.unreadable_file(path, exc)) from exc
    if size < STREAM_FROM:
        features = feature_collection(path)
        return (lambda: iter(features)), len(features)
    kind = _top_level_type(path)
    if kind == "Feature":  # one feature, however big: read whole
        features = feature_collection(path)
        return (lambda: iter(features)), len(features)
    if kind != "FeatureCollection":
        raise SourceError(f"{path} : {reasons.NOT_A_FEATURE_COLLECTION}")
    return (lambda: _features(path)), None


def _top_level_type(path: Path):
    with path.open("rb") as handle:
        try:
            return next(ijson.items(handle, "type", use_float=True), None)
        except ijson.JSONError as exc:
            raise SourceError(reasons.invalid_json(path)) from exc


def _features(path: Path) -> Iterator:
    found = False
    with path.open("rb") as handle:
        try:
            for feature in ijson.items(handle, "features.item", use_float=True):
                found = True
                yield feature
        except ijson.JSONError as exc:
            raise SourceError(reasons.invalid_json(path)) from exc
        except UnicodeDecodeError as exc:
            raise SourceError(reasons.not_text(path, "UTF-8")) from exc
    if not found:
        _check_features_list(path)


def _check_features_list(path: Path) -> None:
    """No feature read: an empty list is fine, no list at all is not a FeatureCollection."""
    with path.open("rb") as handle:
        for prefix, event, _ in ijson.parse(handle):
            if prefix == "features" and event == "start_array":
                return
    raise SourceError(f"{path} : {reasons.NO_FEATURES_LIST}")


def items_of(path: Path, list_key: str | None = None) -> tuple[Callable[[], Iterator], int | None]:
    """The objects of a JSON list (the whole file, or the list under ``list_key``, a dotted
    path such as ``data.items``): (a function giving them, their number if known), or
    SourceError. Streamed from STREAM_FROM bytes, like features."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(reasons.unreadable_file(path, exc)) from exc
    where = f"« {list_key} »" if list_key else "le fichier"
    if size < STREAM_FROM:
        data = read_json(path)
        for key in (list_key or "").split(".") if list_key else []:
            data = data.get(key) if isinstance(data, dict) else None
        if not isinstance(data, list):
            raise SourceError(f"{path} : {where} n’est pas une liste JSON d’objets")
        return (lambda: iter(data)), len(data)
    prefix = f"{list_key}.item" if list_key else "item"

    def items() -> Iterator:
        with path.open("rb") as handle:
            try:
                yield from ijson.items(handle, prefix, use_float=True)
            except ijson.JSONError as exc:
                raise SourceError(reasons.invalid_json(path)) from exc
            except UnicodeDecodeError as exc:
                raise SourceError(reasons.not_text(path, "UTF-8")) from exc

    return items, None
