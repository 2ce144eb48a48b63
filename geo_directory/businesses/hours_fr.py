"""French opening-hours text -> OpenStreetMap ``opening_hours``, only when sure.

    translate("Du lundi au samedi de 12h à 14h15, de 19h30 à 22h. Fermé le dimanche.")
    -> Translation(value="Mo-Sa 12:00-14:15,19:30-22:00; Su off", reason=None, note=None)
    translate("Sur rendez-vous")
    -> Translation(value=None, reason="« sur rendez-vous » : pas d'horaires fixes", note=None)

For the phrasings of tourist offices (Apidae exports), chambers of commerce and shop windows.
No library on PyPI does this (the text parsers there read English or emit their own JSON), so
it is a small grammar: the text is folded (case, accents, apostrophes, dashes), cut into tokens
(`_lex`, multi-word phrases folded into one token), and `_Parser` reads sentences of groups
"days + hours", closures (« fermé … »), exceptions (« sauf … ») and periods (« d'avril à
septembre »). The result is a model (a week per period, holiday and date closures) that
`_Parser.emit` writes as OSM rules in an order where OSM's "a later rule overrides" reading
gives the same meaning. Every value is checked by the project's validator before it is returned.

It never guesses: an unknown word, a season without dates, a day described twice in ways that
could add up or replace each other, « sur rendez-vous », school holidays, Easter, ... give
``value=None`` and a French ``reason`` for the import report. Conventions (the first one is
also stated in ``Translation.note`` when used):
- « midi » / « soir » given as a service without hours = 12:00-14:00 / 19:00-22:00;
- days not mentioned are closed (OSM's default); « en semaine » = Monday to Friday;
- a later, narrower set of days overrides an earlier one whose hours overlap (« tous les jours
  10h-20h, le dimanche 10h-13h »); the same days given twice with separate hours add up, and
  so do hours named « le soir … » / « le midi … » on days that had no such service;
- a season heading (« D'avril à septembre : … ») describes that season's whole week and holds
  for the next sentences until another heading; a period ending a sentence (« le dimanche de
  9h à 12h en juillet ») only changes the days that sentence names.

About 880 lines, above the project's usual 500: it is one grammar whose lexicon (about 120
lines of French words and phrases), parser and OSM writer share the token kinds and the
parser's state; split, no part would read without the others.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from geo_directory.businesses import hours
from geo_directory.businesses.hours_text import DAY_FR, DAYS, MONTHS, day_runs

MAX_LENGTH = 2000
MIDI, SOIR = (12 * 60, 14 * 60), (19 * 60, 22 * 60)
MEAL_NOTE = "Convention appliquée : « midi » = 12 h – 14 h, « soir » = 19 h – 22 h."
# The interval of a day that « midi », « soir », ... name (start, end in minutes).
_PART_OF_DAY = {
    "midi": lambda a, b: 660 <= a <= 780 and b <= 960,
    "soir": lambda a, b: a >= 1020,
    "matin": lambda a, b: a < 720 and b <= 840,
    "après-midi": lambda a, b: 720 <= a < 1020 and b > 900,
}
_PART_NAMES = {"MIDI": "midi", "SOIR": "soir", "MATIN": "matin", "APREM": "après-midi"}


@dataclass(frozen=True)
class Translation:
    value: str | None
    reason: str | None = None  # French: why there is no value
    note: str | None = None  # French: a convention the value relies on


class _Refusal(Exception):
    pass


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: object = None
    text: str = ""


# --- Lexicon (folded: lower case, no accents) ----------------------------------------------
# fmt: off
_WORD_KINDS = {
    "SKIP": "le la les l' tous toutes chaque uniquement seulement exceptionnel exceptionnels "
            "exceptionnelle exceptionnelles exceptionnellement annuel annuels annuelle annuelles "
            "hebdomadaire service services pendant ouverture ouvertures horaires horaire inclus "
            "incluse compris",
    "OPEN": "ouvert ouverte ouverts ouvertes", "ADD": "egalement aussi",
    "FROM": "du de d' des", "BETWEEN": "entre", "TO": "au a aux jusqu'", "AND": "et puis",
    "IN": "en", "EXCEPT": "sauf hors excepte", "VAGUE": "conges conge vacances",
    "CLOSED": "ferme fermee fermes fermees fermeture fermetures",
    "MIDI": "midi midis", "SOIR": "soir soirs soiree soirees", "MATIN": "matin matins matinee",
    "APREM": "apres-midi", "MINUIT": "minuit", "PH": "feries ferie jf",
    "CONT": "non-stop nonstop continu continue", "WEEKEND": "week-end week-ends weekend weekends",
    "SEASON": "saison saisons ete hiver estivale hivernale printemps automne haute periode",
}
_PHRASE_KINDS = {
    "ALLDAYS": "tous les jours|toute la semaine|chaque jour|sept jours sur sept|tlj",
    "WEEKDAYS": "en semaine", "WEEKEND": "fin de semaine|week end",
    "PH": "jours feries|jour ferie", "ALLYEAR": "toute l' annee|toute annee|a l' annee",
    "REST": "le reste de l' annee|reste de l' annee|le reste du temps|hors saison|basse saison",
    "AND": "y compris|ainsi que", "CONT": "non stop|en continu|sans interruption|journee continue",
    "APREM": "apres midi", "TO": "jusqu' a|jusqu' au",
    "EXCEPT": "a l' exception du|a l' exception des|a l' exception de",
    "CLOSED": "jour de repos|jour de fermeture|jours de fermeture",
    "SKIP": "d' ouverture|jours d' ouverture|jour d' ouverture|nous sommes",
}
_REFUSALS = {
    "sur rendez-vous|rendez-vous|rdv|sur rdv": "« sur rendez-vous » : pas d'horaires fixes",
    "sur reservation": "« sur réservation » : pas d'horaires fixes",
    "sur demande": "« sur demande » : pas d'horaires fixes",
    "vacances scolaires": "les vacances scolaires dépendent de la zone",
    "paques": "Pâques : date variable, à saisir à la main",
    "pentecote": "la Pentecôte : date variable, à saisir à la main",
    "toussaint": "la Toussaint : période variable, à saisir à la main",
    "a partir de|a partir du": "« à partir de » : la fin n'est pas indiquée",
    "definitivement": "établissement fermé définitivement",
    "travaux": "fermeture pour travaux : dates non traduites",
    "nous consulter": "horaires « à nous consulter » : rien de fixe",
    "selon": "horaires variables (« selon … »)",
    "variable|variables": "horaires variables",
    "environ|vers": "horaire approximatif",
    "ou": "« ou » : horaire au choix, non traduisible",
}
_DAY_WORDS = ["lundi lun", "mardi mar", "mercredi mer", "jeudi jeu", "vendredi ven vend",
              "samedi sam", "dimanche dim"]
_MONTH_WORDS = ["janvier janv jan", "fevrier fevr fev", "mars", "avril avr", "mai", "juin",
                "juillet juil", "aout", "septembre sept sep", "octobre oct", "novembre nov",
                "decembre dec"]
_ABBREVIATIONS = frozenset(
    w for w in " ".join(_DAY_WORDS + _MONTH_WORDS).split() if len(w) <= 4
) - {"mars", "mai", "juin", "aout"}
_PATTERNS = [(kind, re.compile(rx)) for kind, rx in [
    ("WS", r"[ \t\r\f\v()\[\]]+"),
    ("H24", r"(?:24\s*h?\s*/\s*24|24\s*h\s*24|24\s*h(?:eures)?\s*sur\s*24|h\s*24)(?:\s*h\b)?"),
    ("ALLDAYS", r"7\s*j(?:ours|rs)?\s*(?:/|sur)\s*7|7\s*/\s*7"),
    ("TIME", r"(\d{1,2})\s*(?:h|heures?)\s*(\d{2})?(?![a-z\d])"),
    ("TIME", r"(\d{1,2}):(\d{2})(?!\d)"),
    ("DATE", r"(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}))?(?![\d/])"),
    ("BAD", r"\d+(?:[.,/]\d+)+"),
    ("NUM", r"(\d{1,4})(?:\s*(?:er|re|eme|e)(?![a-z]))?(?!\d)"),
    ("WORD", r"[a-z]+(?:-[a-z]+)*'?"),
    ("SEP", r"[.;!\n•*|]"), ("COMMA", ","), ("DASH", r"-+|>"), ("SLASH", "/"), ("COLON", ":"),
    ("AND", r"[&+]"),
]]
# fmt: on
_ANY_PATTERN = re.compile(
    "|".join(f"(?P<p{n}>{rx.pattern})" for n, (_, rx) in enumerate(_PATTERNS))
)
_WORDS: dict[str, tuple[str, object]] = {"premier": ("NUM", 1)}
for _kind, _words in _WORD_KINDS.items():
    _WORDS |= {w: (_kind, w) for w in _words.split()}
for _n, _words in enumerate(_DAY_WORDS):
    _WORDS |= {w: ("DAY", _n) for w in [*_words.split(), _words.split()[0] + "s"]}
for _n, _words in enumerate(_MONTH_WORDS, start=1):
    _WORDS |= {w: ("MONTH", _n) for w in _words.split()}
_PHRASES: dict[tuple[str, ...], tuple] = {
    ("tous", "les", "soirs"): (("ALLDAYS", None), ("SOIR", None)),
    ("tous", "les", "midis"): (("ALLDAYS", None), ("MIDI", None)),
    ("noel",): (("DATES", ((12, 25),)),),
    ("jour", "de", "l'", "an"): (("DATES", ((1, 1),)),),
    ("nouvel", "an"): (("DATES", ((1, 1),)),),
}
for _kind, _phrases in _PHRASE_KINDS.items():
    _PHRASES |= {tuple(p.split()): ((_kind, None),) for p in _phrases.split("|")}
for _phrases, _reason in _REFUSALS.items():
    _PHRASES |= {tuple(p.split()): (("REFUSE", _reason),) for p in _phrases.split("|")}
_MAX_PHRASE = max(len(p) for p in _PHRASES)
_PHRASE_STARTS = {p[0] for p in _PHRASES}
_HYPHENATED = {w for w in [*_WORDS, *(w for p in _PHRASES for w in p)] if "-" in w}
_FOLD = {"’": "'", "‘": "'", "`": "'", "´": "'", "œ": "oe"} | dict.fromkeys("‐‑‒–—−", "-")
_FOLD |= dict.fromkeys('«»“”"\u00a0\u202f', " ")


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if (folded := _FOLD.get(char)) is None:
        folded = unicodedata.normalize("NFKD", char.lower())
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded


def _fold(text: str) -> tuple[str, list[int]]:
    """Lower case without accents, and for each folded character its index in ``text``."""
    out, origin = [], []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


def _lex(text: str) -> list[_Tok]:
    folded, origin = _fold(text)
    raw, pos = [], 0
    while pos < len(folded):
        if not (first := _ANY_PATTERN.match(folded, pos)):
            raise _Refusal(f"caractère inattendu « {text[origin[pos]]} »")
        kind, rx = _PATTERNS[int(first.lastgroup[1:])]
        m = rx.match(folded, pos)  # again, for the pattern's own groups
        original, pos, word = text[origin[pos] : origin[m.end() - 1] + 1], m.end(), m.group()
        if kind == "BAD":
            raise _Refusal(f"« {original} » : nombre ou date illisible")
        if kind == "TIME":
            raw.append(_Tok(kind, (int(m.group(1)), int(m.group(2) or 0)), original))
        elif kind == "DATE":
            year = int(m.group(3)) if m.group(3) else None
            raw.append(_Tok(kind, (year, int(m.group(2)), int(m.group(1))), original))
        elif kind == "NUM":
            raw.append(_Tok(kind, int(m.group(1)), original))
        elif kind == "WORD" and "-" in word and word not in _HYPHENATED:
            for n, part in enumerate(word.split("-")):  # « lun-ven »
                raw += [_Tok("DASH", None, "-")] * (n > 0) + [_Tok("WORD", part, part)]
        elif kind == "WORD":
            raw.append(_Tok(kind, word, original))
            if word in _ABBREVIATIONS and folded.startswith(".", pos):
                pos += 1  # « lun. » is an abbreviation, not the end of a sentence
        elif kind != "WS":
            raw.append(_Tok(kind, None, original))
    return _fold_phrases(raw)


def _fold_phrases(raw: list[_Tok]) -> list[_Tok]:
    out, i = [], 0
    while i < len(raw):
        longest = min(_MAX_PHRASE, len(raw) - i) if raw[i].value in _PHRASE_STARTS else 0
        for size in range(longest, 0, -1):
            words = tuple(t.value if t.kind == "WORD" else None for t in raw[i : i + size])
            if words in _PHRASES:
                text = " ".join(t.text for t in raw[i : i + size])
                found = [_Tok(kind, value, text) for kind, value in _PHRASES[words]]
                break
        else:
            size, tok = 1, raw[i]
            if tok.kind == "WORD" and tok.value not in _WORDS:
                raise _Refusal(f"mot non compris : « {tok.text} »")
            found = [_Tok(*_WORDS[tok.value], tok.text) if tok.kind == "WORD" else tok]
        if found[0].kind == "REFUSE":
            raise _Refusal(found[0].value)
        out += [t for t in found if t.kind != "SKIP"]
        i += size
    return out


# --- Model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Days:
    days: frozenset[int]
    ph: bool = False
    items: int = 1  # « lundi et mardi » is two items, « du lundi au vendredi » one


@dataclass
class _Group:
    days: _Days | None = None
    times: tuple[tuple[int, int], ...] | None = None
    kind: str = "set"  # or "add" (« également »)
    part: str | None = None  # hours named « le soir … », « midi »
    times_first: bool = False


@dataclass
class _Block:
    week: list = field(default_factory=lambda: [None] * 7)  # per day: None | ((start, end), …)
    set_by: list = field(default_factory=lambda: [None] * 7)  # the day set that gave them
    ph: tuple | None = None
    closures: list = field(default_factory=list)  # (_Days, part of day | None)
    whole_week: bool = False  # described under a season heading


def _ordinal(month: int, day: int) -> int:
    return sum(calendar.monthrange(2024, m)[1] for m in range(1, month)) + day


def _period_days(period) -> set[int]:
    """Days of a leap year that a period covers, for overlap checks."""
    covered = set()
    for (_, m1, d1), (_, m2, d2) in period:
        a, b = _ordinal(m1, d1 or 1), _ordinal(m2, d2 or calendar.monthrange(2024, m2)[1])
        covered |= set(range(a, b + 1)) if b >= a else {*range(a, 367), *range(1, b + 1)}
    return covered


def _checked(first, last) -> tuple:
    """One range; a whole month at one end only becomes its first or last day; a year at the
    end only is given to the start too (« du 1er avril au 31 octobre 2025 »)."""
    (y1, m1, d1), (y2, m2, d2) = first, last
    if (d1 is None) != (d2 is None):
        d1, d2 = d1 or 1, d2 or calendar.monthrange(2024, m2)[1]
    if y1 is None and y2 is not None and (m1, d1 or 0) <= (m2, d2 or 0):
        y1 = y2
    if (y1 is None) != (y2 is None) or (y1 is not None and (y2, m2, d2) < (y1, m1, d1)):
        raise _Refusal("période aux années incohérentes")
    return (((y1, m1, d1), (y2, m2, d2)),)


def _joined_months(months: list) -> tuple:
    """[Jul-Jul, Aug-Aug] -> [Jul-Aug]: « en juillet et août »."""
    out: list = []
    for a, b in months:
        if out and out[-1][1][1] % 12 + 1 == a[1]:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return tuple(out)


def _fmt_period(period) -> str:
    def point(y, m, d):
        return (f"{y} " if y else "") + MONTHS[m - 1] + (f" {d:02d}" if d else "")

    return ",".join(point(*a) if a == b else f"{point(*a)}-{point(*b)}" for a, b in period)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _fmt_times(ints) -> str:
    return ",".join(f"{_hhmm(a)}-{_hhmm(b if b <= 1440 else b - 1440)}" for a, b in ints) or "off"


def _fmt_days(days) -> str:
    if len(days) == 7:
        return "Mo-Su"
    runs = day_runs(days)
    return ",".join(
        f"{DAYS[r[0]]}-{DAYS[r[-1]]}" if len(r) >= 3 else ",".join(DAYS[d] for d in r) for r in runs
    )


def _overlap(a, b) -> bool:
    return any(x0 < y1 and y0 < x1 for x0, x1 in a for y0, y1 in b)


def _merged(a, b) -> tuple:
    ranges = sorted({*a, *b})
    if any(x[1] > y[0] for x, y in zip(ranges, ranges[1:], strict=False)):
        raise _Refusal("des plages horaires se chevauchent")
    return tuple(ranges)


def _other_part(old, group: _Group) -> bool:
    """« du lundi au vendredi de 12h à 14h, le vendredi soir de 19h à 23h »: hours named as a
    part of the day that the day's hours so far do not cover add up to them."""
    is_part = _PART_OF_DAY.get(group.part)
    return (
        bool(is_part)
        and all(is_part(a, b) for a, b in group.times)
        and not any(is_part(a, b) for a, b in old)
    )


def _split_after_midnight(week: list) -> list:
    """Move the after-midnight part of a day to the next day when that day has other hours:
    OSM drops a day's hours past midnight when another rule selects the next day."""
    week = [None if w is None else list(w) for w in week]
    for _ in range(8):
        moved = False
        for d in range(7):
            nxt, late = (d + 1) % 7, [b for _, b in week[d] or () if b > 1440]
            if late and week[nxt] is not None and week[nxt] != week[d]:
                week[d] = [(a, min(b, 1440)) for a, b in week[d]]
                week[nxt] = list(_merged(week[nxt], [(0, b - 1440) for b in late]))
                moved = True
        if not moved:
            return week
    raise _Refusal("horaires après minuit trop imbriqués")


# --- Parser ----------------------------------------------------------------------------------

_END = _Tok("END")
_ALL_YEAR = ("base", "rest")


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks, self.i = toks, 0
        self.blocks: dict[tuple | None, _Block] = {}  # by season (None: all year)
        self.header = None  # the season heading in force
        self.pending: _Group | None = None  # days or hours that end a sentence, for the next
        self.dangling = False  # a heading not yet followed by hours
        self.notes: set[str] = set()
        self.ph_off, self.inherited_closures, self.closed_rest = False, False, False
        self.closed_dates: set[tuple[int, int]] = set()
        self.closed_periods: list[tuple] = []
        self.part, self.parts = None, set()  # the part of day of the hours just read

    def peek(self, ahead: int = 0) -> _Tok:
        return self.toks[self.i + ahead] if self.i + ahead < len(self.toks) else _END

    def take(self, *kinds: str) -> _Tok | None:
        if (tok := self.peek()).kind in kinds:
            self.i += 1
            return tok
        return None

    def fail(self, what: str):
        tok = self.peek()
        raise _Refusal(what + (f" près de « {tok.text} »" if tok.text else ""))

    def ahead(self, read) -> bool:
        start = self.i
        found = read() is not None
        self.i = start
        return found

    def parse(self) -> None:
        while self.peek() is not _END:
            if not self.take("SEP"):
                self.sentence()
        if self.pending is not None:
            missing = "les horaires" if self.pending.times is None else "les jours"
            raise _Refusal(f"{missing} ne sont pas précisés")
        if self.dangling:
            raise _Refusal("période annoncée sans horaires")

    def sentence(self) -> None:
        seasonal_words = False
        while tok := self.take("DASH", "COLON", "COMMA", "SEASON", "OPEN"):  # bullets, « Été : »
            seasonal_words |= tok.kind == "SEASON"
        if (header := self.period()) is not None:
            self.header = None if header in _ALL_YEAR else header
        cur, self.pending = self.pending, None
        groups, closures, trailing, add, closed_mode = [], [], None, False, False
        while (kind := self.peek().kind) not in ("SEP", "END"):
            if kind in ("COLON", "COMMA", "SLASH", "AND", "CONT", "SEASON", "OPEN", "ADD"):
                self.i += 1
                seasonal_words |= kind == "SEASON"
                add |= kind == "ADD"
                closed_mode &= kind != "OPEN"
            elif (
                kind in ("CLOSED", "VAGUE")
                and header not in (None, *_ALL_YEAR)
                and not groups
                and (cur is None and self.peek(1).kind in ("SEP", "END"))
            ):
                self.i += 1
                self.closed_periods.append(header)  # « Janvier : fermé »
                self.header = None
                return
            elif kind in ("CLOSED", "VAGUE") and cur and cur.days and cur.times is None:
                self.i += 1
                closures.append((cur.days, None))  # « lundi : fermé »
                cur = None
            elif kind in ("CLOSED", "VAGUE"):
                closures += self.closure()
                closed_mode = True  # « fermé dimanche lundi midi » must not open Monday
            elif kind == "EXCEPT":
                self.i += 1
                if cur and cur.days and cur.times:
                    groups.append(cur)
                    cur = None
                if not groups and cur is None:
                    self.fail("« sauf » sans horaires auxquels s'appliquer")
                self.exception(closures)
            elif (period := self.period()) is not None:
                if trailing is not None or header is not None:
                    raise _Refusal("deux périodes dans une même phrase")
                trailing = period
            elif (days := self.days(own_hours=bool(cur and cur.times_first))) is not None:
                if closed_mode:
                    self.fail("après « fermé », ces jours sont-ils ouverts ?")
                if (
                    days.ph
                    and not days.days
                    and cur
                    and cur.days
                    and cur.times
                    and (self.peek().kind in ("SEP", "END"))
                ):
                    cur.days = _Days(cur.days.days, True)  # « …, jours fériés compris »
                elif cur and cur.days is None:
                    cur.days = days  # hours first: « de 10h à 19h du lundi au samedi »
                else:
                    self.finish(cur, groups, at_end=False)
                    cur = _Group(days, kind="add" if add else "set")
            elif (times := self.times()) is not None:
                if cur and cur.days and cur.times is None:
                    cur.times, cur.part = times, self.part
                elif (cur is None and not groups and not closures) or (cur and cur.times_first):
                    self.finish(cur, groups, at_end=False)  # « le midi du …, le soir du … »
                    cur = _Group(times=times, part=self.part, times_first=True)
                else:
                    self.fail("horaires sans jours")
            else:
                self.fail("expression non comprise")
        self.finish(cur, groups, at_end=True)
        self.file(groups, closures, header, trailing, seasonal_words)

    def finish(self, group: _Group | None, groups: list, at_end: bool) -> None:
        if group is None:
            return
        if group.days is not None and group.times is not None:
            groups.append(group)
        elif not at_end:
            self.fail("jours et horaires impossibles à associer")
        else:
            self.pending = group  # « Ouvert du mardi au dimanche. De 10h à 18h. »

    def file(self, groups: list, closures: list, header, trailing, seasonal_words: bool) -> None:
        """Put a sentence's groups and closures in the block of their season."""
        if seasonal_words and header in (None, *_ALL_YEAR) and trailing in (None, *_ALL_YEAR):
            raise _Refusal("saison sans dates précises")
        if trailing is not None and len(groups) + len(closures) > 1:
            raise _Refusal("période en fin de phrase : s'applique-t-elle à tout ce qui précède ?")
        seasonal = trailing if trailing not in _ALL_YEAR else None
        if trailing is not None and self.header is not None and seasonal != self.header:
            raise _Refusal("période contradictoire avec l'en-tête de saison")
        key = seasonal or self.header
        block = self.blocks.setdefault(key, _Block())
        block.whole_week |= bool(groups) and trailing is None
        for group in groups:
            self.apply(block, group)
        block.closures += closures
        if closures and not groups and trailing is None and header is None and key is not None:
            self.inherited_closures = True
        if header is not None or groups or closures or self.pending:
            self.dangling = header is not None and not groups and not closures

    def days(self, single: bool = False, own_hours: bool = False) -> _Days | None:
        """Days such as « du lundi au vendredi, samedi et jours fériés »; with own_hours (hours
        read first) a day followed by hours of its own starts the next group."""
        if (days := self.day_item()) is None:
            return None
        while not single:
            start = self.i
            if not self.take("AND", "COMMA"):
                break  # « lundi vendredi »: a list or a range? Neither without a comma.
            while self.take("AND", "COMMA"):
                pass
            more = self.day_item()
            if (
                more is None
                or own_hours
                and (self.ahead(self.time_range) or self.peek().kind in _PART_NAMES)
            ):
                self.i = start
                break
            days = _Days(days.days | more.days, days.ph or more.ph, days.items + more.items)
        if self.peek().kind == "EXCEPT":  # « tous les jours sauf le lundi, de 10h à 19h »
            start = self.i
            self.i += 1
            removed = self.days()
            if removed is None or self.peek().kind in _PART_NAMES:
                self.i = start
            else:
                self.ph_off |= removed.ph
                days = _Days(days.days - removed.days, days.ph, days.items)
                if not days.days and not days.ph:
                    raise _Refusal("aucun jour ne reste après « sauf »")
        return days

    def day_item(self) -> _Days | None:
        simple = {"ALLDAYS": range(7), "WEEKDAYS": range(5), "WEEKEND": (5, 6), "PH": ()}
        if tok := self.take(*simple):
            return _Days(frozenset(simple[tok.kind]), ph=tok.kind == "PH")
        start = self.i
        self.take("FROM")
        if (first := self.take("DAY")) is None:
            self.i = start
            return None
        mark = self.i
        if self.take("TO", "DASH") and (last := self.take("DAY")):
            a, b = first.value, last.value
            if a == b:
                raise _Refusal(f"plage de jours vide : « {first.text} – {last.text} »")
            return _Days(frozenset(range(a, b + 1) if b > a else [*range(a, 7), *range(b + 1)]))
        self.i = mark
        return _Days(frozenset({first.value}))

    def time_point(self, end: bool) -> int | None:
        tok = self.peek()
        if tok.kind == "TIME":
            h, m = tok.value
            if h > 24 or m > 59 or (h == 24 and (m or not end)):
                raise _Refusal(f"heure impossible : « {tok.text} »")
            value = h * 60 + m
        elif tok.kind == "NUM" and tok.value <= 24 and self.peek(1).kind not in ("MONTH", "DAY"):
            value = tok.value * 60  # « de 9 à 18h »
        elif tok.kind in ("MIDI", "MINUIT"):
            value = 720 if tok.kind == "MIDI" else 1440 * end
        else:
            return None
        self.i += 1
        return value

    def time_range(self) -> tuple[int, int] | None:
        start = self.i
        if not (between := self.take("BETWEEN")):
            self.take("FROM")
        first = self.peek()
        a = self.time_point(end=False)
        link = self.take("TO", "DASH", "SLASH") or (between and self.take("AND"))
        last = self.peek()
        b = self.time_point(end=True) if link and a is not None else None
        kinds = {first.kind, last.kind}
        if b is None or kinds == {"NUM"} or ("NUM" in kinds and link.kind == "SLASH"):
            self.i = start
            return None
        if b <= a:
            if b > 6 * 60 or a < 12 * 60:
                raise _Refusal(f"fin avant le début : « {first.text} – {last.text} »")
            b += 1440  # « de 19h à 2h »
        return (a % 1440, b)

    def times(self) -> tuple[tuple[int, int], ...] | None:
        ranges: list[tuple[int, int]] = []
        self.parts = set()
        while True:
            start = self.i
            if ranges:
                self.take("AND", "COMMA", "SLASH", "DASH")
            if (got := self.time_item()) is None:
                self.i = start
                break
            ranges.append(got)
        while self.take("CONT"):
            pass
        self.part = self.parts.pop() if len(self.parts) == 1 else None
        return _merged(ranges, ()) if ranges else None

    def time_item(self) -> tuple[int, int] | None:
        if self.take("H24"):
            self.parts.add(None)
            return (0, 1440)
        start = self.i
        if (r := self.time_range()) is not None:
            self.parts.add(None)
            return r
        if (part := self.take(*_PART_NAMES)) is None:
            return None
        name = _PART_NAMES[part.kind]
        self.parts.add(name)
        self.take("COLON")
        if (r := self.time_range()) is not None:  # « le matin de 9h à 12h »
            if not _PART_OF_DAY[name](r[0], r[1] % 1440 or 1440):
                raise _Refusal(f"« {part.text} » ne correspond pas à {_fmt_times([r])}")
            return r
        if self.peek().kind in ("TIME", "NUM"):
            self.i = start
            return None
        if name not in ("midi", "soir"):
            raise _Refusal(f"« {part.text} » sans heures précises")
        self.notes.add(MEAL_NOTE)
        return MIDI if name == "midi" else SOIR

    def date(self, year_allowed: bool = True):
        """(year | None, month, day) from « 25 décembre », « 25/12 », « 25/12/2025 »."""
        tok = self.peek()
        if tok.kind == "DATE":
            self.i += 1
            y, m, d = tok.value
        elif tok.kind == "NUM" and self.peek(1).kind == "MONTH":
            self.i += 2
            y, m, d = None, self.peek(-1).value, tok.value
            if self.peek().kind == "NUM" and self.peek().value >= 1900:
                y = self.take("NUM").value
        else:
            return None
        if not 1 <= m <= 12 or not 1 <= d <= calendar.monthrange(y or 2024, m)[1]:
            raise _Refusal(f"date impossible : « {tok.text} »")
        if y is not None and not (year_allowed and 2000 <= y <= 2100):
            raise _Refusal(f"année non traduite : « {tok.text} »")
        return (y, m, d)

    def period(self):
        """A season as ((year, month, day), (year, month, day)) ranges (day None: whole
        months); "base" for « toute l'année », "rest" for « le reste de l'année »; None."""
        if tok := self.take("ALLYEAR", "REST"):
            return "base" if tok.kind == "ALLYEAR" else "rest"
        start = self.i
        if self.take("FROM"):
            if self.peek().kind == "NUM" and self.peek(1).kind == "TO":  # « du 1er au 15 août »
                day = self.take("NUM")
                self.i += 1
                if (last := self.date()) is not None:
                    return _checked(self.date_of(last[0], last[1], day.value), last)
            elif (first := self.date() or self.month()) is not None:
                if not self.take("TO", "DASH"):
                    self.fail("fin de période manquante")
                return _checked(first, self.date() or self.month() or self.fail("fin illisible"))
        elif self.take("IN") or self.peek().kind == "MONTH":
            months = []
            while (month := self.month()) is not None:
                last = (
                    self.month() or self.fail("mois manquant") if self.take("TO", "DASH") else month
                )
                months.append((month, last))
                mark = self.i
                self.take("AND", "COMMA")
                self.take("IN")
                if self.peek().kind != "MONTH":
                    self.i = mark
                    break
            if months:
                return _joined_months(months)
        self.i = start
        return None

    def month(self):
        return None if (tok := self.take("MONTH")) is None else (None, tok.value, None)

    def date_of(self, year, month: int, day: int):
        if not 1 <= day <= calendar.monthrange(year or 2024, month)[1]:
            raise _Refusal(f"date impossible : {day} {MONTHS[month - 1]}")
        return (year, month, day)

    def dates(self) -> set[tuple[int, int]] | None:
        """Dates of closures: « les 1er janvier et 25 décembre », « les 24 et 31 décembre »."""
        found: set[tuple[int, int]] = set()
        waiting: list[int] = []  # days before their month
        while True:
            tok = self.peek()
            if tok.kind == "DATES":
                self.i += 1
                found |= set(tok.value)
            elif (d := self.date(year_allowed=False)) is not None:
                found |= {self.date_of(None, d[1], day)[1:] for day in [d[2], *waiting]}
                waiting = []
            elif tok.kind == "NUM" and self.peek(1).kind in ("AND", "COMMA"):
                self.i += 1
                waiting.append(tok.value)
            else:
                break
            mark = self.i
            if not self.take("AND", "COMMA") or self.peek().kind not in ("NUM", "DATE", "DATES"):
                self.i = mark
                break
        if waiting:
            self.fail("date sans mois")
        return found or None

    def closure(self) -> list:
        vague = self.take("CLOSED", "VAGUE").kind == "VAGUE"
        self.take("COLON")
        items, whole_days = [], False
        while True:
            self.take("TO")  # « fermé à Noël »
            if (days := self.days(single=True)) is not None:
                part = self.take(*_PART_NAMES)
                if part and whole_days:
                    raise _Refusal("fermeture ambiguë : à quels jours s'applique « midi/soir » ?")
                whole_days |= part is None
                self.ph_off |= days.ph
                items.append((days, part and _PART_NAMES[part.kind]))
            elif (dates := self.dates()) is not None:
                self.closed_dates |= dates
            elif (period := self.period()) in _ALL_YEAR:
                if period == "base":
                    raise _Refusal("établissement fermé toute l'année")
                self.closed_rest = True  # « fermé le reste de l'année »: OSM's default
            elif period is not None:
                if vague and any(a[2] is None for a, _ in period):
                    raise _Refusal("congés annuels sans dates précises")
                self.closed_periods.append(period)
            elif not items and not self.closed_dates and not self.closed_periods:
                self.fail("fermeture sans jour ni date")
            else:
                break
            mark = self.i
            if not self.take("AND", "COMMA") or self.peek().kind not in (
                "DAY", "PH", "ALLDAYS", "WEEKEND", "WEEKDAYS", "NUM", "DATE", "DATES", "IN",
                "MONTH", "FROM", "TO",
            ):  # fmt: skip
                self.i = mark
                break
        if self.ahead(self.time_range):
            raise _Refusal("fermeture à des heures précises non traduite")
        return items

    def exception(self, closures: list) -> None:
        """After « sauf »: closed days (or part of them), dates or periods."""
        if (days := self.days()) is not None:
            part = self.take(*_PART_NAMES)
            if self.ahead(self.times):  # « sauf le dimanche de 9h à 13h »: instead, or closed?
                raise _Refusal("« sauf … de … à … » : autres horaires ou fermeture ? ambigu")
            if part and days.items > 1:
                raise _Refusal("fermeture ambiguë : à quels jours s'applique « midi/soir » ?")
            if days.ph and part:
                self.fail("fermeture partielle des jours fériés")
            self.ph_off |= days.ph
            closures.append((days, part and _PART_NAMES[part.kind]))
        elif (dates := self.dates()) is not None:
            self.closed_dates |= dates
        elif (period := self.period()) not in (None, *_ALL_YEAR):
            self.closed_periods.append(period)
        else:
            self.fail("« sauf » sans jour ni date")

    def apply(self, block: _Block, group: _Group) -> None:
        new, by_new = group.times, group.days.days
        for d in sorted(by_new):
            old, by = block.week[d], block.set_by[d]
            if old is None or (_overlap(old, new) and by_new < by):
                block.week[d], block.set_by[d] = new, by_new
            elif (
                old != new
                and not _overlap(old, new)
                and (group.kind == "add" or by == by_new or _other_part(old, group))
            ):
                block.week[d] = _merged(old, new)
            elif old != new:
                raise _Refusal(
                    f"le {DAY_FR[d]} reçoit deux horaires : s'ajoutent-ils ou se remplacent-ils ?"
                )
        if group.days.ph:
            if block.ph not in (None, new):
                raise _Refusal("les jours fériés reçoivent deux horaires différents")
            block.ph = new

    def close(self, block: _Block) -> None:
        for days, part in block.closures:
            for d in sorted(days.days):
                old = block.week[d] or ()
                hits = [
                    iv for iv in old if part and _PART_OF_DAY[part](iv[0], iv[1] % 1440 or 1440)
                ]
                if part and len(hits) != 1:
                    raise _Refusal(f"« fermé le {DAY_FR[d]} {part} » : service impossible à situer")
                block.week[d] = tuple(iv for iv in old if iv != hits[0]) if part else ()

    def emit(self) -> str:
        if self.inherited_closures and len(self.blocks) > 1:
            raise _Refusal("une fermeture suit plusieurs saisons : à laquelle s'applique-t-elle ?")
        for block in self.blocks.values():
            self.close(block)
        spans = {k: _period_days(k) for k in self.blocks if k is not None}
        seasons = sorted(spans, key=lambda k: -len(spans[k]))  # wider first: narrower override
        for n, big in enumerate(seasons):
            if any(spans[big] & spans[s] and not spans[s] <= spans[big] for s in seasons[n + 1 :]):
                raise _Refusal("des saisons se chevauchent en partie")
        # OSM cuts a night at midnight when the next day falls under another rule: a season,
        # a holiday or a closed date would end the night before it at midnight.
        dated = len(self.blocks) > 1 or self.ph_off or self.closed_dates or self.closed_periods
        if (dated or any(b.ph for b in self.blocks.values())) and any(
            b > 1440 for block in self.blocks.values() for w in block.week for _, b in w or ()
        ):
            raise _Refusal("horaires après minuit avec saisons, fériés ou dates : non traduits")
        base = self.blocks.get(None)
        rules, opened = [], False
        for key in [None] * (base is not None) + seasons:
            block, prefix = self.blocks[key], (_fmt_period(key) + " " if key else "")
            week = _split_after_midnight(block.week)
            if key is not None and block.whole_week:
                before = [base] * (base is not None) + [
                    self.blocks[k] for k in seasons[: seasons.index(key)] if spans[k] & spans[key]
                ]
                week = [
                    () if w is None and any(b.week[d] for b in before) else w
                    for d, w in enumerate(week)
                ]
            opened = opened or any(week) or bool(block.ph)
            by_hours: dict[tuple, list[int]] = {}
            for d in range(7):
                if week[d] is not None:
                    by_hours.setdefault(tuple(week[d]), []).append(d)
            for ints, days in sorted(by_hours.items(), key=lambda item: (not item[0], item[1])):
                rules.append(f"{prefix}{_fmt_days(days)} {_fmt_times(ints)}")
            if block.ph is not None and by_hours.get(block.ph) != list(range(7)):
                rules.append(f"{prefix}PH {_fmt_times(block.ph)}")
        if not opened:
            raise _Refusal("aucun horaire d'ouverture, seulement des fermetures")
        if self.closed_rest and (not seasons or (base is not None and any(base.week))):
            raise _Refusal("« fermé le reste de l'année » contredit les horaires donnés")
        if self.ph_off:
            if any(b.ph for b in self.blocks.values()):
                raise _Refusal("jours fériés à la fois ouverts et fermés")
            rules.append("PH off")
        if self.closed_dates:
            dates = sorted(self.closed_dates)
            rules.append(",".join(f"{MONTHS[m - 1]} {d:02d}" for m, d in dates) + " off")
        rules += [f"{_fmt_period(p)} off" for p in self.closed_periods]
        return "; ".join(["24/7" if rules[0] == "Mo-Su 00:00-24:00" else rules[0], *rules[1:]])


def translate(text: str | None) -> Translation:
    """The OSM value of a French hours text, or None and a French reason. Empty text: no
    value and no reason (nothing to warn about)."""
    text = (text or "").strip()
    if not text:
        return Translation(None)
    if len(text) > MAX_LENGTH:
        return Translation(None, f"texte trop long ({len(text)} caractères)")
    try:
        parser = _Parser(_lex(text))
        parser.parse()
        value = hours.validate(parser.emit())
    except _Refusal as refusal:
        return Translation(None, str(refusal))
    except Exception as exc:  # an import must not stop on a bug of ours: report it instead
        return Translation(None, f"erreur interne du traducteur ({type(exc).__name__})")
    return Translation(value, None, " ".join(sorted(parser.notes)) or None)
