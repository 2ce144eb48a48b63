"""What schemathesis needs to read our OpenAPI schema fully (``SCHEMATHESIS_HOOKS``).

- The named string formats of the API's parameters (``api/params.py``): values for a
  position, a viewport and a date in Paris time, drawn within the limits those families
  check (their constants, imported: nothing here restates a number).
- The operation's ``x-parameter-rules`` (OpenAPI 3.0 parameters cannot say that ``dist``
  needs ``point``): a case schemathesis generates as *valid* that breaks one of those rules
  is not valid, and is dropped. Invalid (negative) cases are kept: the server must refuse
  them, rules included.
"""

from __future__ import annotations

import datetime as dt
import os

import django
import schemathesis
from django.apps import apps
from hypothesis import strategies as st

if not apps.ready:  # loaded by ``schemathesis run``, outside the test process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings")
    django.setup()

from geo_directory.api.params import (  # noqa: E402
    BBOX_FORMAT,
    DATETIME_FORMAT,
    LONLAT_FORMAT,
    Viewport,
)
from geo_directory.territory.region import DOMAIN  # noqa: E402

MICRO = 1_000_000  # values are drawn in micro-degrees and written with 6 decimals


def _degrees(micro: int) -> str:
    return f"{micro / MICRO:.6f}"


def _span(low: float, high: float) -> tuple[int, int]:
    return round(low * MICRO), round(high * MICRO)


LON, LAT = _span(DOMAIN[0], DOMAIN[2]), _span(DOMAIN[1], DOMAIN[3])
MAX_SPAN = round(Viewport.MAX_SPAN_DEG * MICRO)

lonlat = st.builds(
    lambda lon, lat: f"{_degrees(lon)},{_degrees(lat)}",
    st.integers(*LON),
    st.integers(*LAT),
)


@st.composite
def _box(draw) -> str:
    x0 = draw(st.integers(LON[0], LON[1] - 1))
    y0 = draw(st.integers(LAT[0], LAT[1] - 1))
    x1 = draw(st.integers(x0 + 1, min(LON[1], x0 + MAX_SPAN)))
    y1 = draw(st.integers(y0 + 1, min(LAT[1], y0 + MAX_SPAN)))
    return ",".join(_degrees(v) for v in (x0, y0, x1, y1))


@st.composite
def _paris_datetime(draw) -> str:
    when = draw(st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2200, 12, 30)))
    text = when.strftime("%Y-%m-%dT%H:%M" + draw(st.sampled_from(["", ":%S"])))
    offset = draw(st.none() | st.integers(-12 * 60, 14 * 60))
    if offset is not None:
        sign = "+" if offset >= 0 else "-"
        text += f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return text


schemathesis.openapi.format(LONLAT_FORMAT, lonlat)
schemathesis.openapi.format(BBOX_FORMAT, _box())
schemathesis.openapi.format(DATETIME_FORMAT, _paris_datetime())


def _given(query: dict, name: str) -> list[str]:
    value = query.get(name)
    values = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values if v is not None]


def breaks_a_rule(rules: list[dict], query: dict) -> bool:
    for rule in rules:
        if "requires" in rule:
            needing, needed = rule["requires"]
            if any(_given(query, needing)) and not any(_given(query, needed)):
                return True
        if "excludes" in rule:
            first, second = rule["excludes"]
            when = rule.get("when", {})
            first_values = [v for v in _given(query, first) if v]
            if first in when:
                first_values = [v for v in first_values if v in when[first]]
            if first_values and any(_given(query, second)):
                return True
    return False


@schemathesis.hook
def filter_case(context, case) -> bool:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return True
    rules = case.operation.definition.raw.get("x-parameter-rules") or []
    return not breaks_a_rule(rules, case.query or {})
