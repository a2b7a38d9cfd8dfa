"""Making an uploaded material safe to keep: images re-encoded without metadata, PDFs checked.

Images are never stored as sent: their header dimensions are checked before decoding (so a
decompression bomb is refused cheaply, against a limit below Pillow's own), they are decoded,
rotated as their EXIF says, and re-encoded (JPEG or PNG) with no EXIF, GPS or other
metadata. A PDF is kept as sent when it starts like one; anything else is refused.
"""

from __future__ import annotations

import io
from typing import NoReturn

import msgspec
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import RuleViolation
from app.i18n import N_

EMPTY = N_("The file is empty.")
TOO_BIG = N_("The file is too large. Upload a smaller scan or photo.")
TOO_MANY_PIXELS = N_("The image has too many pixels. Upload a smaller photo.")
UNSUPPORTED = N_("Upload a photo (JPEG or PNG) or a PDF document.")
UNREADABLE = N_("The file cannot be read. Please upload it again.")

_IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


class CleanFile(msgspec.Struct, frozen=True, kw_only=True):
    """What is stored: the bytes, their type and the extension to show."""

    data: bytes
    content_type: str
    extension: str


def clean_upload(data: bytes, *, max_bytes: int, max_pixels: int, field: str) -> CleanFile:
    """The file to store for ``data``, or ``RuleViolation`` naming ``field``."""
    if not data:
        _refuse(field, EMPTY)
    if len(data) > max_bytes:
        _refuse(field, TOO_BIG)
    if data.startswith(b"%PDF-"):
        return CleanFile(data=data, content_type="application/pdf", extension="pdf")
    return _clean_image(data, max_pixels=max_pixels, field=field)


def _clean_image(data: bytes, *, max_pixels: int, field: str) -> CleanFile:
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            kind = probe.format or ""
            width, height = probe.size
    except Image.DecompressionBombError:  # Pillow's own limit, checked at open from the header
        _refuse(field, TOO_MANY_PIXELS)
    except (UnidentifiedImageError, OSError):
        _refuse(field, UNSUPPORTED)
    if kind not in _IMAGE_FORMATS:
        _refuse(field, UNSUPPORTED)
    if width * height > max_pixels:
        _refuse(field, TOO_MANY_PIXELS)
    # No warnings.catch_warnings() here: it is not thread-safe and cleaning runs in threads.
    # The header's size was checked against ``max_pixels`` just above, before any decoding.
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        _refuse(field, TOO_MANY_PIXELS)
    except (OSError, ValueError, SyntaxError):
        _refuse(field, UNREADABLE)
    return _encode(upright, kind)


def _encode(image: Image.Image, kind: str) -> CleanFile:
    content_type, extension = _IMAGE_FORMATS[kind]
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        # No metadata chunks are copied: Pillow writes only what is passed here.
        image.save(out, "PNG", optimize=True)
    return CleanFile(data=out.getvalue(), content_type=content_type, extension=extension)


def _refuse(field: str, message: str) -> NoReturn:
    raise RuleViolation(message, fields={field: message})
