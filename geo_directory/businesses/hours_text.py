"""Opening hours in French words, for the pages and the API.

    describe_fr("Mo-Fr 08:00-12:30,14:00-19:00; Sa 08:00-13:00; Dec 24,Dec 31 off")
    -> "Du lundi au vendredi : 8 h – 12 h 30, 14 h – 19 h ; samedi : 8 h – 13 h ;
        fermé les 24 et 31 décembre"

Covers the common OpenStreetMap syntax of the real data (weekday ranges and lists, time
ranges, ``24/7``, ``off``/``closed``, ``PH``, month-day dates such as ``Dec 24``); anything
else is returned as the raw expression, never a wrong sentence.
"""

from __future__ import annotations

import re

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
