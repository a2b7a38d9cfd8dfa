"""The last route: any path no other route matches answers the localized 404 page."""

from __future__ import annotations

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath


@get("/{unknown:path}", opt={"access": "public"}, include_in_schema=False, name="not-found")
async def not_found_page(unknown: FromPath[str]) -> None:
    """Every unknown GET path, routed on purpose so the error page gets the full middleware stack.

    Unmatched requests skip route middleware in Litestar, so the 404 page would have no CSRF
    cookie and its big-font switch would answer 403. Known routes always match first.
    """
    raise NotFoundException
