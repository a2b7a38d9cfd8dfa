"""The channel routers: built anew for every app, so Litestar's copy of them is pure cost."""

from __future__ import annotations

from typing import Any, Self

from litestar import Router


class ChannelRouter(Router):
    """A :class:`~litestar.Router` that ``create_app`` builds for one app only.

    Litestar deep-copies a router when it is registered, so that one router object can be
    registered on several apps (or twice on one) without sharing state. Ours are made by
    each channel's ``create_router()`` for the app being built and registered once, so the
    copy protects nothing: it was 40 % of ``create_app`` (0.46 s, measured with cProfile),
    which the test suite pays once a test. Registering one of these twice would share it,
    which is why every channel builds its router in a function, never at import time.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self
