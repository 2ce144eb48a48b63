"""The merchant's opening-hours editor: per weekday ranges + exceptional closures.

    state = HoursState(days={0: [("08:00", "12:30"), ("14:00", "19:00")], ...},
                       closures=[(12, 24), (12, 31)])
    build(state) -> "Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00; Dec 24,Dec 31 off"
    parse(expression) -> HoursState, or None when the expression is beyond this subset

A range whose end is before its start runs past midnight ("Fr 18:00-02:00"), which the
OSM syntax allows. ``build`` output is always checked with businesses.hours.validate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from geo_directory.businesses import hours
from geo_directory.businesses.hours_text import DAYS, MONTHS, day_runs

TIME_RE = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_T = r"\d{1,2}(?:[:h]\d{2}|h)?"
RANGE_RE = re.compile(rf"^\s*({_T})\s*(?:-|–|à)\s*({_T})\s*$")
DATE_RE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$")

Range = tuple[str, str]


@dataclass
class HoursState:
    days: dict[int, list[Range]] = field(default_factory=dict)  # 0 = Monday
    closures: list[tuple[int, int]] = field(default_factory=list)  # (month, day)

    def normalised(self) -> HoursState:
        return HoursState(
            days={d: list(r) for d, r in sorted(self.days.items()) if r},
            closures=sorted(set(self.closures)),
        )


def normalise_time(value: str) -> str:
    """ "8:00", "8h", "8h30", "08:30", "8" -> "HH:MM"."""
    value = value.strip().lower()
    if value.endswith("h") or value.isdigit():
        value = value.rstrip("h") + ":00"
    value = value.replace("h", ":")
    match = TIME_RE.match(value)
    if not match:
        raise ValueError(f"Heure invalide : « {value} » (format HH:MM).")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_ranges(text: str) -> list[Range]:
    """ "8:00-12:30, 14h00-19h00" -> [("08:00", "12:30"), ("14:00", "19:00")]."""
    ranges = []
    for item in (part for part in re.split(r"[,;]", text or "") if part.strip()):
        match = RANGE_RE.match(item)
        if not match:
            raise ValueError(f"Plage horaire invalide : « {item.strip()} » (ex. 08:00-12:30).")
        start, end = normalise_time(match.group(1)), normalise_time(match.group(2))
        if start == end:
            raise ValueError(f"Plage horaire vide : « {item.strip()} ».")
        ranges.append((start, end))
    return ranges


def format_ranges(ranges: list[Range]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in ranges)


def parse_closures(text: str) -> list[tuple[int, int]]:
    """ "24/12, 31/12" -> [(12, 24), (12, 31)] (day/month, French order)."""
    closures = []
    for item in (part for part in re.split(r"[,;\s]+", text or "") if part.strip()):
        match = DATE_RE.match(item)
        if not match:
            raise ValueError(f"Date invalide : « {item} » (format JJ/MM, ex. 24/12).")
        day, month = int(match.group(1)), int(match.group(2))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            raise ValueError(f"Date invalide : « {item} ».")
        closures.append((month, day))
    return sorted(set(closures))


def format_closures(closures: list[tuple[int, int]]) -> str:
    return ", ".join(f"{day:02d}/{month:02d}" for month, day in closures)


def _day_selector(days: list[int]) -> str:
    """[0, 1, 2, 4] -> "Mo-We,Fr"; [0, 2] -> "Mo,We"."""
    parts = []
    for run in day_runs(days):
        if len(run) >= 3:
            parts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
        else:
            parts.extend(DAYS[d] for d in run)
    return ",".join(parts)


def build(state: HoursState) -> str:
    """The OSM opening_hours string for the editor's state ("" when nothing is set)."""
    state = state.normalised()
    rules = []
    # Weekdays with the same ranges share one rule (in the order of their first day).
    groups: dict[tuple[Range, ...], list[int]] = {}
    for day in range(7):
        ranges = state.days.get(day)
        if ranges:
            groups.setdefault(tuple(ranges), []).append(day)
    for ranges, days in groups.items():
        times = ",".join(f"{start}-{end}" for start, end in ranges)
        rules.append(f"{_day_selector(days)} {times}")
    if state.closures:
        if not rules:
            raise ValueError("Indiquez au moins une plage d'ouverture avant les fermetures.")
        dates = ",".join(f"{MONTHS[m - 1]} {d}" for m, d in state.closures)
        rules.append(f"{dates} off")
    expression = "; ".join(rules)
    return hours.validate(expression)


_RULE_RE = re.compile(r"^(?P<days>[A-Za-z, -]+?)\s+(?P<times>\d[\d:,\- ]*)$")
_CLOSURE_RE = re.compile(
    r"^(?P<dates>(?:[A-Z][a-z]{2} \d{1,2})(?:\s*,\s*[A-Z][a-z]{2} \d{1,2})*) off$"
)


def parse(expression: str) -> HoursState | None:
    """The editor's state for an expression of the subset ``build`` produces (plus the
    common variants of the real data: "Mo, Tu 09:00-19:00", a bare "06:00-22:00"), or
    None: the page then offers the raw field."""
    from geo_directory.businesses.hours_text import _day_set

    state = HoursState()
    expression = (expression or "").strip()
    if not expression:
        return state
    for rule in (r.strip() for r in expression.split(";") if r.strip()):
        closure = _CLOSURE_RE.match(rule)
        if closure:
            for item in closure.group("dates").split(","):
                month, day = item.split()
                if month not in MONTHS:
                    return None
                state.closures.append((MONTHS.index(month) + 1, int(day)))
            continue
        if re.match(r"^\d", rule):
            days, times = list(range(7)), rule
        else:
            match = _RULE_RE.match(rule)
            if not match:
                return None
            try:
                days = _day_set(match.group("days"))
            except ValueError:
                return None
            times = match.group("times")
        try:
            ranges = parse_ranges(times)
        except ValueError:
            return None
        for day in days:
            state.days[day] = ranges  # later rules override earlier ones, as in OSM
    return state.normalised()
