"""Uploaded image → checked, oriented, metadata-free WebP renditions, computed once.

Each step guards against a real file a merchant (or an attacker) may send:

- size first, from the upload's size, before a byte is decoded (``MAX_BYTES``);
- the real type from the content (Pillow's ``Image.open`` restricted to JPEG, PNG and
  WebP, then ``verify``): a PDF renamed ``photo.jpg`` or an SVG is refused;
- dimensions from the header only, before decoding: a 50-megapixel JPEG is decoded at
  1/2, 1/4 or 1/8 of its size by libjpeg itself (``Image.draft``), so its full-size
  pixels are never in memory; PNG and WebP cannot be decoded reduced and are refused
  above ``MAX_PIXELS_FULL_DECODE``. Pillow's own bomb guard (``MAX_IMAGE_PIXELS``)
  stays as a second wall;
- the EXIF orientation is applied to the pixels (``ImageOps.exif_transpose``), then
  nothing of the file's metadata is written back: a phone photo's EXIF carries the GPS
  position where it was taken (often the merchant's home), its XMP may too.

Any decoding failure of a bad file becomes a ``PhotoRejected`` with a French message.
"""

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 12_000
# A JPEG up to this many pixels is accepted: it is decoded reduced (Image.draft).
MAX_PIXELS_JPEG = 64_000_000
# PNG and WebP are decoded at full size: 24 MP in RGBA is ~96 MB, the most we allow.
MAX_PIXELS_FULL_DECODE = 24_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
# Pillow names a JPEG with a second picture (depth map, HDR gain map: most recent phones)
# "MPO"; it is a JPEG all the same, and its first picture is the photo.
JPEG_FORMATS = ("JPEG", "MPO")
WIDTHS = (320, 800, 1600)
# The largest rendition kept: the photo at its size, at most this on its long side.
LARGEST = 2048
WEBP_QUALITY = 82


class PhotoRejected(ValueError):
    """A French message for the merchant."""


@dataclass
class Rendition:
    width: int
    height: int
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}".replace(".", ",")


def check_size(size: int | None) -> None:
    if size is None or size > MAX_BYTES:
        raise PhotoRejected(
            f"Fichier trop lourd : {MAX_BYTES // (1024 * 1024)} Mo au maximum par photo."
        )
    if size == 0:
        raise PhotoRejected("Le fichier est vide.")


_NOT_AN_IMAGE = (
    "Ce fichier n'est pas une photo lisible : seuls les formats JPEG, PNG et WebP sont "
    "acceptés (un PDF, un SVG ou un fichier renommé est refusé)."
)


def _open(stream):
    """Pillow's image restricted to our formats, header read only (nothing decoded)."""
    stream.seek(0)
    with warnings.catch_warnings():
        # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: both refused.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(stream, formats=FORMATS)


def open_checked(stream) -> Image.Image:
    """The opened image once its type, integrity and dimensions are acceptable."""
    try:
        with _open(stream) as probe:
            probe.verify()
        image = _open(stream)
    except (UnidentifiedImageError, SyntaxError) as exc:
        raise PhotoRejected(_NOT_AN_IMAGE) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected("Image trop grande : réduisez-la avant de l'envoyer.") from exc
    except Exception as exc:  # a damaged file may raise anything from a decoder
        logger.info("photo refused on open: %r", exc)
        raise PhotoRejected(
            "Ce fichier image est endommagé ou incomplet : il ne peut pas être lu."
        ) from exc
    width, height = image.size
    pixels = width * height
    if width < 1 or height < 1 or max(width, height) > MAX_SIDE:
        image.close()
        raise PhotoRejected(
            f"Dimensions refusées ({width} × {height} px) : {MAX_SIDE} px au maximum par côté."
        )
    is_jpeg = image.format in JPEG_FORMATS
    limit = MAX_PIXELS_JPEG if is_jpeg else MAX_PIXELS_FULL_DECODE
    if pixels > limit:
        image.close()
        raise PhotoRejected(
            f"Image trop grande ({_megapixels(pixels)} mégapixels) : "
            f"{_megapixels(limit)} mégapixels au maximum"
            + ("." if is_jpeg else " pour un PNG ou un WebP ; envoyez-la en JPEG.")
        )
    return image


def _decode(image: Image.Image) -> Image.Image:
    """The pixels, decoded no larger than needed for LARGEST, oriented, in RGB(A)."""
    width, height = image.size
    if image.format in JPEG_FORMATS and max(width, height) > LARGEST:
        # libjpeg decodes at 1/2, 1/4 or 1/8 directly (the DCT is scaled): the smallest
        # scale still at least LARGEST on the long side. Requested in the file's own
        # orientation, which is what draft() sees.
        ratio = LARGEST / max(width, height)
        image.draft("RGB", (max(1, round(width * ratio)), max(1, round(height * ratio))))
    image.load()
    # In place: without an orientation tag, no copy of the pixels is made.
    ImageOps.exif_transpose(image, in_place=True)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    if image.mode != mode:
        converted = image.convert(mode)
        image.close()
        image = converted
    return image


def _encode(image: Image.Image, icc_profile: bytes | None) -> bytes:
    out = io.BytesIO()
    # Nothing from the source's info dict (EXIF, XMP, comments) is passed on; only the
    # colour profile, without which a wide-gamut phone photo would look washed out.
    image.info = {}
    options = {"quality": WEBP_QUALITY, "method": 4}
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(out, "WEBP", **options)
    return out.getvalue()


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    if max(width, height) <= longest:
        return width, height
    ratio = longest / max(width, height)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def renditions(stream) -> list[Rendition]:
    """The WebP renditions of an uploaded image, smallest first; PhotoRejected if bad."""
    image = open_checked(stream)
    icc_profile = image.info.get("icc_profile")
    try:
        image = _decode(image)
        largest = image.resize(_fit(image.size, LARGEST), Image.Resampling.LANCZOS)
        image.close()
        results = [Rendition(*largest.size, _encode(largest, icc_profile))]
        # Each smaller one from the previous: cheaper than from the largest every time.
        source = largest
        for width in sorted(WIDTHS, reverse=True):
            if width >= source.width:
                continue
            height = max(1, round(source.height * width / source.width))
            smaller = source.resize((width, height), Image.Resampling.LANCZOS)
            results.append(Rendition(width, height, _encode(smaller, icc_profile)))
            if source is not largest:
                source.close()
            source = smaller
        source.close()
        largest.close()
    except PhotoRejected:
        raise
    except Exception as exc:  # truncated data shows up only when the pixels are decoded
        logger.info("photo refused on decode: %r", exc)
        raise PhotoRejected(
            "Ce fichier image est endommagé ou incomplet : il ne peut pas être lu."
        ) from exc
    return sorted(results, key=lambda r: r.width)
