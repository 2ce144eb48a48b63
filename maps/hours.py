"""OpenStreetMap ``opening_hours`` in French words, for people (not for computing).

``Mo-Fr 08:00-12:00,14:00-19:00; Sa 09:00-12:00`` becomes
``["du lundi au vendredi : 8 h – 12 h, 14 h – 19 h", "samedi : 9 h – 12 h"]``. Anything it
does not recognise is kept as written, so nothing is ever lost; the same rules are in
``static/maps/js/hours.js`` for the browser.
"""

import re

DAYS = {
    "Mo": "lundi",
    "Tu": "mardi",
    "We": "mercredi",
    "Th": "jeudi",
    "Fr": "vendredi",
    "Sa": "samedi",
    "Su": "dimanche",
    "PH": "jours fériés",
    "SH": "vacances scolaires",
}
_DAY_RANGE = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su)-(Mo|Tu|We|Th|Fr|Sa|Su)\b")
_DAY = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)\b")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")


def _time(match: re.Match) -> str:
    hours, minutes = int(match.group(1)), match.group(2)
    return f"{hours} h" if minutes == "00" else f"{hours} h {minutes}"


def _rule(rule: str) -> str:
    rule = rule.strip()
    if rule == "24/7":
        return "ouvert 24 h/24, 7 j/7"
    if rule[:1].isdigit():
        rule = "tous les jours " + rule
    text = _DAY_RANGE.sub(lambda m: f"du {DAYS[m.group(1)]} au {DAYS[m.group(2)]}", rule)
    text = _DAY.sub(lambda m: DAYS[m.group(1)], text)
    text = _TIME.sub(_time, text)
    text = re.sub(r"(\d h(?: \d{2})?)-(\d)", r"\1 – \2", text)
    text = re.sub(r"\b(off|closed)\b", "fermé", text)
    # "lundi,mardi 9 h – 12 h" → "lundi, mardi : 9 h – 12 h"
    text = re.sub(r",(?=\S)", ", ", text)
    text = re.sub(r"^((?:du |[a-zéè ,]+?)*?[a-zé]) (?=\d|fermé|ouvert)", r"\1 : ", text)
    return text


def hours_in_words(expression: str) -> list[str]:
    if not expression:
        return []
    return [_rule(rule) for rule in expression.split(";") if rule.strip()]
