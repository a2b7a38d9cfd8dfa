"""Card images: the QR with the license's look (title, holder, issuer, validity), PNG or SVG.

Pure functions of a ``CardFace`` whose texts are already translated, so they can run in a
worker thread: a PNG takes ~15-20 ms of CPU (measured), so routes call ``render_png`` through
``anyio.to_thread``. The QR is built at error correction M with a fixed mask pattern, which
keeps its version predictable and skips trying all eight masks.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import msgspec
import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

MASK_PATTERN = 2
BRAND = "#0b4f9c"
INK = "#1a1a1a"
MUTED = "#4a4a4a"
WIDTH = 640
QR_BOX = 6  # pixels per module
QR_BORDER = 4  # modules of quiet zone, as the QR standard asks
# Fonts that can draw Chinese, in order of preference; DejaVu draws Latin text only.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


class CardFace(msgspec.Struct, kw_only=True, frozen=True):
    """What a card image shows, already in the reader's language."""

    title: str  # the license type, e.g. 居民户口簿(电子)
    lines: list[tuple[str, str]]  # (label, value): holder, issuer, validity
    footer: str  # e.g. "Scan to verify · this code expires at 10:31:05"
    url: str  # what the QR encodes: {public base}/v/{token}


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules of ``url`` (quiet zone included), version as small as fits."""
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, mask_pattern=MASK_PATTERN, border=QR_BORDER
    )
    # optimize: the base32 token goes in alphanumeric mode, the lower-case prefix in bytes.
    code.add_data(url, optimize=20)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def qr_version(url: str) -> int:
    """The QR version ``url`` needs at error correction M (for tests and the benchmark)."""
    modules = len(qr_matrix(url)) - 2 * QR_BORDER
    return (modules - 17) // 4


def qr_svg(url: str, *, label: str, size: int = 260) -> str:
    """The QR alone as an inline SVG (one path), for the card page."""
    matrix = qr_matrix(url)
    n = len(matrix)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{size}" '
        f'height="{size}" role="img" aria-label="{escape(label, {chr(34): "&quot;"})}" '
        f'shape-rendering="crispEdges"><rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{_path(matrix)}"/></svg>'
    )


def _path(matrix: list[list[bool]]) -> str:
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return "".join(parts)


def render_svg(face: CardFace) -> str:
    """The whole card as a standalone SVG document."""
    matrix = qr_matrix(face.url)
    qr_size = len(matrix) * QR_BOX
    top = 120 + 44 * len(face.lines)
    height = top + qr_size + 60
    x_qr = (WIDTH - qr_size) // 2
    text = [
        f'<text x="32" y="70" font-size="30" fill="#fff">{escape(face.title)}</text>',
        *(
            f'<text x="32" y="{150 + 44 * i}" font-size="20" fill="{MUTED}">{escape(label)}'
            f'<tspan x="200" fill="{INK}">{escape(value)}</tspan></text>'
            for i, (label, value) in enumerate(face.lines)
        ),
        f'<text x="{WIDTH // 2}" y="{height - 24}" font-size="18" fill="{MUTED}" '
        f'text-anchor="middle">{escape(face.footer)}</text>',
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Noto Sans CJK SC, PingFang SC, '
        f'Microsoft YaHei, sans-serif" role="img" aria-label="{escape(face.title)}">'
        f'<rect width="{WIDTH}" height="{height}" rx="16" fill="#fff" stroke="{BRAND}"/>'
        f'<rect width="{WIDTH}" height="104" rx="16" fill="{BRAND}"/>'
        + "".join(text)
        + f'<g transform="translate({x_qr} {top}) scale({QR_BOX})" shape-rendering="crispEdges">'
        f'<path fill="#000" d="{_path(matrix)}"/></g></svg>'
    )


def render_png(face: CardFace) -> bytes:
    """The whole card as a PNG (CPU-bound: call it from a worker thread)."""
    matrix = qr_matrix(face.url)
    qr_size = len(matrix) * QR_BOX
    top = 120 + 44 * len(face.lines)
    height = top + qr_size + 60
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, WIDTH - 1, height - 1), radius=16, outline=BRAND, width=2)
    draw.rounded_rectangle((0, 0, WIDTH - 1, 104), radius=16, fill=BRAND)
    draw.text((32, 46), face.title, font=_font(30), fill="white")
    for i, (label, value) in enumerate(face.lines):
        draw.text((32, 130 + 44 * i), label, font=_font(20), fill=MUTED)
        draw.text((200, 130 + 44 * i), value, font=_font(20), fill=INK)
    qr = Image.new("1", (len(matrix), len(matrix)), 1)
    qr.putdata([0 if dark else 1 for row in matrix for dark in row])
    image.paste(
        qr.resize((qr_size, qr_size), Image.Resampling.NEAREST), ((WIDTH - qr_size) // 2, top)
    )
    draw.text((WIDTH // 2, height - 30), face.footer, font=_font(18), fill=MUTED, anchor="mm")
    out = io.BytesIO()
    # Fast zlib: the image is mostly flat colour, so level 1 is nearly as small and 5x quicker.
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)
