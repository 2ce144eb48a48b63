"""A real gunicorn, as ``make run`` starts it, serving the test database.

``gunicorn.conf.py`` (its worker class, timeouts, access log), ``DEBUG`` off, on 127.0.0.1
and a free port, two workers (``WORKERS``, read by gunicorn.conf.py) to spare the shared
cores. The rows a test wants it to see must be committed (``committed_db``).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, workers: int = 2, ready_headers: dict | None = None, **env_extra: str):
        self.port = free_port()
        # Closed by __exit__ (the server outlives this method).
        self.log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log")  # noqa: SIM115
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WORKERS": str(workers),
            "DEBUG": "0",
            "PGDATABASE": connection.settings_dict["NAME"],
            # A key of its own: the server must not depend on the install's key file.
            "SECRET_KEY": "gunicorn-test-" + os.urandom(24).hex(),
            **env_extra,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright; never in production
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "geo_directory.wsgi:application",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            try:
                if self.request("GET", "/api/v1/categories/", headers=ready_headers)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise AssertionError("gunicorn did not start:\n" + self.output())
        # Every worker booted (the first answer may come before the last one is up).
        deadline = time.monotonic() + 30
        while len(self.workers()) < workers and time.monotonic() < deadline:
            time.sleep(0.1)

    def workers(self) -> set[int]:
        """The worker processes of the master, from /proc."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(pid) for pid in path.read_text().split()}

    def request(self, method: str, path: str, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def raw(self, data: bytes) -> bytes:
        """Send bytes as they are (a request http.client would refuse to write)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(data)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-20000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.log.close()
