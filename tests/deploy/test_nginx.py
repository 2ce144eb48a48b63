"""deploy/nginx.conf.template, run by a real nginx (Debian's) in front of a live server:
what it reads from disk itself (static files, photos), what it never serves (the claims'
proof documents), how it shares one cold answer among concurrent requests, and that it
keeps its connections to gunicorn open. The caching rules themselves (public, private,
304) are tests/hardening/test_caching.py."""

import http.client
import json
import shutil
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings

from deploy.nginx import Nginx, free_port
from geo_directory.caching import private_cookies
from tests.hardening.gunicorn_server import Gunicorn


def _get(base: str, path: str, headers: dict | None = None):
    """A request sent as written (no client-side normalisation of '..' or %2e)."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def _hashed_static(name: str) -> str:
    manifest = json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())
    return manifest["paths"][name]


def test_static_files_are_read_by_nginx_compressed_and_kept_a_year():
    # Nothing listens upstream: whatever answers is nginx alone.
    with Nginx(f"127.0.0.1:{free_port()}", static_root=settings.STATIC_ROOT) as proxy:
        path = "/static/" + _hashed_static("maps/maps.css")
        on_disk = (Path(settings.STATIC_ROOT) / path.removeprefix("/static/")).read_bytes()
        status, headers, body = _get(proxy.url, path)
        assert status == 200 and body == on_disk
        assert "immutable" in headers["Cache-Control"]
        assert "max-age=31536000" in headers["Cache-Control"]
        assert headers["Content-Type"].startswith("text/css")
        status, zipped, body = _get(proxy.url, path, {"Accept-Encoding": "gzip"})
        assert status == 200 and zipped["Content-Encoding"] == "gzip"
        assert len(body) < len(on_disk) and "Accept-Encoding" in zipped["Vary"]
        status, _, body = _get(proxy.url, path, {"If-None-Match": headers["ETag"]})
        assert status == 304 and body == b""
        # The proxied part really has no upstream: a page is a 502, not served.
        assert _get(proxy.url, "/api/v1/categories/")[0] == 502


@pytest.fixture
def disk():
    """A MEDIA_ROOT with a photo, and claim documents both beside it (the default layout:
    private-media/ next to media/) and inside it (a careless CLAIM_DOCUMENTS_ROOT).
    Readable by all, as a server's MEDIA_ROOT (nginx's own user reads it in production).
    Nothing here relies on file permissions: a document is refused by the configuration."""
    root = Path(tempfile.mkdtemp(prefix="sn-media-"))
    root.chmod(0o755)
    yield _files(root)
    shutil.rmtree(root, ignore_errors=True)


def _files(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    (media / "photos" / "ab").mkdir(parents=True)
    (media / "photos" / "ab" / "shop.webp").write_bytes(b"RIFF-photo-bytes")
    for folder in (tmp_path / "private-media" / "claims", media / "claims"):
        folder.mkdir(parents=True)
        (folder / "kbis.pdf").write_bytes(b"%PDF-secret-kbis")
    return media


@pytest.fixture
def live_server_url(committed_db, site_url):
    # Committed rows are visible to the server thread's own connection.
    return site_url.removeprefix("http://")


# gunicorn (another process) reads the territory committed at session start.
@pytest.mark.django_db
def test_nginx_serves_photos_and_never_a_claim_document(django_db_setup, committed_db, disk):
    # The real gunicorn behind (not the test live server, whose own media handler differs),
    # with the same MEDIA_ROOT as nginx, as in production.
    with (
        Gunicorn(workers=1, MEDIA_ROOT=str(disk)) as gunicorn,
        Nginx(f"127.0.0.1:{gunicorn.port}", media_root=disk) as proxy,
    ):
        status, headers, body = _get(proxy.url, "/media/photos/ab/shop.webp")
        assert status == 200 and body == b"RIFF-photo-bytes"
        assert "immutable" in headers["Cache-Control"]
        time.sleep(1.3)  # the access log is flushed every second
        assert ("FILE", "/media/photos/ab/shop.webp") in proxy.cache_log()  # nginx read it
        for path in [
            "/media/claims/kbis.pdf",
            "/private-media/claims/kbis.pdf",
            "/media/../private-media/claims/kbis.pdf",
            "/media/photos/../claims/kbis.pdf",
            "/media/photos/../../private-media/claims/kbis.pdf",
            "/media/photos/%2e%2e/claims/kbis.pdf",
            "/media/photos/%2e%2e/%2e%2e/private-media/claims/kbis.pdf",
            "/media/photos//..//claims/kbis.pdf",
        ]:
            status, _, body = _get(proxy.url, path)
            assert status in (400, 404), path  # 400: Django refuses a path out of MEDIA_ROOT
            assert b"secret" not in body, path


def _connections_to(port: int) -> set[int]:
    """Local ports of the TCP sockets (any state, TIME_WAIT included) whose peer is
    127.0.0.1:``port``: the connections opened to that server lately."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote = line.split()[1:3]
        if remote == f"0100007F:{port:04X}":
            found.add(int(local.split(":")[1], 16))
    return found


@pytest.mark.django_db
def test_nginx_keeps_its_connection_to_gunicorn_open(django_db_setup, committed_db):
    with (
        Gunicorn(workers=1) as gunicorn,
        Nginx(f"127.0.0.1:{gunicorn.port}", private_cookies=private_cookies()) as proxy,
    ):
        before = _connections_to(gunicorn.port)
        for index in range(12):  # distinct URLs: each one a miss, sent to gunicorn
            status, headers, _ = _get(proxy.url, f"/api/v1/communes/?q=sa{index}")
            assert status == 200 and headers["X-Cache-Status"] == "MISS"
        opened = _connections_to(gunicorn.port) - before
        # One connection reused (keepalive + HTTP/1.1 + no "Connection: close"), not 12.
        assert 1 <= len(opened) <= 2, opened


def _concurrent(url_base: str, path: str, count: int) -> list[tuple[float, int, bytes]]:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def one(index):
        barrier.wait()
        start = time.monotonic()
        status, _, body = _get(url_base, path)
        results[index] = (time.monotonic() - start, status, body)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db
def test_concurrent_cold_requests_share_one_upstream_answer_without_half_a_second_wait(
    live_server_url,
):
    with Nginx(live_server_url, private_cookies=private_cookies()) as proxy:
        path = "/api/v1/communes/?q=saint"
        assert _get("http://" + live_server_url, path)[0] == 200  # Django warm, nginx cold
        results = _concurrent(proxy.url, path, 6)
        time.sleep(1.3)  # the access log is flushed every second
        statuses = [status for status, uri in proxy.cache_log() if uri == path]
        assert {r[1] for r in results} == {200}
        assert len({r[2] for r in results}) == 1
        # One request went to Django; the others waited for its answer...
        assert sorted(statuses) == ["HIT"] * 5 + ["MISS"], statuses
        # ... for less than nginx's 500 ms lock poll (proxy_cache_lock_timeout).
        assert max(r[0] for r in results) < 0.45, [round(r[0], 3) for r in results]
