"""Opening hours in French words, for the pages and the API.

    describe_fr("Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00; Dec 24,Dec 31 off")
    -> "Du lundi au vendredi : 8 h – 12 h 30, 14 h – 19 h ; samedi : 8 h – 13 h ;
        fermé les 24 et 31 décembre"

Covers the common OpenStreetMap syntax of the real data (weekday ranges and lists, time
ranges, ``24/7``, ``off``/``closed``, ``PH``, month-day dates such as ``Dec 24``); anything
else is returned as the raw expression, never a wrong sentence.
"""

from __future__ import annotations

import datetime as dt
import re

from .hours import PARIS

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
DAY_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]

_TIME = r"(?:[01]?\d|2[0-4]):[0-5]\d"
_TIME_RANGE = re.compile(rf"^({_TIME})-({_TIME})$")
_DAY_ITEM = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_DATE_ITEM = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ?(\d{1,2})$")


class _Unsupported(ValueError):
    pass


def time_fr(value: str) -> str:
    """ "08:00" -> "8 h", "12:30" -> "12 h 30"."""
    hours, minutes = value.split(":")
    hours_i = int(hours)
    return f"{hours_i} h" if minutes == "00" else f"{hours_i} h {minutes}"


def _join_fr(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def _day_set(selector: str) -> list[int]:
    days: list[int] = []
    for item in (part.strip() for part in selector.split(",")):
        match = _DAY_ITEM.match(item)
        if not match:
            raise _Unsupported(item)
        start = DAYS.index(match.group(1))
        end = DAYS.index(match.group(2) or match.group(1))
        span = range(start, end + 1) if end >= start else [*range(start, 7), *range(0, end + 1)]
        for day in span:
            if day not in days:
                days.append(day)
    return sorted(days)


def day_runs(days) -> list[list[int]]:
    """Weekdays (0 = Monday) grouped into runs of consecutive days: [0,1,2,4] -> [[0,1,2],[4]].

    Three days or more in a row read as a range ("Mo-We", "du lundi au mercredi").
    """
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def days_fr(days: list[int]) -> str:
    """[0..4] -> "du lundi au vendredi"; [0, 2] -> "lundi et mercredi"."""
    if len(days) == 7:
        return "tous les jours"
    parts = []
    for run in day_runs(days):
        if len(run) >= 3:
            parts.append(f"du {DAY_FR[run[0]]} au {DAY_FR[run[-1]]}")
        else:
            parts.extend(DAY_FR[d] for d in run)
    return _join_fr(parts)


def _dates_fr(items: list[tuple[int, int]]) -> str:
    """[(12, 24), (12, 31)] -> "les 24 et 31 décembre"."""
    by_month: dict[int, list[int]] = {}
    for month, day in items:
        by_month.setdefault(month, []).append(day)
    parts = []
    for month, days in by_month.items():
        numbers = ["1er" if d == 1 else str(d) for d in days]
        parts.append(f"{_join_fr(numbers)} {MONTH_FR[month - 1]}")
    article = "le" if len(items) == 1 else "les"
    return f"{article} {_join_fr(parts)}"


def _times_fr(text: str) -> str:
    ranges = []
    for item in (part.strip() for part in text.split(",")):
        if item == "24/7" or item == "00:00-24:00":
            ranges.append("24 h/24")
            continue
        match = _TIME_RANGE.match(item)
        if not match:
            raise _Unsupported(item)
        ranges.append(f"{time_fr(match.group(1))} – {time_fr(match.group(2))}")
    return ", ".join(ranges)


def _split_rule(rule: str) -> tuple[str, str]:
    """ "Mo, Tu 10:00-21:00" -> ("Mo, Tu", "10:00-21:00"); "Dec 24,Dec 31 off" -> ..."""
    tokens = rule.split(" ")
    # The selector ends at the first token that is a time range, "off", "closed" or 24/7.
    for index, token in enumerate(tokens):
        stripped = token.strip(",")
        if (
            _TIME_RANGE.match(stripped.split(",")[0])
            or stripped in {"off", "closed", "open", "24/7"}
            or re.match(rf"^{_TIME}-", stripped)
        ):
            return " ".join(tokens[:index]).strip(), " ".join(tokens[index:]).strip()
    return rule, ""


def _rule_fr(rule: str) -> str:
    selector, rest = _split_rule(rule)
    if rule == "24/7":
        return "ouvert 24 h/24, 7 j/7"
    closed = rest in {"off", "closed"}
    if not closed and not rest:
        raise _Unsupported(rule)
    if selector == "PH":
        return "fermé les jours fériés" if closed else f"jours fériés : {_times_fr(rest)}"
    if selector and _DATE_ITEM.match(selector.split(",")[0].strip()):
        dates = []
        for item in (part.strip() for part in selector.split(",")):
            match = _DATE_ITEM.match(item)
            if not match:
                raise _Unsupported(item)
            dates.append((MONTHS.index(match.group(1)) + 1, int(match.group(2))))
        if closed:
            return f"fermé {_dates_fr(dates)}"
        return f"{_dates_fr(dates)} : {_times_fr(rest)}"
    days_text = days_fr(_day_set(selector)) if selector else "tous les jours"
    if closed:
        return f"{days_text} : fermé"
    if rest == "24/7":
        return f"{days_text} : 24 h/24"
    return f"{days_text} : {_times_fr(rest)}"


def _merge_same_times(rules: list[str]) -> list[str]:
    """ "Mo 06:30-19:30; Tu 06:30-19:30" -> ["Mo,Tu 06:30-19:30"] (successive rules only)."""
    merged: list[tuple[list[int] | None, str, str]] = []
    for rule in rules:
        selector, rest = _split_rule(rule)
        try:
            days = _day_set(selector) if selector else None
        except _Unsupported:
            days = None
        previous = merged[-1][0] if merged else None
        if days and previous and merged[-1][1] == rest and not set(days) & set(previous):
            previous.extend(days)
            continue
        merged.append((days, rest, rule))
    return [
        f"{','.join(DAYS[d] for d in sorted(days))} {rest}" if days else rule
        for days, rest, rule in merged
    ]


def _rules_fr(expression: str) -> list[str] | None:
    """One French phrase per rule, or None if the expression is beyond our subset."""
    try:
        rules = [rule.strip() for rule in expression.split(";") if rule.strip()]
        if any("||" in rule or '"' in rule or "[" in rule for rule in rules):
            raise _Unsupported(expression)
        return [_rule_fr(rule) for rule in _merge_same_times(rules)]
    except (_Unsupported, ValueError, IndexError):
        return None


def describe_fr(expression: str) -> str:
    """The expression in French words, or the raw expression if it is beyond our subset."""
    expression = (expression or "").strip()
    if not expression:
        return ""
    phrases = _rules_fr(expression)
    if phrases is None:
        return expression
    text = " ; ".join(phrases)
    return text[0].upper() + text[1:]


def describe_fr_lines(expression: str) -> list[str]:
    """The same, one line per rule (for a list on a page); [] for no hours."""
    expression = (expression or "").strip()
    if not expression:
        return []
    phrases = _rules_fr(expression)
    if phrases is None:
        return [expression]
    return [phrase[0].upper() + phrase[1:] for phrase in phrases]


# « Ouvert · jusqu'à 19 h » / « Fermé · ouvre demain à 8 h »: from the listing's computed
# hours (hours.py: ``hours_week``, the minutes of a regular week; ``hours_windows``, the
# exact intervals until ``hours_windows_until``), the data the « ouvert maintenant » SQL
# reads, so that the page and the filter never disagree.
STATUS_HORIZON_DAYS = 14


def range_pairs(ranges) -> list[tuple]:
    """(lower, upper) of a psycopg Multirange (read from the database) or of a list of
    tuples (computed in memory by ``Business.apply_hours``)."""
    return [
        (item.lower, item.upper) if hasattr(item, "lower") else tuple(item)
        for item in (ranges or [])
    ]


def open_intervals(week, windows, windows_until, now: dt.datetime) -> list[tuple]:
    """The open intervals (aware datetimes) from a week before ``now`` to
    STATUS_HORIZON_DAYS after, sorted and merged: the exact windows while they are valid,
    the regular week (in Paris local time) outside them."""
    valid_until = windows_until if windows_until and windows_until > now else None
    intervals = [(lo, hi) for lo, hi in range_pairs(windows)] if valid_until else []
    today = now.astimezone(PARIS).date()
    first_monday = today - dt.timedelta(days=today.weekday() + 7)
    last = max(now, valid_until or now) + dt.timedelta(days=STATUS_HORIZON_DAYS)
    weeks = (last.astimezone(PARIS).date() - first_monday).days // 7 + 1
    for n in range(weeks):
        monday = dt.datetime.combine(first_monday + dt.timedelta(weeks=n), dt.time())
        for lower, upper in range_pairs(week):
            start = (monday + dt.timedelta(minutes=lower)).replace(tzinfo=PARIS)
            end = (monday + dt.timedelta(minutes=upper)).replace(tzinfo=PARIS)
            if valid_until:
                if end <= valid_until:
                    continue
                start = max(start, valid_until)
            intervals.append((start, end))
    merged: list[list] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _day_fr(moment: dt.datetime, now: dt.datetime) -> str:
    """ "" today, "demain", "lundi" within the week, else "le 2 janvier"."""
    local = moment.astimezone(PARIS)
    days = (local.date() - now.astimezone(PARIS).date()).days
    if days == 0:
        return ""
    if days == 1:
        return "demain"
    if days < 7:
        return DAY_FR[local.weekday()]
    return f"le {'1er' if local.day == 1 else local.day} {MONTH_FR[local.month - 1]}"


def _clock_fr(moment: dt.datetime) -> str:
    local = moment.astimezone(PARIS)
    return time_fr(f"{local.hour:02d}:{local.minute:02d}")


def opening_status_fr(week, windows, windows_until, now: dt.datetime) -> str:
    """« Ouvert · jusqu'à 19 h », « Fermé · ouvre demain à 8 h », « Ouvert 24 h/24 »,
    « Fermé » (no opening within STATUS_HORIZON_DAYS); "" for a listing without hours
    (nothing is claimed). ``now`` is aware."""
    if not range_pairs(week) and not range_pairs(windows):
        return ""
    for start, end in open_intervals(week, windows, windows_until, now):
        if start <= now < end:
            if end - now > dt.timedelta(days=7):
                return "Ouvert 24 h/24"
            day = _day_fr(end, now)
            local_end = end.astimezone(PARIS)
            if day == "demain" and local_end.hour == 0 and local_end.minute == 0:
                return "Ouvert · jusqu'à minuit"
            return f"Ouvert · jusqu'à {day + ' ' if day else ''}{_clock_fr(end)}"
        if start > now:
            day = _day_fr(start, now)
            return f"Fermé · ouvre {day + ' ' if day else ''}à {_clock_fr(start)}"
    return "Fermé"
