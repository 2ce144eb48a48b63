"""import_sirene_download against a local server speaking files.data.gouv.fr's way:
gzip files in the géo-SIRENE column format, HTTP Range honoured (resumable downloads)."""

import gzip
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from geo_directory.businesses.models import Business
from geo_directory.import_runs.models import ImportRun

from . import sirene_rows as sr

pytestmark = pytest.mark.django_db


class GeoSireneServer:
    """Serves ``/dep/<name>`` from ``files``; the first ``cut_first`` answers stop after
    ``cut_at`` bytes (a dropped connection). Keeps the Range header of every request."""

    def __init__(self, files, cut_first: int = 0, cut_at: int = 0, honour_range: bool = True):
        self.files, self.cut_left, self.cut_at, self.ranges = files, cut_first, cut_at, []
        self.honour_range = honour_range
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.removeprefix("/dep/")
                body = server.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                wanted = self.headers.get("Range")
                server.ranges.append(wanted)
                start = 0
                if wanted and server.honour_range:
                    start = int(wanted.removeprefix("bytes=").split("-")[0])
                    if start >= len(body):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                if server.cut_left:
                    server.cut_left -= 1
                    self.wfile.write(body[start : start + server.cut_at])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body[start:])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/dep/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def geo_siret_gz(tmp_path) -> bytes:
    rows = [
        sr.row(
            9100 + i,
            name=f"BOULANGERIE DU VIEUX PORT {i}",
            commune="13055",
            postcode="13002",
            geo=(5.3698 + i / 1000, 43.2965),
        )
        for i in range(40)
    ]
    rows.append(sr.row(9199, name="ANCIENNE BOULANGERIE", etat="F", geo=(5.37, 43.30)))
    csv_bytes = sr.write(tmp_path / "source.csv", rows, geo=True).read_bytes()
    return gzip.compress(csv_bytes, mtime=0)


def test_download_resumes_with_range_then_imports_and_records_the_sha256(tmp_path, settings):
    body = geo_siret_gz(tmp_path)
    assert len(body) > 1000
    target = tmp_path / "downloads"
    with GeoSireneServer({"geo_siret_13.csv.gz": body}, cut_first=1, cut_at=600) as server:
        settings.SIRENE_GEO_BASE_URL = server.url
        with pytest.raises(CommandError, match="non importé"):
            call_command("import_sirene_download", "13", "--dir", str(target), "--no-progress")
        part = target / "geo_siret_13.csv.gz.part"
        assert part.stat().st_size == 600
        assert not Business.objects.filter(source="sirene", name__contains="VIEUX PORT").exists()

        call_command("import_sirene_download", "13", "--dir", str(target), "--no-progress")

        assert server.ranges == [None, "bytes=600-"]  # the rest only
        assert (target / "geo_siret_13.csv.gz").read_bytes() == body
        sha256 = hashlib.sha256(body).hexdigest()
        run = ImportRun.objects.get(file_name=str(target / "geo_siret_13.csv"))
        assert (run.source_url, run.download_sha256, run.created, run.status) == (
            f"{server.url}geo_siret_13.csv.gz",
            sha256,
            40,
            "succeeded",
        )
        baker = Business.objects.get(source="sirene", name="BOULANGERIE DU VIEUX PORT 0")
        assert (baker.category.slug, baker.commune_id, baker.status) == (
            "boulangerie",
            "13055",
            "published",
        )

        # A later run reuses the complete file: nothing downloaded, nothing added.
        call_command("import_sirene_download", "13", "--dir", str(target), "--no-progress")
        assert len(server.ranges) == 2
        assert Business.objects.filter(source="sirene", name__contains="VIEUX PORT").count() == 40


def test_a_server_ignoring_range_restarts_and_unknown_departements_are_refused(tmp_path, settings):
    body = geo_siret_gz(tmp_path)
    target = tmp_path / "downloads"
    target.mkdir()
    # A stale part, say of an older file: a server answering 200 replaces it.
    (target / "geo_siret_84.csv.gz.part").write_bytes(b"\x1f\x8b old bytes")

    with GeoSireneServer({"geo_siret_84.csv.gz": body}, honour_range=False) as server:
        settings.SIRENE_GEO_BASE_URL = server.url
        call_command("import_sirene_download", "84", "--dir", str(target), "--no-progress")
    assert server.ranges == ["bytes=12-"]
    assert (target / "geo_siret_84.csv.gz").read_bytes() == body
    run = ImportRun.objects.get(file_name=str(target / "geo_siret_84.csv"))
    assert run.download_sha256 == hashlib.sha256(body).hexdigest() and run.created == 40
    with pytest.raises(CommandError, match="hors de la région"):
        call_command("import_sirene_download", "75", "--no-progress")
