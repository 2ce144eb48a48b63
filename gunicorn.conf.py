"""Production WSGI server settings (gunicorn reads this file from the working directory).

Workers default to 2 × cores + 1 (sync workers: the views are short, database-bound
requests); each keeps its database connection (CONN_MAX_AGE) between requests.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# The sync worker, with gunicorn's own error answers (414 request line too long, 431
# headers, 400 malformed request) in French JSON like the site's (gunicorn_worker.py).
worker_class = "geo_directory.gunicorn_worker.FrenchJSONErrorsWorker"
timeout = 30
graceful_timeout = 10
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = "127.0.0.1"
# gunicorn's runtime control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl):
# two servers of the same user (make run, the bench, the load test) would fight over it,
# and nothing here uses gunicornc.
control_socket_disable = True
