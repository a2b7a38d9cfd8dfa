"""Several people on one test client: a cookie jar each, and form posts with the CSRF token."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import csrf_token

Client = AsyncTestClient[Litestar]


class Jars:
    """Separate cookie jars (resident, worker, supervisor …) on one test client, switched as
    needed."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.saved: dict[str, dict[str, str]] = {}

    def keep(self, who: str) -> None:
        self.saved[who] = dict(self.client.cookies)

    def be(self, who: str) -> None:
        self.client.cookies.clear()
        self.client.cookies.update(self.saved.get(who, {}))


async def post_form(client: Client, url: str, **data: Any) -> Any:
    """POST ``data`` as a form with the current jar's CSRF token; redirects not followed."""
    return await client.post(url, data={"_csrf_token": await csrf_token(client), **data},
                             follow_redirects=False)  # fmt: skip
