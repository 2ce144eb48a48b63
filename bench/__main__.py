"""``make bench`` / ``python -m bench``: the benchmarks, section by section.

Each section is a module of this package with ``run(n, log) -> list[dict]`` and
``table(results) -> str``; add one to ``SECTIONS`` to extend the bench (the import bench
goes in ``bench/importing.py``). Every section works on the separate bench database of
``bench/db.py``, never the development or test database.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from . import db

SECTIONS = {
    "api": "bench.api",  # search API: HTTP endpoint vs raw SQL, same run
    "import": "bench.importing",  # bulk import (the import branch), when present
    "export": "bench.export",  # open-data downloads: rows/s and server memory vs COPY
    "pages": "bench.pages",  # the home page through gunicorn vs a static file and its SQL
    "loadtest": "bench.loadtest",  # the residents' traffic mix, step by step (make loadtest)
    "audit": "bench.audit",  # Lighthouse on the residents' pages (make audit)
}
# Run only when named (``make loadtest``), not by a plain ``make bench``.
ON_REQUEST = {"loadtest", "audit"}
DEFAULT_SIZES = (100_000, 1_000_000)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(float(part)) for part in text.replace("_", "").split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text}") from exc
    if not sizes or any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"sections to run, among {', '.join(SECTIONS)} (default: all present but"
        f" {', '.join(sorted(ON_REQUEST))})",
    )
    parser.add_argument(
        "--sizes",
        "--rows",
        type=_sizes,
        default=None,
        help="synthetic listings per run, comma-separated (default 100000,1000000;"
        " a section may set its own DEFAULT_SIZES: the load test runs at 1000000)",
    )
    parser.add_argument("--quick", action="store_true", help="100,000 listings only")
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; choose among {', '.join(SECTIONS)}")
    modules = {}
    for name in args.sections or [name for name in SECTIONS if name not in ON_REQUEST]:
        try:
            modules[name] = importlib.import_module(SECTIONS[name])
        except ModuleNotFoundError as exc:
            if exc.name != SECTIONS[name] or args.sections:
                raise
            print(f"[{name}] not on this branch, skipped", flush=True)
    # The database keeps the last size generated: start with it if asked for.
    with db.connect("postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db.BENCH_DB]
        ).fetchone()
    db.ensure_database()
    current = None
    if exists:
        from .synthetic import synthetic_count

        with db.connect() as conn:
            current = synthetic_count(conn)
    for name, module in modules.items():
        if args.quick:
            sizes = [100_000]
        else:
            sizes = list(args.sizes or getattr(module, "DEFAULT_SIZES", DEFAULT_SIZES))
        sizes.sort(key=lambda n: n != current)
        results = []
        for n in sizes:
            started = time.perf_counter()
            print(f"[{name}] N = {n:,}", flush=True)
            results.extend(module.run(n, log=lambda msg: print(msg, flush=True)))
            print(f"[{name}] N = {n:,} done in {time.perf_counter() - started:.0f} s", flush=True)
        current = sizes[-1]  # what the database holds now
        print(f"\n== {name} ==\n{module.table(results)}\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
