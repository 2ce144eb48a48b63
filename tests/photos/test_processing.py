"""The upload checks and conversion on real files made by Pillow (no database needed)."""

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from geo_directory.photos.processing import (
    LARGEST,
    MAX_BYTES,
    PhotoRejected,
    check_size,
    renditions,
)

from .images import BLUE, PDF, RED, SVG, has_metadata, phone_jpeg, png, small_jpeg

ROOT = Path(__file__).resolve().parents[2]


def close(a, b, tolerance=40):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def test_phone_photo_is_stored_oriented_and_without_any_metadata():
    source = phone_jpeg()
    assert b"GPS" in source and b"xmpmeta" in source  # the upload does carry them
    results = renditions(io.BytesIO(source))
    assert [r.width for r in results] == [320, 800, 1536]
    for rendition in results:
        assert has_metadata(rendition.data) == [], rendition.width
        image = Image.open(io.BytesIO(rendition.data))
        assert image.format == "WEBP"
        # Orientation 6 applied: 4000x3000 landscape pixels shown as a 3:4 portrait whose
        # top half is the file's left half (red) and bottom half its right half (blue).
        assert image.size == (rendition.width, rendition.height)
        assert image.height * 3 == pytest.approx(image.width * 4, abs=4)
        rgb = image.convert("RGB")
        assert close(rgb.getpixel((image.width - 5, 5)), RED)
        assert close(rgb.getpixel((image.width - 5, image.height - 5)), BLUE)
    assert max(results[-1].width, results[-1].height) == LARGEST


def test_png_with_transparency_is_accepted():
    results = renditions(io.BytesIO(png()))
    assert [r.width for r in results] == [320, 800, 1200]
    image = Image.open(io.BytesIO(results[-1].data))
    assert image.mode == "RGBA" and image.getpixel((5, 5))[3] == 0
    assert has_metadata(results[-1].data) == []


def test_phone_jpeg_with_a_second_picture_is_a_jpeg():
    """Recent phones add a depth or gain map as a second picture (Pillow: "MPO"); such
    a 48 MP photo must be accepted, decoded reduced like any JPEG, first picture only."""
    photo = Image.new("RGB", (8000, 6000), RED)
    photo.paste(BLUE, (4000, 0, 8000, 6000))
    out = io.BytesIO()
    photo.save(out, "MPO", save_all=True, append_images=[Image.new("L", (800, 600))])
    del photo
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    results = renditions(io.BytesIO(out.getvalue()))
    assert [(r.width, r.height) for r in results][-1] == (2048, 1536)
    image = Image.open(io.BytesIO(results[-1].data)).convert("RGB")
    assert close(image.getpixel((5, 5)), RED) and close(image.getpixel((2040, 5)), BLUE)


def test_small_image_is_not_enlarged():
    results = renditions(io.BytesIO(small_jpeg(size=(300, 200))))
    assert [(r.width, r.height) for r in results] == [(300, 200)]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(PDF, id="pdf-renamed-jpg"),
        pytest.param(SVG, id="svg"),
        pytest.param(b"GIF89a" + b"\x00" * 200, id="gif-header"),
        pytest.param(b"Bonjour, ceci est un texte.\n" * 20, id="text"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, id="broken-png"),
    ],
)
def test_not_a_photo_is_refused_in_french(data):
    with pytest.raises(PhotoRejected, match="JPEG, PNG et WebP|endommagé"):
        renditions(io.BytesIO(data))


def test_other_real_formats_are_refused():
    for fmt in ("GIF", "BMP", "TIFF"):
        out = io.BytesIO()
        Image.new("RGB", (100, 100)).save(out, fmt)
        with pytest.raises(PhotoRejected, match="JPEG, PNG et WebP"):
            renditions(io.BytesIO(out.getvalue()))


def test_truncated_jpeg_is_refused_not_crashed():
    data = phone_jpeg(size=(1200, 900))
    with pytest.raises(PhotoRejected, match="endommagé"):
        renditions(io.BytesIO(data[: len(data) // 2]))


def test_size_limit_before_decoding():
    with pytest.raises(PhotoRejected, match="10 Mo"):
        check_size(MAX_BYTES + 1)
    with pytest.raises(PhotoRejected, match="vide"):
        check_size(0)
    check_size(MAX_BYTES)


def test_huge_png_is_refused_from_its_header():
    # 6000 x 5000 = 30 MP: a PNG cannot be decoded reduced; refused before any decoding.
    out = io.BytesIO()
    Image.new("L", (6000, 5000)).save(out, "PNG")
    with pytest.raises(PhotoRejected, match="mégapixels"):
        renditions(io.BytesIO(out.getvalue()))


def test_declared_giant_dimensions_are_refused():
    # A tiny PNG whose header claims 100000 x 100000 pixels: the classic bomb.
    out = io.BytesIO()
    Image.new("L", (20_000, 1)).save(out, "PNG")
    with pytest.raises(PhotoRejected, match="Dimensions refusées"):
        renditions(io.BytesIO(out.getvalue()))


# The peak resident memory of a fresh process (VmHWM): getrusage's ru_maxrss would carry
# the parent's peak over exec, and tracemalloc does not see Pillow's own allocations.
PEAK_SCRIPT = textwrap.dedent(
    """
    import sys
    from geo_directory.photos.processing import renditions

    def peak_mb():
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM"))
        return int(line.split()[1]) // 1024

    before = peak_mb()
    with open(sys.argv[1], "rb") as f:
        results = renditions(f)
    print(peak_mb() - before, max(max(r.width, r.height) for r in results))
    """
)


@pytest.fixture(scope="module")
def fifty_megapixels(tmp_path_factory) -> Path:
    """A real 8660 x 5774 (50 MP) camera-sized JPEG, under the 10 MB upload limit."""
    image = Image.new("RGB", (8660, 5774), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, 8660, 400):
        draw.rectangle((x, 0, x + 180, 5774), fill=(220, 180, 60))
    path = tmp_path_factory.mktemp("big") / "fifty.jpg"
    image.save(path, "JPEG", quality=85)
    del image, draw
    assert path.stat().st_size < MAX_BYTES
    return path


def test_fifty_megapixel_jpeg_is_downscaled_within_bounded_memory(fifty_megapixels):
    """Decoded at full size its pixels alone are 200 MB (8660 x 5774 x 4 bytes in Pillow)
    and the conversion peaked at +267 MB; libjpeg's reduced decoding (Image.draft, 1/4
    here) keeps it at about +37 MB."""
    run = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(fifty_megapixels)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    peak_mb, largest = map(int, run.stdout.split())
    print(f"peak memory growth for a 50 MP JPEG: {peak_mb} MB")
    assert largest == LARGEST
    assert peak_mb < 80, f"{peak_mb} MB"


def _sources() -> dict[str, bytes]:
    webp = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(webp, "WEBP", quality=80)
    return {
        "jpeg": phone_jpeg(size=(640, 480)),
        "png": png(size=(320, 240)),
        "webp": webp.getvalue(),
    }


def test_webp_is_accepted():
    results = renditions(io.BytesIO(_sources()["webp"]))
    assert [(r.width, r.height) for r in results] == [(320, 240), (640, 480)]


@pytest.mark.filterwarnings("ignore:Tag data larger than file:UserWarning")
def test_damaged_files_are_refused_never_crash():
    """Real files, truncated or with bytes overwritten anywhere (headers, EXIF, pixel
    data): each is either converted or refused with a French message, never another
    exception (which would be a 500 on the upload page)."""
    import random

    rng = random.Random(20261129)  # fixed: a failure is reproducible
    refused = converted = 0
    for name, data in _sources().items():
        for case in range(60):
            broken = bytearray(data)
            if case % 3 == 0:
                broken = broken[: rng.randrange(1, len(broken))]
            else:
                for _ in range(rng.randint(1, 8)):
                    position = rng.randrange(0, min(len(broken), 600 if case % 3 == 1 else 10**9))
                    broken[position] = rng.randrange(256)
            try:
                renditions(io.BytesIO(bytes(broken)))
            except PhotoRejected as exc:
                assert str(exc)[0].isupper(), (name, case)
                refused += 1
            else:
                converted += 1
    assert refused > 30 and refused + converted == 180
