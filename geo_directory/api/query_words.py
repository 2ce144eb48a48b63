"""What a search means: trades, a commune, and words of shop names.

« boulangerie Paul marseille » is three things at once: a trade (« boulangerie », the
category of that name), a shop's name (« Paul ») and a place (Marseille). ``understand``
splits a query into:

- **trades**: words or phrases of ``trade_synonyms.SYNONYMS`` (category labels and the
  words residents use), unaccented, singular, forgiving one slip (Damerau-Levenshtein
  distance 1: a letter missing, extra, wrong or two swapped) in words of 5 letters or
  more (« boulagerie »);
- **a commune**: its whole name anywhere (« marseille », « aix-en-provence », « st remy
  de provence »; one slip forgiven in one-word names of 6 letters or more), or the first
  word of a longer name after « à/a/au/en/sur/pres de » (« à Aix »). The preposition goes
  with it;
- **name words**: everything else, searched in the names (``businesses/search.py``).

A commune named without a preposition beside a name word (« marie blachère ») may be a
shop's name: ``name_reading`` is the reading with its words as name words, which the
search takes when the words together are in a name (``queries.search``).

Both lexicons (~150 trade entries, ~950 communes and their first words) are in memory,
rebuilt with the reference tables (``reference.py``), and looked up through an index of
one-letter deletions (the « symmetric delete » of SymSpell: a word and its candidates
share a deletion), so that understanding a query costs a few dictionary look-ups per
word, not a comparison with every entry.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace

from . import reference
from .trade_synonyms import SYNONYMS

# Words introducing a place: « boulangerie à Aix », « fleuriste sur Nice ».
PREPOSITIONS = frozenset({"a", "au", "aux", "en", "sur", "pres", "de", "vers", "dans", "cote"})
# First words of commune names too vague to stand for the commune (« saint »...).
VAGUE_FIRST_WORDS = frozenset(
    {"saint", "sainte", "saints", "saintes", "la", "le", "les", "l", "notre", "mont", "port"}
)
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
TYPO_MIN_TRADE = 5  # shorter trade words must be exact (« pain » is not « bain »)
TYPO_MIN_COMMUNE = 6  # « nice » is not « vice », « marseile » is marseille
LONGEST_PHRASE = 6  # words in the longest commune name or trade phrase looked up
TOKEN = re.compile(r"[\w&]+")


def fold(text: str) -> str:
    """Lower case without accents, as ``immutable_unaccent(lower(...))`` (œ → oe)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def within_one_slip(a: str, b: str) -> bool:
    """Damerau-Levenshtein (optimal string alignment) distance of at most 1."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):  # one letter inserted in b
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:  # one letter replaced
        return True
    return (
        a[i + 1 : i + 2] == b[i : i + 1]
        and a[i : i + 1] == b[i + 1 : i + 2]
        and (a[i + 2 :] == b[i + 2 :])
    )  # two neighbours swapped


class SlipIndex:
    """Words by themselves and by each of their one-letter deletions."""

    def __init__(self, min_length: int):
        self.min_length = min_length
        self.by_key: dict[str, set[str]] = defaultdict(set)

    def add(self, word: str) -> None:
        self.by_key[word].add(word)
        if len(word) >= self.min_length:
            for key in deletions(word):
                self.by_key[key].add(word)

    def closest(self, word: str) -> set[str]:
        """{the word} if known, else the known words one slip away (both the typed word
        and the known one of ``min_length`` letters or more)."""
        if word in self.by_key.get(word, ()):
            return {word}
        if len(word) < self.min_length:
            return set()
        candidates = set(self.by_key.get(word, ()))
        for key in deletions(word):
            candidates |= self.by_key.get(key, set())
        return {c for c in candidates if len(c) >= self.min_length and within_one_slip(c, word)}


@dataclass
class Lexicon:
    trades: dict[str, set[str]] = field(default_factory=dict)  # phrase → slugs
    trade_words: SlipIndex = field(default_factory=lambda: SlipIndex(TYPO_MIN_TRADE))
    communes: dict[str, str] = field(default_factory=dict)  # folded full name → code
    first_words: dict[str, str] = field(default_factory=dict)  # « aix » → 13001
    commune_words: SlipIndex = field(default_factory=lambda: SlipIndex(TYPO_MIN_COMMUNE))
    names: dict[str, str] = field(default_factory=dict)  # code → name
    longest: int = 1


def words_of(text: str) -> list[str]:
    return [ABBREVIATIONS.get(w, w) for w in re.findall(r"[a-z0-9]+", fold(text))]


def build_lexicon(ref: reference.Reference, populations: dict[str, int]) -> Lexicon:
    lexicon = Lexicon(names=dict(ref.commune_names))
    for slug, phrases in SYNONYMS.items():
        if slug not in ref.by_slug:
            continue
        for phrase in (*phrases, *[fold(ref.by_slug[slug].label)]):
            key = " ".join(singular(w) for w in words_of(phrase))
            if not key or (phrase not in phrases and " " in key):
                continue  # a label of several words is matched by its synonyms' words
            lexicon.trades.setdefault(key, set()).add(slug)
            if " " not in key:
                lexicon.trade_words.add(key)
            lexicon.longest = max(lexicon.longest, key.count(" ") + 1)
    # The most populated commune first: it keeps a name or a first word shared by two.
    by_size = sorted(ref.commune_names.items(), key=lambda c: -populations.get(c[0], 0))
    for code, name in by_size:
        key = " ".join(words_of(name))
        lexicon.communes.setdefault(key, code)
        words = key.split()
        if len(words) == 1:
            lexicon.commune_words.add(key)
        elif len(words[0]) >= 3 and words[0] not in VAGUE_FIRST_WORDS:
            lexicon.first_words.setdefault(words[0], code)
        lexicon.longest = max(lexicon.longest, len(words))
    lexicon.longest = min(lexicon.longest, LONGEST_PHRASE)
    return lexicon


_lock = threading.Lock()
_cached: tuple[reference.Reference, Lexicon] | None = None


def lexicon() -> Lexicon:
    """The lexicon of the current reference tables (rebuilt when they are reloaded)."""
    global _cached
    ref = reference.get()
    cached = _cached
    if cached is None or cached[0] is not ref:
        from geo_directory.territory.models import Commune

        with _lock:
            populations = dict(Commune.objects.values_list("code", "population"))
            cached = _cached = (
                ref,
                build_lexicon(ref, {k: v or 0 for k, v in populations.items()}),
            )
    return cached[1]


@dataclass(frozen=True)
class Understanding:
    text: str  # the whole query
    name_text: str = ""  # the words left for shop names
    trade_text: str = ""  # the words taken for trades, as typed
    categories: tuple[str, ...] = ()  # slugs
    commune: str | None = None  # INSEE code
    words_text: str = ""  # the trade and name words in their order (for relevance)
    # The reading where the commune's words are a shop's name (« marie blachère »): taken
    # when the words together are in a name (queries.search). None when the commune is
    # sure: after a preposition (« à Orange »), alone, or beside no name word.
    name_reading: Understanding | None = None

    @property
    def interpreted(self) -> bool:
        return bool(self.categories or self.commune)


def understand(text: str, lex: Lexicon | None = None) -> Understanding:
    """The trades, commune and name words of ``text`` (see the module's docstring), with
    ``name_reading`` when the commune may be words of a shop's name."""
    lex = lex or lexicon()
    tokens = TOKEN.findall(text)
    folded = [ABBREVIATIONS.get(w, w) for w in (fold(t) for t in tokens)]
    reading = _read(lex, folded)
    understood = _understanding(text, tokens, *reading[:3])
    if reading[3] is None:
        return understood
    taken, (start, end) = reading[0], reading[3]
    # A commune named without a preposition, beside a name word (« marie blachère »,
    # « orange marseille »): the same words may be a shop's name. The reading where they
    # are name words (another commune of the query then found) goes with it; the search
    # prefers it when the words together are in a shop's name (queries.search).
    beside = [j for j in (start - 1, end) if 0 <= j < len(tokens) and taken[j] == ""]
    if (start and taken[start - 1] == "prep") or not any(len(tokens[j]) > 1 for j in beside):
        return understood
    other = _read(lex, folded, not_commune_at=start)
    return replace(understood, name_reading=_understanding(text, tokens, *other[:3]))


def _read(
    lex: Lexicon, folded: list[str], not_commune_at: int | None = None
) -> tuple[list[str], list[str], str | None, tuple[int, int] | None]:
    """What each word is taken for ("trade", "commune", "prep" or "" for a name word), the
    trades' slugs, the commune's code and its words' span (start, end), if one is named."""
    taken = [""] * len(folded)
    slugs: list[str] = []
    commune, span = None, None
    i = 0
    while i < len(folded):
        matched = _commune_at(lex, folded, i) if commune is None and i != not_commune_at else None
        if matched:
            commune, end = matched
            span = (i, end)
            taken[i:end] = ["commune"] * (end - i)
            if i > 0 and folded[i - 1] in PREPOSITIONS and taken[i - 1] == "":
                taken[i - 1] = "prep"
            i = end
            continue
        matched_trade = _trade_at(lex, folded, i)
        if matched_trade:
            found, end = matched_trade
            slugs += [s for s in sorted(found) if s not in slugs]
            taken[i:end] = ["trade"] * (end - i)
            i = end
            continue
        i += 1
    return taken, slugs, commune, span


def _understanding(
    text: str, tokens: list[str], taken: list[str], slugs: list[str], commune: str | None
) -> Understanding:
    names = [t for t, kind in zip(tokens, taken, strict=True) if kind == ""]
    names = [t for t in names if any(c.isalnum() for c in t)]  # not « & » alone
    if slugs or commune:  # « l' », « d' », a stray letter: not a name beside a trade
        names = [t for t in names if len(t) > 1]
    trades = [t for t, kind in zip(tokens, taken, strict=True) if kind == "trade"]
    words = [t for t, kind in zip(tokens, taken, strict=True) if kind == "trade" or t in names]
    return Understanding(
        text=text,
        name_text=" ".join(names),
        trade_text=" ".join(trades),
        categories=tuple(slugs),
        commune=commune,
        words_text=" ".join(words),
    )


def _commune_at(lex: Lexicon, words: list[str], i: int) -> tuple[str, int] | None:
    for n in range(min(lex.longest, len(words) - i), 0, -1):
        code = lex.communes.get(" ".join(words[i : i + n]))
        if code:
            return code, i + n
    word = words[i]
    after_preposition = i > 0 and words[i - 1] in PREPOSITIONS
    if after_preposition and word in lex.first_words:
        return lex.first_words[word], i + 1
    close = lex.commune_words.closest(word)
    if len(close) == 1:  # an ambiguous slip is not corrected
        return lex.communes[close.pop()], i + 1
    return None


def _trade_at(lex: Lexicon, words: list[str], i: int) -> tuple[set[str], int] | None:
    for n in range(min(lex.longest, len(words) - i), 1, -1):
        found = lex.trades.get(" ".join(singular(w) for w in words[i : i + n]))
        if found:
            return found, i + n
    close = lex.trade_words.closest(singular(words[i])) or lex.trade_words.closest(words[i])
    slugs = [lex.trades[word] for word in close]
    if slugs and all(s == slugs[0] for s in slugs):  # one trade, else an ambiguous slip
        return slugs[0], i + 1
    return None


def trade_prefixes(text: str, lex: Lexicon | None = None, limit: int = 3) -> list[str]:
    """Slugs of the trades whose words begin with the last word being typed (« boul »):
    suggestions before the word is complete."""
    lex = lex or lexicon()
    words = words_of(text)
    if not words or len(words[-1]) < 3:
        return []
    last = words[-1]
    found: list[str] = []
    for phrase in sorted(lex.trades, key=len):
        if any(w.startswith(last) for w in phrase.split()):
            found += [s for s in sorted(lex.trades[phrase]) if s not in found]
        if len(found) >= limit:
            break
    return found[:limit]
