"""French opening-hours text -> OpenStreetMap ``opening_hours``, only when sure.

    translate("Du lundi au samedi de 12h à 14h15, de 19h30 à 22h. Fermé le dimanche.")
    -> Translation(value="Mo-Sa 12:00-14:15,19:30-22:00; Su off", reason=None, note=None)
    translate("Sur rendez-vous")
    -> Translation(value=None, reason="« sur rendez-vous » : pas d'horaires fixes", note=None)

For the phrasings of tourist offices (Apidae exports), chambers of commerce and shop windows.
No library on PyPI does this (the text parsers there read English or emit their own JSON), so
it is a small grammar: the text is folded (case, accents, apostrophes, dashes), cut into tokens
(`_lex`, then `_fold_phrases` for multi-word phrases), and `_Parser` reads sentences of groups
"days + times", closures (« fermé … »), exceptions (« sauf … ») and periods (« d'avril à
septembre »). The result is a model (a week per period, holiday and date closures) that
`_Parser.emit` writes as OSM rules in an order where OSM's "a later rule overrides" reading
gives the same meaning. Every value is checked by the project's validator before it is returned.

It never guesses: an unknown word, a season without dates, a day described twice in ways that
could add up or replace each other, « sur rendez-vous », school holidays, Easter, ... give
``value=None`` and a French ``reason`` for the import report. Conventions, stated here and in
``Translation.note`` when used:
- « midi » / « soir » given as a service without hours = 12:00-14:00 / 19:00-22:00;
- days not mentioned are closed (OSM's default); « en semaine » = Monday to Friday;
- a later, narrower set of days overrides an earlier one whose hours overlap (« tous les jours
  10h-20h, le dimanche 10h-13h »); the same days given twice with separate hours add up;
- a season heading (« D'avril à septembre : … ») describes that season's whole week.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field

from geo_directory.businesses import hours
from geo_directory.businesses.hours_text import DAY_FR, DAYS, MONTHS, day_runs

MAX_LENGTH = 2000
MIDI, SOIR = (12 * 60, 14 * 60), (19 * 60, 22 * 60)
MEAL_NOTE = "Convention appliquée : « midi » = 12 h – 14 h, « soir » = 19 h – 22 h."
# Which interval of a day a "fermé le lundi midi" removes (start, end in minutes).
_PART_OF_DAY = {
    "midi": lambda a, b: 660 <= a <= 780 and b <= 960,
    "soir": lambda a, b: a >= 1020,
    "matin": lambda a, b: a < 720 and b <= 840,
    "apres-midi": lambda a, b: 720 <= a < 1020 and b > 900,
}


@dataclass(frozen=True)
class Translation:
    value: str | None
    reason: str | None = None  # French, why there is no value
    note: str | None = None  # French, a convention the value relies on


class _Refusal(Exception):
    pass


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: object = None
    text: str = ""


# --- Lexicon (folded: lower case, no accents) ---------------------------------------------

_DAY_NAMES = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]
_MONTH_NAMES = [
    "janvier janv jan", "fevrier fevr fev", "mars", "avril avr", "mai", "juin",
    "juillet juil", "aout", "septembre sept sep", "octobre oct", "novembre nov",
    "decembre dec",
]  # fmt: skip
_WORDS: dict[str, tuple[str, object]] = {}
for _n, _full in enumerate(DAY_FR):
    for _w in (_full, _full + "s", _DAY_NAMES[_n]):
        _WORDS[_w] = ("DAY", _n)
for _n, _names in enumerate(_MONTH_NAMES, start=1):
    for _w in _names.split():
        _WORDS[_w] = ("MONTH", _n)
_WORDS["vend"] = ("DAY", 4)
_ABBREVIATIONS = set(
    "lun mar mer jeu ven vend sam dim janv jan fevr fev avr juil sept sep oct nov dec".split()
)
for _kind, _words in {
    "SKIP": "le la les l' tous toutes chaque uniquement seulement exceptionnelle exceptionnelles "
    "exceptionnel exceptionnels exceptionnellement annuelle annuelles annuel annuels "
    "hebdomadaire service services pendant ouvert ouverte ouverts ouvertes ouverture ouvertures "
    "horaires horaire jours jour inclus incluse compris",
    "ADD": "egalement aussi",
    "FROM": "du de d' des",
    "BETWEEN": "entre",
    "TO": "au a aux jusqu' jusqu'a jusqu'au",
    "AND": "et puis",
    "IN": "en",
    "EXCEPT": "sauf hors excepte",
    "CLOSED": "ferme fermee fermes fermees fermeture fermetures",
    "VAGUE": "conges conge vacances",
    "MIDI": "midi midis",
    "SOIR": "soir soirs soiree soirees",
    "MATIN": "matin matins matinee",
    "APREM": "apres-midi",
    "MINUIT": "minuit",
    "PH": "feries ferie jf",
    "CONT": "non-stop nonstop continu continue",
    "WEEKEND": "week-end week-ends weekend weekends",
    "SEASON": "saison saisons ete hiver estivale hivernale printemps automne haute periode",
}.items():
    for _w in _words.split():
        _WORDS[_w] = (_kind, _w)
_WORDS["premier"] = ("NUM", 1)
_WORDS["noel"] = ("DATES", ((12, 25),))

_PHRASES: dict[tuple[str, ...], tuple] = {
    tuple(p.split()): v
    for p, v in {
        "tous les jours": ("ALLDAYS", None),
        "toute la semaine": ("ALLDAYS", None),
        "chaque jour": ("ALLDAYS", None),
        "sept jours sur sept": ("ALLDAYS", None),
        "en semaine": ("WEEKDAYS", None),
        "fin de semaine": ("WEEKEND", None),
        "week end": ("WEEKEND", None),
        "jours feries": ("PH", None),
        "jour ferie": ("PH", None),
        "toute l' annee": ("ALLYEAR", None),
        "toute annee": ("ALLYEAR", None),
        "a l' annee": ("ALLYEAR", None),
        "le reste de l' annee": ("REST", None),
        "reste de l' annee": ("REST", None),
        "le reste du temps": ("REST", None),
        "hors saison": ("REST", None),
        "basse saison": ("REST", None),
        "y compris": ("AND", None),
        "ainsi que": ("AND", None),
        "tlj": ("ALLDAYS", None),
        "tous les soirs": ("ALLDAYS", None, "SOIR"),
        "tous les midis": ("ALLDAYS", None, "MIDI"),
        "non stop": ("CONT", None),
        "en continu": ("CONT", None),
        "sans interruption": ("CONT", None),
        "journee continue": ("CONT", None),
        "apres midi": ("APREM", None),
        "jusqu' a": ("TO", None),
        "jusqu' au": ("TO", None),
        "a l' exception du": ("EXCEPT", None),
        "a l' exception des": ("EXCEPT", None),
        "a l' exception de": ("EXCEPT", None),
        "jour de repos": ("CLOSED", None),
        "jour de fermeture": ("CLOSED", None),
        "jours de fermeture": ("CLOSED", None),
        "d' ouverture": ("SKIP", None),
        "nous sommes": ("SKIP", None),
        "jour de l' an": ("DATES", ((1, 1),)),
        "nouvel an": ("DATES", ((1, 1),)),
        "sur rendez-vous": ("REFUSE", "« sur rendez-vous » : pas d'horaires fixes"),
        "rendez-vous": ("REFUSE", "« sur rendez-vous » : pas d'horaires fixes"),
        "rdv": ("REFUSE", "« sur rendez-vous » : pas d'horaires fixes"),
        "sur rdv": ("REFUSE", "« sur rendez-vous » : pas d'horaires fixes"),
        "sur reservation": ("REFUSE", "« sur réservation » : pas d'horaires fixes"),
        "sur demande": ("REFUSE", "« sur demande » : pas d'horaires fixes"),
        "vacances scolaires": ("REFUSE", "les vacances scolaires dépendent de la zone"),
        "paques": ("REFUSE", "Pâques : date variable, à saisir à la main"),
        "toussaint": ("REFUSE", "la Toussaint : période variable, à saisir à la main"),
        "pentecote": ("REFUSE", "la Pentecôte : date variable, à saisir à la main"),
        "a partir de": ("REFUSE", "« à partir de » : la fin n'est pas indiquée"),
        "a partir du": ("REFUSE", "« à partir du » : la fin n'est pas indiquée"),
        "definitivement": ("REFUSE", "établissement fermé définitivement"),
        "travaux": ("REFUSE", "fermeture pour travaux : dates non traduites"),
        "nous consulter": ("REFUSE", "horaires « à nous consulter » : rien de fixe"),
        "selon": ("REFUSE", "horaires variables (« selon … »)"),
        "variable": ("REFUSE", "horaires variables"),
        "variables": ("REFUSE", "horaires variables"),
        "environ": ("REFUSE", "horaire approximatif"),
        "vers": ("REFUSE", "horaire approximatif"),
        "ou": ("REFUSE", "« ou » : horaire au choix, non traduisible"),
    }.items()
}
_MAX_PHRASE = max(len(p) for p in _PHRASES)
_HYPHENATED = {w for w in [*_WORDS, *(w for p in _PHRASES for w in p)] if "-" in w}

_PATTERNS = [
    (kind, re.compile(rx))
    for kind, rx in [
        ("WS", r"[ \t\r\f\v]+"),
        ("H24", r"(?:24\s*h?\s*/\s*24|24\s*h\s*24|24\s*h(?:eures)?\s*sur\s*24|h\s*24)(?:\s*h\b)?"),
        ("ALLDAYS", r"7\s*j(?:ours|rs)?\s*(?:/|sur)\s*7|7\s*/\s*7"),
        ("TIME", r"(\d{1,2})\s*(?:h|heures?)\s*(\d{2})?(?![a-z\d])"),
        ("TIME", r"(\d{1,2}):(\d{2})(?!\d)"),
        ("DATE", r"(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}))?(?![\d/])"),
        ("BAD", r"\d+(?:[.,/]\d+)+"),
        ("NUM", r"(\d{1,4})(?:\s*(?:er|re|eme|e)(?![a-z]))?(?!\d)"),
        ("WORD", r"[a-z]+(?:-[a-z]+)*'?"),
        ("SEP", r"[.;!\n•*|]"),
        ("COMMA", r","),
        ("DASH", r"-+|>"),
        ("SLASH", r"/"),
        ("COLON", r":"),
        ("AND", r"[&+]"),
        ("WS", r"[()\[\]]"),
    ]
]
_FOLD = {"’": "'", "‘": "'", "`": "'", "´": "'", "œ": "oe"} | dict.fromkeys("‐‑‒–—−", "-")
_FOLD |= {c: " " for c in '«»“”"\u00a0\u202f'}


def _fold(text: str) -> tuple[str, list[int]]:
    """Lower case without accents, and for each folded character its index in ``text``."""
    out, origin = [], []
    for index, char in enumerate(text):
        folded = _FOLD.get(char)
        if folded is None:
            folded = "".join(
                c
                for c in unicodedata.normalize("NFKD", char.lower())
                if not unicodedata.combining(c)
            )
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


def _lex(text: str) -> list[_Tok]:
    folded, origin = _fold(text)
    toks, pos = [], 0
    while pos < len(folded):
        for kind, rx in _PATTERNS:
            m = rx.match(folded, pos)
            if m:
                break
        else:
            raise _Refusal(f"caractère inattendu « {text[origin[pos]]} »")
        original = text[origin[pos] : origin[m.end() - 1] + 1]
        pos = m.end()
        if kind == "BAD":
            raise _Refusal(f"« {original} » : nombre ou date illisible")
        if kind == "TIME":
            toks.append(_Tok(kind, (int(m.group(1)), int(m.group(2) or 0)), original))
        elif kind == "DATE":
            year = int(m.group(3)) if m.group(3) else None
            toks.append(_Tok(kind, (year, int(m.group(2)), int(m.group(1))), original))
        elif kind == "NUM":
            toks.append(_Tok(kind, int(m.group(1)), original))
        elif kind == "WORD" and "-" in m.group() and m.group() not in _HYPHENATED:
            for n, word in enumerate(m.group().split("-")):  # « lun-ven »
                toks += [_Tok("DASH", None, "-")] * (n > 0) + [_Tok("WORD", word, word)]
        elif kind == "WORD":
            toks.append(_Tok(kind, m.group(), original))
            if m.group() in _ABBREVIATIONS and folded.startswith(".", pos):
                pos += 1  # "lun." is an abbreviation, not the end of a sentence
        elif kind != "WS":
            toks.append(_Tok(kind, None, original))
    return _fold_phrases(toks)


def _fold_phrases(toks: list[_Tok]) -> list[_Tok]:
    out, i = [], 0
    while i < len(toks):
        for size in range(min(_MAX_PHRASE, len(toks) - i), 0, -1):
            words = tuple(t.value for t in toks[i : i + size])
            if all(t.kind == "WORD" for t in toks[i : i + size]) and words in _PHRASES:
                kind, value = _PHRASES[words][:2]
                text = " ".join(t.text for t in toks[i : i + size])
                break
        else:
            size, tok = 1, toks[i]
            kind, value, text = tok.kind, tok.value, tok.text
            if kind == "WORD":
                if tok.value not in _WORDS:
                    raise _Refusal(f"mot non compris : « {tok.text} »")
                kind, value = _WORDS[tok.value]
        if kind == "REFUSE":
            raise _Refusal(value)
        if kind != "SKIP":
            out.append(_Tok(kind, value, text))
        if size > 1 and len(_PHRASES[words]) == 3:  # « tous les soirs » = every day + evening
            out.append(_Tok(_PHRASES[words][2], None, text))
        i += size
    return out


# --- Model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Days:
    days: frozenset[int]
    ph: bool = False


@dataclass
class _Group:
    days: _Days | None = None
    times: tuple[tuple[int, int], ...] | None = None
    kind: str = "set"  # "add" (« également »), "override" (« sauf le dimanche de … »)
    part: str | None = None  # hours given as « le soir … » / « midi »
    times_first: bool = False


@dataclass
class _Block:
    week: list = field(default_factory=lambda: [None] * 7)  # per day: None | [(start, end)]
    set_by: list = field(default_factory=lambda: [None] * 7)  # the day set that gave it
    ph: tuple | None = None
    closures: list = field(default_factory=list)  # (_Days, part of day | None)
    has_groups: bool = False


def _period_days(period) -> set[int]:
    """Days of a leap year (ordinals) that a period covers, for overlap checks."""
    covered = set()
    for (_, m1, d1), (_, m2, d2) in period:
        start = _ordinal(m1, d1 or 1)
        end = _ordinal(m2, d2 or calendar.monthrange(2024, m2)[1])
        covered |= (
            set(range(start, end + 1)) if end >= start else {*range(start, 367), *range(1, end + 1)}
        )
    return covered


def _ordinal(month: int, day: int) -> int:
    return sum(calendar.monthrange(2024, m)[1] for m in range(1, month)) + day


def _fmt_period(period) -> str:
    def point(y, m, d):
        text = MONTHS[m - 1] + (f" {d:02d}" if d else "")
        return f"{y} {text}" if y else text

    return ",".join(point(*a) if a == b else f"{point(*a)}-{point(*b)}" for a, b in period)


def _fmt_times(ints) -> str:
    if not ints:
        return "off"
    return ",".join(f"{_hhmm(a)}-{_hhmm(b if b <= 1440 else b - 1440)}" for a, b in ints)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _fmt_days(days) -> str:
    if len(days) == 7:
        return "Mo-Su"
    parts = []
    for run in day_runs(days):
        parts += [f"{DAYS[run[0]]}-{DAYS[run[-1]]}"] if len(run) >= 3 else [DAYS[d] for d in run]
    return ",".join(parts)


def _overlap(a, b) -> bool:
    return any(x0 < y1 and y0 < x1 for x0, x1 in a for y0, y1 in b)


def _merged(a, b) -> tuple:
    ranges = sorted({*a, *b})
    if any(x[1] > y[0] for x, y in zip(ranges, ranges[1:], strict=False)):
        raise _Refusal("des plages horaires se chevauchent")
    return tuple(ranges)


def _other_part(old, group: _Group) -> bool:
    """« du lundi au vendredi de 12h à 14h, le vendredi soir de 19h à 23h »: hours named as
    a part of the day that the day's hours so far do not cover add up to them."""
    if group.part is None:
        return False
    is_part = _PART_OF_DAY[group.part]
    return all(is_part(a, b) for a, b in group.times) and not any(is_part(a, b) for a, b in old)


def _split_after_midnight(week: list) -> list:
    """Move the after-midnight part of a day to the next day when that day has other hours:
    OSM drops a day's spill past midnight when another rule selects the next day."""
    week = [None if w is None else list(w) for w in week]
    for _ in range(7):
        moved = False
        for d in range(7):
            nxt = (d + 1) % 7
            late = [(a, b) for a, b in week[d] or () if b > 1440]
            if late and week[nxt] is not None and week[nxt] != week[d]:
                week[d] = [(a, min(b, 1440)) for a, b in week[d]]
                week[nxt] = list(_merged(week[nxt] or (), [(0, b - 1440) for _, b in late]))
                moved = True
        if not moved:
            return week
    raise _Refusal("horaires après minuit trop imbriqués")


# --- Parser --------------------------------------------------------------------------------

_END = _Tok("END")
_PART_NAMES = {"MIDI": "midi", "SOIR": "soir", "MATIN": "matin", "APREM": "apres-midi"}


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks, self.i = toks, 0
        self.blocks: dict[tuple | None, _Block] = {}
        self.header = None  # the season heading in force (None = all year)
        self.pending: _Group | None = None  # days or hours left for the next sentence
        self.notes: set[str] = set()
        self.ph_off = False
        self.closed_dates: set[tuple[int, int]] = set()
        self.closed_periods: list[tuple] = []
        self.inherited_closures = False
        self.part: str | None = None  # the part of day of the last hours read

    # Token helpers
    def peek(self, ahead: int = 0) -> _Tok:
        return self.toks[self.i + ahead] if self.i + ahead < len(self.toks) else _END

    def take(self, *kinds: str) -> _Tok | None:
        tok = self.peek()
        if tok.kind in kinds:
            self.i += 1
            return tok
        return None

    def fail(self, what: str):
        tok = self.peek()
        where = f" près de « {tok.text} »" if tok.text else ""
        raise _Refusal(f"{what}{where}")

    # Whole text
    def parse(self) -> None:
        while self.peek() is not _END:
            if not self.take("SEP"):
                self.sentence()
        if self.pending is not None:
            missing = "les horaires" if self.pending.times is None else "les jours"
            raise _Refusal(f"{missing} ne sont pas précisés")

    def sentence(self) -> None:
        seasonal_words = False
        while tok := self.take("DASH", "COLON", "COMMA", "SEASON"):  # bullets, « Été : »
            seasonal_words = seasonal_words or tok.kind == "SEASON"
        header = self.period()
        if header is not None:
            self.header = header if header != "base" else None
        cur, self.pending = self.pending, None
        groups: list[_Group] = []
        closures: list = []
        trailing, add = None, False
        while self.peek().kind not in ("SEP", "END"):
            kind = self.peek().kind
            if kind in ("COLON", "COMMA", "AND", "CONT", "SEASON"):
                seasonal_words = seasonal_words or kind == "SEASON"
                self.i += 1
            elif kind == "ADD":
                self.i += 1
                add = True
            elif kind in ("CLOSED", "VAGUE") and self.peek(1).kind in ("SEP", "END") and header:
                self.i += 1
                if header == "base" or cur is not None or groups:
                    self.fail("fermeture sans jour ni date")
                self.closed_periods.append(header)  # « Janvier : fermé »
                self.header = None
                return
            elif kind in ("CLOSED", "VAGUE"):
                if cur is not None and cur.days is not None and cur.times is None:
                    closures.append((cur.days, None))  # « lundi : fermé »
                    cur = None
                    self.i += 1
                else:
                    closures += self.closure()
            elif kind == "EXCEPT":
                self.i += 1
                if cur is not None and cur.days is not None and cur.times is not None:
                    groups.append(cur)
                    cur = None
                override = self.exception(closures)
                if override is not None:
                    groups.append(override)
            elif (period := self.period()) is not None:
                if trailing is not None or header is not None:
                    raise _Refusal("deux périodes dans une même phrase")
                trailing = period
            elif (days := self.days(own_hours=bool(cur and cur.times_first))) is not None:
                if (
                    days.ph
                    and not days.days
                    and cur
                    and cur.times
                    and self.peek().kind in ("SEP", "END")
                ):
                    cur.days = _Days(cur.days.days, True)  # « …, jours fériés compris »
                elif cur is not None and cur.days is None:
                    cur.days = days  # hours first: « de 10h à 19h du lundi au samedi »
                else:
                    self.finish(cur, groups)
                    cur = _Group(days, kind="add" if add else "set")
            elif (times := self.times()) is not None:
                if cur is not None and cur.days is not None and cur.times is None:
                    cur.times, cur.part = times, self.part
                elif cur is not None and cur.days is not None and not cur.times_first:
                    cur.times, cur.part = _merged(cur.times, times), None
                elif (cur is None and not groups and not closures) or (cur and cur.times_first):
                    self.finish(cur, groups)  # « le midi du mardi au dimanche, le soir … »
                    cur = _Group(times=times, part=self.part, times_first=True)
                else:
                    self.fail("horaires sans jours")
            else:
                self.fail("expression non comprise")
        self.finish(cur, groups)
        if seasonal_words and header in (None, "base") and trailing in (None, "base"):
            raise _Refusal("saison sans dates précises")
        if trailing is not None and len(groups) + len(closures) > 1:
            raise _Refusal("période en fin de phrase : s'applique-t-elle à tout ce qui précède ?")
        seasonal = trailing if trailing not in (None, "base") else None
        key = seasonal or self.header
        if trailing is not None and self.header is not None and seasonal != self.header:
            raise _Refusal("période contradictoire avec l'en-tête de saison")
        block = self.blocks.setdefault(key, _Block())
        for group in groups:
            self.apply(block, group)
        block.closures += closures
        if closures and not groups and trailing is None and header is None and key is not None:
            self.inherited_closures = True

    def finish(self, group: _Group | None, groups: list[_Group]) -> None:
        if group is None:
            return
        if group.days is None or group.times is None:
            if self.pending is not None:
                raise _Refusal("jours et horaires impossibles à associer")
            self.pending = group
        else:
            groups.append(group)

    # Pieces
    def days(self, single: bool = False, own_hours: bool = False) -> _Days | None:
        """Days such as « du lundi au vendredi, samedi et jours fériés »; with own_hours (hours
        read first) a day that has hours of its own after it starts the next group."""
        days = self.day_item()
        if days is None:
            return None
        while not single:
            start = self.i
            while self.take("AND", "COMMA"):
                pass
            more = self.day_item()
            if more is None or (own_hours and self.time_range_ahead()):
                self.i = start
                break
            days = _Days(days.days | more.days, days.ph or more.ph)
        if self.peek().kind == "EXCEPT":  # « tous les jours sauf le lundi, de 10h à 19h »
            start = self.i
            self.i += 1
            removed = self.days()
            if removed is None or self.peek().kind in ("MIDI", "SOIR", "MATIN", "APREM"):
                self.i = start
            else:
                if removed.ph:
                    self.ph_off = True
                days = _Days(days.days - removed.days, days.ph)
                if not days.days and not days.ph:
                    raise _Refusal("aucun jour ne reste après « sauf »")
        return days

    def day_item(self) -> _Days | None:
        start = self.i
        tok = self.peek()
        simple = {"ALLDAYS": range(7), "WEEKDAYS": range(5), "WEEKEND": (5, 6)}
        if tok.kind in simple:
            self.i += 1
            return _Days(frozenset(simple[tok.kind]))
        if tok.kind == "PH":
            self.i += 1
            return _Days(frozenset(), ph=True)
        self.take("FROM")
        first = self.take("DAY")
        if first is None:
            self.i = start
            return None
        mark = self.i
        if self.take("TO", "DASH") and (last := self.take("DAY")):
            a, b = first.value, last.value
            if a == b:
                raise _Refusal(f"plage de jours vide : « {first.text} – {last.text} »")
            span = range(a, b + 1) if b > a else [*range(a, 7), *range(0, b + 1)]
            return _Days(frozenset(span))
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
            value = tok.value * 60
        elif tok.kind == "MIDI":
            value = 720
        elif tok.kind == "MINUIT":
            value = 1440 if end else 0
        else:
            return None
        self.i += 1
        return value

    def time_range(self) -> tuple[int, int] | None:
        start = self.i
        between = self.take("BETWEEN")
        if not between:
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
            b += 1440
        return (a % 1440, b)

    def times(self) -> tuple[tuple[int, int], ...] | None:
        ranges: list[tuple[int, int]] = []
        self.parts: set[str | None] = set()
        while True:
            start = self.i
            if ranges:
                self.take("AND", "COMMA", "SLASH", "DASH")
            got = self.time_item()
            if got is None:
                self.i = start
                break
            ranges += got
        while self.take("CONT"):
            pass
        self.part = self.parts.pop() if len(self.parts) == 1 else None
        return _merged(ranges, ()) if ranges else None

    def time_item(self) -> list[tuple[int, int]] | None:
        if self.take("H24"):
            self.parts.add(None)
            return [(0, 1440)]
        start = self.i
        r = self.time_range()
        if r is not None:
            self.parts.add(None)
            return [r]
        part = self.take("MIDI", "SOIR", "MATIN", "APREM")
        if part is None:
            return None
        self.parts.add(_PART_NAMES[part.kind])
        self.take("COLON")
        r = self.time_range()  # « le matin de 9h à 12h »: the part of day just names the hours
        if r is not None:
            return [r]
        if self.peek().kind in ("TIME", "NUM"):
            self.i = start
            return None
        if part.kind in ("MATIN", "APREM"):
            raise _Refusal(f"« {part.text} » sans heures précises")
        self.notes.add(MEAL_NOTE)
        return [MIDI if part.kind == "MIDI" else SOIR]

    def part_of_day(self) -> str | None:
        tok = self.take(*_PART_NAMES)
        return None if tok is None else _PART_NAMES[tok.kind]

    def date(self, year_allowed: bool = True):
        """(year | None, month, day) from « 25 décembre », « 25/12 », « 25/12/2025 »."""
        tok = self.peek()
        if tok.kind == "DATE":
            self.i += 1
            y, m, d = tok.value
        elif tok.kind == "NUM" and self.peek(1).kind == "MONTH":
            self.i += 2
            y, m, d = None, self.toks[self.i - 1].value, tok.value
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
        """A season as a tuple of ((year, month, day), (year, month, day)) ranges (day None:
        whole months); "base" for « toute l'année » / « le reste de l'année »; None if none."""
        if self.take("ALLYEAR", "REST"):
            return "base"
        start = self.i
        if self.take("FROM"):
            if self.peek().kind == "NUM" and self.peek(1).kind == "TO":  # « du 1er au 15 août »
                day = self.take("NUM")
                self.take("TO")
                last = self.date()
                if last is None:
                    self.i = start
                    return None
                self.date_check(last[1], day.value)
                return _checked((last[0], last[1], day.value), last)
            first = self.date() or self.month_point()
            if first is None:
                self.i = start
                return None
            if not self.take("TO", "DASH"):
                self.fail("fin de période manquante")
            last = self.date() or self.month_point() or self.fail("fin de période illisible")
            return _checked(first, last)
        if self.take("IN") or self.peek().kind == "MONTH":
            months = []
            while (month := self.month_point()) is not None:
                last = self.month_point() if self.take("TO", "DASH") else month
                months.append((month, last or self.fail("mois de fin manquant")))
                mark = self.i
                self.take("AND", "COMMA")
                self.take("IN")
                if self.peek().kind != "MONTH":
                    self.i = mark
                    break
            if months:
                return tuple(_joined_months(months))
        self.i = start
        return None

    def month_point(self):
        tok = self.take("MONTH")
        return None if tok is None else (None, tok.value, None)

    def closure(self) -> list:
        vague = self.take("CLOSED", "VAGUE").kind == "VAGUE"
        self.take("COLON")
        items, bare_days = [], False
        while True:
            self.take("TO")  # « fermé à Noël »
            if (days := self.days(single=True)) is not None:
                part = self.part_of_day()
                if part and bare_days:
                    raise _Refusal("fermeture ambiguë : à quels jours s'applique « midi/soir » ?")
                bare_days = bare_days or part is None
                if days.ph:
                    self.ph_off = True
                items.append((days, part))
            elif (dates := self.dates()) is not None:
                self.closed_dates |= dates
            elif (period := self.period()) is not None and period != "base":
                if vague and any(a[2] is None for a, _ in period):
                    raise _Refusal("congés annuels sans dates précises")
                self.closed_periods.append(period)
            else:
                if not items and not self.closed_dates and not self.closed_periods:
                    self.fail("fermeture sans jour ni date")
                break
            mark = self.i
            if not self.take("AND", "COMMA"):
                break
            if self.peek().kind not in ("DAY", "PH", "ALLDAYS", "WEEKEND", "WEEKDAYS", "NUM",
                                        "DATE", "DATES", "IN", "MONTH", "FROM", "TO"):  # fmt: skip
                self.i = mark
                break
        if self.time_range_ahead():
            raise _Refusal("fermeture à des heures précises non traduite")
        return items

    def time_range_ahead(self) -> bool:
        start = self.i
        found = self.time_range() is not None
        self.i = start
        return found

    def dates(self) -> set[tuple[int, int]] | None:
        found: set[tuple[int, int]] = set()
        waiting: list[int] = []  # « les 24 et 31 décembre »: days before their month
        while True:
            tok = self.peek()
            if tok.kind == "DATES":
                self.i += 1
                found |= set(tok.value)
            elif (d := self.date(year_allowed=False)) is not None:
                found |= {(d[1], d[2])} | {(d[1], w) for w in waiting}
                for w in waiting:
                    self.date_check(d[1], w)
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

    def date_check(self, month: int, day: int) -> None:
        if not 1 <= day <= calendar.monthrange(2024, month)[1]:
            raise _Refusal(f"date impossible : {day} {month}")

    def exception(self, closures: list) -> _Group | None:
        """After « sauf »: other hours for some days, or closed days, dates or periods."""
        if (days := self.days()) is not None:
            start = self.i
            part = self.part_of_day()
            if part is None or self.time_range_ahead():
                self.i = start
                if (times := self.times()) is not None:
                    return _Group(days, times, kind="override")
            if days.ph:
                if part:
                    self.fail("fermeture partielle des jours fériés")
                self.ph_off = True
            closures.append((days, part))
        elif (dates := self.dates()) is not None:
            self.closed_dates |= dates
        elif (period := self.period()) not in (None, "base"):
            self.closed_periods.append(period)
        else:
            self.fail("« sauf » sans jour ni date")
        return None

    # Model
    def apply(self, block: _Block, group: _Group) -> None:
        block.has_groups = True
        for d in sorted(group.days.days):
            old, by = block.week[d], block.set_by[d]
            if old is None or group.kind == "override":
                block.week[d], block.set_by[d] = group.times, group.days.days
            elif old == group.times:
                continue
            elif not _overlap(old, group.times) and (
                group.kind == "add" or by == group.days.days or _other_part(old, group)
            ):
                block.week[d] = _merged(old, group.times)
            elif _overlap(old, group.times) and group.days.days < by:
                block.week[d], block.set_by[d] = group.times, group.days.days
            else:
                raise _Refusal(
                    f"le {DAY_FR[d]} reçoit deux horaires : s'ajoutent-ils ou se remplacent-ils ?"
                )
        if group.days.ph:
            if block.ph is not None and block.ph != group.times:
                raise _Refusal("les jours fériés reçoivent deux horaires différents")
            block.ph = group.times

    def close(self, block: _Block) -> None:
        for days, part in block.closures:
            for d in sorted(days.days):
                if part is None:
                    block.week[d] = ()
                    continue
                old = block.week[d] or ()
                hits = [iv for iv in old if _PART_OF_DAY[part](iv[0], iv[1] % 1440 or 1440)]
                if len(hits) != 1:
                    raise _Refusal(
                        f"« fermé le {DAY_FR[d]} {part.replace('apres', 'après')} » : "
                        "service impossible à situer"
                    )
                block.week[d] = tuple(iv for iv in old if iv != hits[0])

    def emit(self) -> str:
        if self.inherited_closures and len(self.blocks) > 1:
            raise _Refusal("une fermeture suit plusieurs saisons : à laquelle s'applique-t-elle ?")
        for block in self.blocks.values():
            self.close(block)
        base = self.blocks.get(None)
        seasons = sorted(
            (k for k in self.blocks if k is not None), key=lambda k: -len(_period_days(k))
        )
        spans = {k: _period_days(k) for k in seasons}
        for n, big in enumerate(seasons):
            for small in seasons[n + 1 :]:
                if spans[big] & spans[small] and not spans[small] <= spans[big]:
                    raise _Refusal("des saisons se chevauchent en partie")
        wraps = any(b > 1440 for blk in self.blocks.values() for w in blk.week for _, b in w or ())
        if wraps and len(self.blocks) > 1:
            raise _Refusal("horaires après minuit avec plusieurs saisons : non traduits")
        rules, opened = [], False
        for key in ([None] if base is not None else []) + seasons:
            block, prefix = self.blocks[key], (_fmt_period(key) + " " if key else "")
            week = _split_after_midnight(block.week)
            if key is not None and block.has_groups:  # a season describes its whole week
                before = [base] if base is not None else []
                before += [
                    self.blocks[k] for k in seasons[: seasons.index(key)] if spans[k] & spans[key]
                ]
                for d in range(7):
                    if week[d] is None and any(b.week[d] for b in before):
                        week[d] = ()
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
        if self.ph_off:
            if any(b.ph for b in self.blocks.values()):
                raise _Refusal("jours fériés à la fois ouverts et fermés")
            rules.append("PH off")
        if self.closed_dates:
            dates = sorted(self.closed_dates)
            rules.append(",".join(f"{MONTHS[m - 1]} {d:02d}" for m, d in dates) + " off")
        rules += [f"{_fmt_period(p)} off" for p in self.closed_periods]
        if rules[0] == "Mo-Su 00:00-24:00":
            rules[0] = "24/7"
        return "; ".join(rules)


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


def _joined_months(months: list) -> list:
    """[Jul-Jul, Aug-Aug] -> [Jul-Aug]: « en juillet et août »."""
    out: list = []
    for a, b in months:
        if out and out[-1][1][1] % 12 + 1 == a[1]:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


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
        value = parser.emit()
    except _Refusal as refusal:
        return Translation(None, str(refusal))
    except RecursionError:
        return Translation(None, "texte trop complexe")
    try:
        hours.validate(value)
    except hours.InvalidHours:  # a bug of ours: say so rather than store a wrong value
        return Translation(None, f"traduction interne invalide « {value} »")
    return Translation(value, None, " ".join(sorted(parser.notes)) or None)
