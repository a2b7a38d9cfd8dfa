"""The HTTP anchor: a bare Litestar app whose one route returns ``{"ok": true}``.

Served by the same server, with the same flags, as the app under test, so the
ratio app/anchor cancels out most of the machine's speed and noise.
"""

from __future__ import annotations

from litestar import Litestar, get


@get("/", sync_to_thread=False)
def ok() -> dict[str, bool]:
    """The cheapest useful Litestar response: a tiny JSON object."""
    return {"ok": True}


def create_app() -> Litestar:
    """Application factory, served like ``app.main:create_app`` (``--factory``)."""
    return Litestar(route_handlers=[ok])


app = create_app()
