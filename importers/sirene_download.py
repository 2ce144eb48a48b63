"""The official géo-SIRENE files of the region's départements, downloaded then imported.

Etalab publishes the SIRENE establishments geocoded, one gzip CSV a département:
``<base>/geo_siret_<dep>.csv.gz`` (base: ``settings.SIRENE_GEO_BASE_URL``, default
``DEFAULT_BASE_URL``). A download is resumable: the bytes are written to
``<file>.part`` and a later run asks only for the rest (HTTP ``Range``); a server that
answers the whole file again (200) is read from the start. A complete ``.gz`` already
there is reused. Each file is checked (gzip read to the end), unpacked to ``.csv`` and
imported by the SIRENE importer (``importers.sirene``); the run's journal records the
URL and the sha256 of the downloaded file.

No ``--full-refresh``: each file is one département, not the whole SIRENE source, so
« absent from the file » would close the other départements' listings.
"""

from __future__ import annotations

import gzip
import http.client
import shutil
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from tqdm import tqdm

from .errors import ImportReport, SourceError
from .pipeline import sha256_of
from .sirene import import_sirene

DEFAULT_BASE_URL = "https://files.data.gouv.fr/geo-sirene/last/dep/"
DEPARTEMENTS = ("04", "05", "06", "13", "83", "84")
CHUNK = 1 << 20
TIMEOUT = 60  # seconds without a byte before giving up (the next run resumes)


@dataclass
class Downloaded:
    url: str
    path: Path  # the complete .gz
    sha256: str
    size: int
    resumed_from: int  # bytes already there when this run started (0: from scratch)
    reused: bool = False  # complete from an earlier run: not downloaded again


def base_url() -> str:
    base = getattr(settings, "SIRENE_GEO_BASE_URL", "") or DEFAULT_BASE_URL
    return base if base.endswith("/") else base + "/"


def file_url(departement: str, base: str | None = None) -> str:
    return f"{base or base_url()}geo_siret_{departement}.csv.gz"


def download(url: str, target: Path, progress: bool = False) -> Downloaded:
    """``url`` into ``target``, resuming ``target.part``; SourceError when it fails (the
    bytes received are kept for the next run)."""
    target = Path(target)
    if target.is_file():
        digest, size = sha256_of(target)
        return Downloaded(url, target, digest, size, 0, reused=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    offset = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": "sauvons-noel-import/1.0", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)  # noqa: S310 (http/https setting)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # nothing after what we have: the part is whole
            part.replace(target)
            return download(url, target, progress)
        raise SourceError(f"{url} : le serveur répond HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SourceError(f"{url} : téléchargement impossible (serveur injoignable)") from exc
    with response:
        resumed_from = offset
        if response.status == 206:
            start = _range_start(response.headers.get("Content-Range", ""))
            if start != offset:
                raise SourceError(f"{url} : le serveur a repris à l’octet {start}, pas {offset}")
        else:  # 200: the whole file (the server ignores Range): start again
            offset = resumed_from = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        bar = tqdm(
            total=total,
            initial=offset,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=not progress,
            desc=target.name,
        )
        try:
            with part.open("ab" if offset else "wb") as handle:
                while chunk := response.read(CHUNK):
                    handle.write(chunk)
                    bar.update(len(chunk))
        except (OSError, http.client.HTTPException) as exc:  # reset, timeout, cut short
            raise SourceError(
                f"{url} : téléchargement interrompu à {part.stat().st_size} octets ;"
                " relancez la commande pour le reprendre"
            ) from exc
        finally:
            bar.close()
    size = part.stat().st_size
    if total is not None and size != total:
        raise SourceError(
            f"{url} : téléchargement interrompu à {size} octets sur {total} ;"
            " relancez la commande pour le reprendre"
        )
    part.replace(target)
    digest, size = sha256_of(target)
    return Downloaded(url, target, digest, size, resumed_from)


def _range_start(content_range: str) -> int | None:
    # « bytes 1000-1999/2000 »
    try:
        return int(content_range.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def unpack(gz: Path) -> Path:
    """``x.csv.gz`` → ``x.csv`` (read to the end: a truncated or corrupt file is refused
    and removed, so that the next run downloads it again)."""
    csv_path = gz.with_suffix("")  # geo_siret_13.csv
    tmp = csv_path.with_name(csv_path.name + ".tmp")
    try:
        with gzip.open(gz, "rb") as source, tmp.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
    except (OSError, EOFError, zlib.error) as exc:
        tmp.unlink(missing_ok=True)
        gz.unlink(missing_ok=True)
        raise SourceError(f"{gz} : fichier gzip incomplet ou corrompu ; supprimé") from exc
    tmp.replace(csv_path)
    return csv_path


def download_and_import(
    departement: str, directory: Path, *, base: str | None = None, progress: bool = False, **options
) -> tuple[Downloaded, ImportReport]:
    """One département's file downloaded (or resumed), unpacked and imported."""
    url = file_url(departement, base)
    got = download(url, Path(directory) / f"geo_siret_{departement}.csv.gz", progress)
    csv_path = unpack(got.path)
    report = import_sirene(
        csv_path, progress=progress, origin={"url": url, "sha256": got.sha256}, **options
    )
    return got, report
