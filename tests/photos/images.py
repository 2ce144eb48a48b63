"""Real-world image files made by Pillow in the tests (no binary fixtures in the repo)."""

import io

from PIL import ExifTags, Image, ImageDraw

# Where the "merchant's home" is: what must never leave the upload.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (43.0, 17.0, 47.88),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (5.0, 22.0, 39.36),
}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="43,17.798N" exif:GPSLongitude="5,22.656E"/></rdf:RDF></x:xmpmeta>'
)
RED, BLUE = (200, 30, 30), (30, 30, 200)


def phone_jpeg(size=(4000, 3000), orientation=6) -> bytes:
    """A phone photo as a phone writes it: landscape pixels (left half red, right half
    blue) with EXIF Orientation 6 ("rotate 90° clockwise to display"), camera make and
    model, a GPS position, and the same position in XMP."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    ImageDraw.Draw(image).ellipse((100, 100, 900, 900), fill=(240, 200, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif, xmp=XMP)
    return out.getvalue()


def png(size=(1200, 800), alpha=True) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (20, 120, 60, 255))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2, size[1] // 2), fill=(0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def small_jpeg(color=(120, 80, 40), size=(640, 480)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    ImageDraw.Draw(image).line((0, 0, *size), fill=(255, 255, 255), width=9)
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">'
    b'<script>alert(document.cookie)</script><rect width="800" height="600" fill="red"/></svg>'
)


def has_metadata(data: bytes) -> list[str]:
    """What in a stored file could carry personal data (EXIF, GPS, XMP, comments)."""
    found = []
    image = Image.open(io.BytesIO(data))
    if len(image.getexif()):
        found.append(f"EXIF {dict(image.getexif())}")
    for key in ("exif", "xmp", "comment", "XML:com.adobe.xmp"):
        if image.info.get(key):
            found.append(key)
    for marker in (b"Exif", b"GPS", b"XMP ", b"xmpmeta", b"iPhone", b"Apple"):
        if marker in data:
            found.append(repr(marker))
    return found
