"""Opening hours: the OpenStreetMap ``opening_hours`` syntax, evaluated in Europe/Paris.

Parsing and evaluation use ``opening-hours-py`` (the Rust opening-hours engine, full OSM
syntax, French public holidays). For SQL filtering at scale each listing also stores:

- ``hours_week``: the open minutes of a regular week (0 = Monday 00:00, local time), an
  ``int4multirange``, so "open at t" is ``hours_week @> minute_of_week(t)``;
- ``hours_windows`` (+ ``hours_windows_until``): the exact open intervals over the next
  ``WINDOW_DAYS`` days, stored only when they differ from the regular week (a closure on
  24 December, a public holiday, a seasonal rule). ``refresh_opening_hours`` rolls them
  forward every night.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import opening_hours

PARIS = ZoneInfo("Europe/Paris")
MINUTES_PER_WEEK = 7 * 24 * 60
WINDOW_DAYS = 28
# A week with no French public holiday and no DST change, used as "the regular week".
REFERENCE_MONDAY = dt.date(2026, 6, 8)


class InvalidHours(ValueError):
    pass


def parse(expression: str) -> opening_hours.OpeningHours:
    try:
        return opening_hours.OpeningHours(expression, timezone=PARIS, country="FR")
    except (opening_hours.ParserError, SyntaxError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntaxe invalide"
        raise InvalidHours(f"Horaires illisibles « {expression} » : {first_line}") from exc


def validate(expression: str) -> str:
    """The normalised expression, or InvalidHours."""
    expression = (expression or "").strip()
    if expression:
        parse(expression)
    return expression


def is_open(expression: str, when: dt.datetime) -> bool:
    """Is a place with these hours open at ``when`` (aware, or naive = Paris time)?"""
    if not expression:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=PARIS)
    return parse(expression).is_open(when.astimezone(PARIS).replace(tzinfo=None))


def minute_of_week(when: dt.datetime) -> int:
    local = when.astimezone(PARIS) if when.tzinfo else when
    return local.weekday() * 1440 + local.hour * 60 + local.minute


def _open_intervals(oh, start: dt.datetime, end: dt.datetime):
    for lower, upper, state, _comment in oh.intervals(start, end):
        if state == opening_hours.State.OPEN:
            yield lower.replace(tzinfo=None), (upper or end).replace(tzinfo=None)


def _week_ranges(oh, monday: dt.date) -> list[tuple[int, int]]:
    start = dt.datetime.combine(monday, dt.time())
    end = start + dt.timedelta(days=7)
    ranges = []
    for lower, upper in _open_intervals(oh, start, end):
        lo = int((max(lower, start) - start).total_seconds() // 60)
        hi = int((min(upper, end) - start).total_seconds() // 60)
        if hi > lo:
            ranges.append((lo, hi))
    return ranges


@dataclass(frozen=True)
class ComputedHours:
    week: list[tuple[int, int]] | None
    windows: list[tuple[dt.datetime, dt.datetime]] | None
    windows_until: dt.datetime | None


def compute(expression: str, today: dt.date | None = None) -> ComputedHours:
    """The SQL-side representation of ``expression`` (see the module docstring)."""
    if not expression:
        return ComputedHours(None, None, None)
    oh = parse(expression)
    week = _week_ranges(oh, REFERENCE_MONDAY)
    today = today or dt.datetime.now(PARIS).date()
    first_monday = today - dt.timedelta(days=today.weekday())
    start = dt.datetime.combine(first_monday, dt.time())
    until = start + dt.timedelta(days=WINDOW_DAYS)
    regular = all(
        _week_ranges(oh, first_monday + dt.timedelta(weeks=n)) == week
        for n in range(WINDOW_DAYS // 7)
    )
    if regular:
        return ComputedHours(week, None, None)
    windows = [
        (lower.replace(tzinfo=PARIS), upper.replace(tzinfo=PARIS))
        for lower, upper in _open_intervals(oh, start, until)
    ]
    return ComputedHours(week, windows, until.replace(tzinfo=PARIS))
