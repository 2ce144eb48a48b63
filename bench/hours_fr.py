"""French hours text -> OSM: translation rate and speed on the test table.

    .venv/bin/python -m bench.hours_fr [--repeat 5]

The table is the one of tests/businesses/test_hours_fr.py (real-world phrasings, each with
its expected value or refusal). Speed: the whole table translated ``--repeat`` times (plain
timeit, best run kept), including the check of every value by the project's validator.
No database is needed.
"""

from __future__ import annotations

import argparse
import timeit

from geo_directory.businesses.hours_fr import translate
from tests.businesses.test_hours_fr import TABLE, Refused


def rate() -> dict[str, int]:
    counts = {"texts": len(TABLE), "translated": 0, "refused": 0, "wrong": 0}
    for text, expected in TABLE:
        result = translate(text)
        counts["translated" if result.value else "refused"] += 1
        if isinstance(expected, Refused):
            counts["wrong"] += result.value is not None or expected not in result.reason
        else:
            counts["wrong"] += result.value != expected
    return counts


def speed(repeat: int) -> float:
    """Translations per second over the table (best of ``repeat`` runs)."""
    texts = [text for text, _ in TABLE]
    best = min(timeit.repeat(lambda: [translate(t) for t in texts], number=1, repeat=repeat))
    return len(texts) / best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hours_fr")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    counts = rate()
    print(
        f"{counts['texts']} texts: {counts['translated']} translated, {counts['refused']} "
        f"refused, {counts['wrong']} different from the expected value or reason"
    )
    print(f"{speed(args.repeat):,.0f} translations per second (best of {args.repeat} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
