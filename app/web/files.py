"""Stored files (materials, uploads, evidence) as every channel serves them.

A stored file is what someone uploaded: a PDF may carry JavaScript, an image may be crafted
for a viewer's bug. It is always a download (``attachment``), so the browser never renders it
on our origin; never sniffed into another type; and kept out of every cache, since it holds
personal data. An ``<img>`` of it still shows: the disposition only governs navigation.
"""

from __future__ import annotations

from litestar import Response

_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def stored_file(content: bytes, media_type: str) -> Response[bytes]:
    """``content`` as a download of type ``media_type``, named by its type when it is known."""
    extension = _EXTENSIONS.get(media_type)
    disposition = f'attachment; filename="material.{extension}"' if extension else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            # X-Content-Type-Options: nosniff is on every response (app/web/security_headers.py).
            "Cache-Control": "private, no-store",
        },
    )
