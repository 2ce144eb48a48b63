"""Arrays sent to PostgreSQL as one text literal (``'{1,2,3}'``), cast in the statement
(``%s::bigint[]``).

Django's psycopg backend binds parameters on the client: psycopg quotes a Python list
element by element, ~1 µs each, so the few hundred listing ids or word slips of one
search cost 0.3-1 ms of Python per request (a sixth of a name search's CPU, cProfile).
Written here at once: integers, and words of letters and digits (quoted, so that a word
« null » stays a word).
"""

from __future__ import annotations

from collections.abc import Iterable


def int_array(values: Iterable[int]) -> str:
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def text_array(values: Iterable[str]) -> str:
    quoted = (value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
    return "{" + ",".join(f'"{value}"' for value in quoted) + "}"
