"""How many API requests the workers' response cache answers, by its time to live.

``python -m bench.cache_sim [--visits 4000] [--rate 450] [--ttl 10,30,60]`` replays the load
test's visits (``bench/loadtest.py`` ``Sessions``, seeded: the same URLs as ``make
loadtest``) as wrk does, each connection a visit after another, at ``--rate`` requests per
second in all, and counts the public API requests (``/api/``) whose URL a cache kept
within its time to live: one cache per gunicorn worker (the connections alternate between
the two workers of ``gunicorn.conf.py``) and, for comparison, one cache shared by both.
No server runs: it tells what a time to live gives whatever the machine's speed, as the
load test's own steps (8 s each, shorter than any TTL here) cannot.

The data generation (``geo_directory/caching.py``) drops every kept answer at once when a
listing changes, so the time to live only bounds what no signal reports (a set-based
update, a replica's lag): the same bound as the public answers' ``max-age`` for a proxy.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

from .db import connect, django_env

WORKERS = 2


def hit_ratio(
    visits: list[list[tuple[str, str]]],
    conns: int,
    rate: float,
    ttl: float,
    shared: bool,
    entries: int,
) -> float:
    """Share of the API requests answered from a cache, in %."""
    queues = [[url for visit in visits[i::conns] for _, url in visit] for i in range(conns)]
    # Least recently used first, at most ``entries`` each (caching.MAX_BYTES over the
    # answers' mean size).
    caches = [collections.OrderedDict() for _ in range(1 if shared else WORKERS)]
    positions = [0] * conns
    now, step, hits, api = 0.0, 1.0 / rate, 0, 0
    while any(positions[i] < len(queues[i]) for i in range(conns)):
        for i in range(conns):
            if positions[i] >= len(queues[i]):
                continue
            url = queues[i][positions[i]]
            positions[i] += 1
            now += step
            if not url.startswith("/api/"):
                continue
            api += 1
            cache = caches[0 if shared else i % WORKERS]
            if cache.get(url, -1.0) > now:
                hits += 1
                cache.move_to_end(url)
            else:
                cache[url] = now + ttl
                cache.move_to_end(url)
                if len(cache) > entries:
                    cache.popitem(last=False)
    return 100 * hits / max(api, 1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=4000)
    parser.add_argument("--rate", type=float, default=450.0)
    parser.add_argument("--conns", type=int, default=4)
    parser.add_argument("--ttl", default="10,30,60")
    parser.add_argument("--entries", default="", help="each cache's size, in answers")
    parser.add_argument("--mean-kb", type=float, default=30.0, help="an answer's mean size")
    args = parser.parse_args(argv)
    os.environ.update(django_env())
    import django

    django.setup()
    from geo_directory.caching import ENTRY_OVERHEAD, MAX_BYTES

    from .loadtest import Sessions

    held = int(MAX_BYTES // (args.mean_kb * 1024 + ENTRY_OVERHEAD))
    sizes = [int(e) for e in args.entries.split(",") if e] or [held]
    with connect() as conn:
        sessions = Sessions(conn, 1_000_000, [])
    visits = [sessions.visit() for _ in range(args.visits)]
    print(f"{args.visits:,} visits at {args.rate:,.0f} req/s, {args.conns} connections:")
    for entries in sizes:
        for ttl in (float(t) for t in args.ttl.split(",")):
            per_worker = hit_ratio(visits, args.conns, args.rate, ttl, False, entries)
            shared = hit_ratio(visits, args.conns, args.rate, ttl, True, entries)
            print(
                f"  {entries:,} entries, TTL {ttl:4.0f} s: {per_worker:4.1f} % of API requests"
                f" from the workers' caches ({shared:4.1f} % with one cache for both)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
