"""An unprivileged nginx in front of a local server, from ``deploy/nginx.conf.template``.

Used by the load test (``bench/loadtest.py``) and by ``tests/hardening/test_caching.py``:
the template is rendered into a temporary directory (config, cache, logs, pid), nginx
listens on 127.0.0.1 (``NGINX_PORT``, else a free port), reads the static files and photos
from ``static_root`` and ``media_root``, and runs in the foreground as a child process, as
the user of this process (when that is root, its workers stay root, as the gunicorn it
fronts here: a checkout in a mode-0700 folder is readable by no one else).
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
ROOT = TEMPLATE.parent.parent
MIME_TYPES = Path("/etc/nginx/mime.types")  # Debian's nginx-common
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(parent: int) -> list[int]:
    """The live child processes of ``parent`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
            found.append(int(entry.name))
    return found


def render(
    prefix: Path,
    upstream: str,
    listen: str,
    workers: int,
    private_cookies: tuple[str, ...],
    static_root: Path,
    media_root: Path,
) -> str:
    text = TEMPLATE.read_text()
    for name, value in {
        "PREFIX": str(prefix),
        "UPSTREAM": upstream,
        "LISTEN": listen,
        "WORKERS": str(workers),
        "PRIVATE_COOKIES": " ".join(f"$cookie_{name}" for name in private_cookies),
        "STATIC_ROOT": str(Path(static_root).resolve()),
        "MEDIA_ROOT": str(Path(media_root).resolve()),
        "MIME_TYPES": str(MIME_TYPES),
    }.items():
        text = text.replace(f"@@{name}@@", value)
    if re.search(r"@@[A-Z_]+@@", text):
        raise ValueError("nginx.conf.template has a placeholder render() does not know")
    return text


class Nginx:
    """``with Nginx("127.0.0.1:8000") as proxy: proxy.url`` ..."""

    def __init__(
        self,
        upstream: str,
        workers: int = 1,
        private_cookies: tuple[str, ...] = ("sessionid", "sn_primaire"),
        static_root: Path | None = None,
        media_root: Path | None = None,
    ):
        """``private_cookies``: geo_directory.caching.private_cookies() of the site;
        ``static_root``, ``media_root``: its STATIC_ROOT and MEDIA_ROOT (by default the
        checkout's, as settings.py without MEDIA_ROOT in the environment)."""
        self.upstream, self.workers, self.private_cookies = upstream, workers, private_cookies
        self.static_root = static_root or ROOT / "staticfiles"
        self.media_root = media_root or Path(os.environ.get("MEDIA_ROOT") or ROOT / "media")
        self.prefix: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        if not Path(NGINX).exists():
            raise RuntimeError("nginx is not installed (scripts/system-deps.sh installs it)")
        # NGINX_PORT: a fixed port (e.g. the one a shared machine assigned), else a free one.
        self.port = int(os.environ.get("NGINX_PORT") or 0) or free_port()
        text = render(
            Path("@PREFIX@"),
            self.upstream,
            f"127.0.0.1:{self.port}",
            self.workers,
            self.private_cookies,
            self.static_root,
            self.media_root,
        )
        self.prefix = Path(tempfile.mkdtemp(prefix="sn-nginx-"))
        conf = self.prefix / "nginx.conf"
        if os.geteuid() == 0:
            # Started by root (CI clones into a mode-0700 folder): the workers keep the
            # identity of the gunicorn they sit in front of here, so that they can read
            # the checkout's static files and photos (a production nginx runs them as its
            # packaged user, who owns nothing else: docs/deployment.md).
            text = "user root root;\n" + text
        conf.write_text(text.replace("@PREFIX@", str(self.prefix)))
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(conf), "-e", str(self.prefix / "error.log")]
            + ["-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx did not start: {self.proc.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx did not listen within 10 s")

    def pids(self) -> list[int]:
        """The master and its workers (for their CPU time)."""
        if self.proc is None:
            return []
        return [self.proc.pid, *children(self.proc.pid)]

    def cache_log(self) -> list[tuple[str, str]]:
        """(``$upstream_cache_status``, URI) of every request logged so far (flushed each 1 s)."""
        log = self.prefix / "access.log"
        if not log.exists():
            return []
        with open(log, encoding="utf-8", errors="replace") as lines:
            fields = (line.split(" ") for line in lines if line.strip())
            return [(f[0], f[-1].strip().strip('"')) for f in fields]

    def cache_statuses(self) -> collections.Counter:
        """How many requests got each ``$upstream_cache_status`` (HIT, MISS...)."""
        return collections.Counter(status for status, _ in self.cache_log())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finishes the requests in flight
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)
            self.prefix = None

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
