"""Name search on 1,000,000 listings: dictionary correction, then a full-text index.

A query such as « boulagerie fabre » is answered in two steps (migration
``businesses/0002_name_words``):

1. each word of 3 letters or more is corrected to its ``ALTERNATIVES`` closest real
   words of listing names, by word similarity (pg_trgm, after ``unaccent`` and
   ``lower``) in the dictionary ``businesses_name_word`` (its distinct words, a small
   table with a trigram index): « boulagerie » → boulangerie, « fabre » → fabre, fabrel,
   fabret... (SQL function ``business_name_tsquery``, one query);
2. the listings having, for every query word, one of its alternatives are found by the
   GIN full-text index ``business_name_tsv`` on
   ``to_tsvector('simple', immutable_unaccent(lower(name)))``: GIN's fast scan
   intersects a rare word with a common one (every « boulangerie ») without reading the
   common one's whole posting list.

A word of 4 or 5 letters that no name has is also corrected to the names' words one slip
away (a letter missing, extra, wrong, or two swapped: « pual », « paull » → paul), which
trigrams miss in so short a word: the few hundred strings one slip away are written here
and looked up in the dictionary's hash index (``search_name_tsquery``, api migration 0008).

Relevance (``word_similarity`` of the whole query to the name, 0..1) is computed on
those candidates only. A word that no listing has, nor anything close, matches nothing.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db.models import BooleanField, Func, TextField

from geo_directory.postgis.arrays import int_array, text_array

# Close real words kept per query word: enough for a typo and a few longer words it
# begins (« boul » → boulangerie, boucherie, boutique...), few enough to keep the
# full-text query cheap (a rare surname matches hundreds of made-up names by prefix).
ALTERNATIVES = 5
MIN_WORD = 3
# Words this long get their one-slip neighbours looked up (longer ones: trigrams suffice).
SLIP_LENGTHS = range(4, 6)
LETTERS, DIGITS = "abcdefghijklmnopqrstuvwxyz", "0123456789"


def query_words(text: str) -> list[str]:
    """The words of ``text`` compared with the names' words: 3 letters or more (the
    whole text if there is none), lower-case, each once, in order."""
    words = [w for w in re.split(r"[^\w]+", text.lower()) if len(w) >= MIN_WORD]
    return list(dict.fromkeys(words or [text.lower()]))


def _fold(word: str) -> str:
    """As ``immutable_unaccent(lower(word))`` for the letters of French names."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("œ", "oe").replace("æ", "ae"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def one_slip_away(word: str) -> set[str]:
    """The strings one slip from ``word`` (optimal string alignment distance 1); digits
    only in a word that has some (« pual »: 241 strings)."""
    letters = LETTERS + (DIGITS if any(c.isdigit() for c in word) else "")
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in letters}
    found |= {a + c + b for a, b in splits for c in letters}
    found.discard(word)
    return found


def slips(words: list[str]) -> tuple[list[str], list[int]]:
    """(strings, 1-based index of their query word) for the words of SLIP_LENGTHS letters."""
    strings, of = [], []
    for i, word in enumerate(words, start=1):
        folded = _fold(word)
        if len(folded) in SLIP_LENGTHS and folded.isalnum():
            near = sorted(one_slip_away(folded))
            strings += near
            of += [i] * len(near)
    return strings, of


def name_tsquery(text: str) -> str | None:
    """The full-text query of ``text`` (tsquery text), None if a word has no close word.

    Uses ``pg_trgm.word_similarity_threshold``, set on every connection (postgis/base.py).
    """
    return corrected(text)[0]


def corrected(text: str, probe: tuple[str, list] = ("false", [])) -> tuple[str | None, bool]:
    """(``name_tsquery(text)``, the value of ``probe``): a boolean SQL expression the
    caller needs anyway, evaluated in the correction's statement to save a round trip
    (api/queries.py: does the query's trade have a listing)."""
    words = query_words(text)
    strings, of = slips(words)
    with connection.cursor() as cursor:
        # The trigram correction, and whether a short word is one no name has: only then
        # do its slips count (search_name_tsquery). Usually none is (« paul », « fabre »):
        # the few hundred slips are then not sent nor planned (1-2 ms per search).
        cursor.execute(
            "SELECT business_name_tsquery(%s::text[], %s)::text, EXISTS (SELECT 1"
            " FROM unnest(%s::text[]) AS u(w) WHERE NOT EXISTS (SELECT 1"
            " FROM businesses_name_word e WHERE e.word = immutable_unaccent(lower(u.w)))),"
            f" {probe[0]}",
            [
                text_array(words),
                ALTERNATIVES,
                text_array(words[i - 1] for i in sorted(set(of))),
                *probe[1],
            ],
        )
        tsquery, unknown_short_word, probed = cursor.fetchone()
        if not unknown_short_word:
            return tsquery, probed
        cursor.execute(
            "SELECT search_name_tsquery(%s::text[], %s, %s::text[], %s::int[])::text",
            [text_array(words), ALTERNATIVES, text_array(strings), int_array(of)],
        )
        return cursor.fetchone()[0], probed


# The indexed expression of ``business_name_tsv``, around a name column.
TSVECTOR_SQL = "to_tsvector('simple'::regconfig, immutable_unaccent(lower({})))"


class NameTsvector(Func):
    """The indexed expression of ``business_name_tsv``."""

    template = TSVECTOR_SQL.format("%(expressions)s")
    output_field = TextField()


class TsMatch(Func):
    """``tsvector @@ tsquery`` (the tsquery given as text, cast)."""

    template = "(%(expressions)s::tsquery)"
    arg_joiner = " @@ "
    output_field = BooleanField()
    conditional = True
