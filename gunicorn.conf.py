"""Production WSGI server settings (gunicorn reads this file from the working directory).

One threaded worker per core, 8 threads each, with keep-alive: measured by
``make loadtest`` against sync workers (2 × cores + 1) on the same 1M listings, gthread
served 1.5–2.4 × the requests per second at the same concurrency, and a long streamed
open-data download no longer trips the worker timeout (a sync worker that streams for
more than ``timeout`` seconds is killed mid-file). Each thread keeps its own database
connection (CONN_MAX_AGE), so a server holds workers × threads connections.
The access log is off unless ``ACCESS_LOG=1``: a proxy in front (deploy/) writes it.
"""

import multiprocessing
import os

# The workers keep repeated public API answers in memory (geo_directory/caching.py
# ResponseCacheMiddleware), dropped at once by any change of the data they show: the time
# to live only bounds what no signal reports (a set-based update, a replica's lag), as the
# answers' public max-age (60 s) already does for a proxy. On the load test's visits at
# 450 req/s, 60 s answers 38-44 % of the API requests from memory against 34 % at 10 s
# (python -m bench.cache_sim).
os.environ.setdefault("API_RESPONSE_CACHE_SECONDS", "60")

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS") or multiprocessing.cpu_count())
threads = int(os.environ.get("THREADS") or 8)
keepalive = 5
# gunicorn's own error answers (414 request line too long, 431 headers, 400 malformed
# request) in French JSON like the site's (gunicorn_worker.py).
worker_class = "geo_directory.gunicorn_worker.FrenchJSONErrorsThreadWorker"
timeout = 30
graceful_timeout = 10
# A worker is replaced after this many requests (a guard against a slow leak). Each
# replacement costs seconds of CPU (Django, GDAL and pyproj imported again, its 8
# connections reopened) and empties its response cache: at 5,000, launch day's 500 req/s
# replaced each worker every 20 s, and `make loadtest` saw both restart within one 8 s step
# (p95 3.6 s). At 200,000: every ~13 minutes at that rate.
max_requests = 200_000
max_requests_jitter = 20_000
accesslog = "-" if os.environ.get("ACCESS_LOG") == "1" else None
forwarded_allow_ips = "127.0.0.1"
# gunicorn's runtime control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl):
# two servers of the same user (make run, the bench, the load test) would fight over it,
# and nothing here uses gunicornc.
control_socket_disable = True
