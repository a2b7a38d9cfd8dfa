"""What every page channel shares: safe redirects, form bodies, session cookies, staff look-ups.

Channels (resident, staff, field, public, ops) never import each other; what two of them need
lives here or in the other modules of ``app.routes.shared``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from app.composition.runtime import Runtime
from app.config import Environment
from app.identity.models import Person
from app.identity.sessions import SESSION_COOKIE
from app.routes.shared.timeline import state_label

FormBody = Body(media_type=RequestEncodingType.URL_ENCODED)

# A form with a file (``enctype="multipart/form-data"``): its Struct declares the file
# ``UploadFile | None = None`` (a browser sends an empty part when none was chosen).
UploadBody = Body(media_type=RequestEncodingType.MULTI_PART)

Repeated = list[str] | str
"""A form field that may come several times (checkboxes). Litestar's URL-encoded reader gives a
list only when the name came twice or more and a bare string when it came once, so a plain
``list[str]`` field would answer one ticked box with a 400; read it through ``repeated``."""


def repeated(value: Repeated) -> list[str]:
    """The values of a ``Repeated`` field, as a list however many were sent."""
    return [value] if isinstance(value, str) else value


def safe_next(target: str) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our name.

    A path (with its query) on this site is kept; anything a browser could read as another
    site is replaced by ``/me``: ``//host``, a scheme, a backslash, and any whitespace or
    control character, which browsers drop from a URL (``/`` tab ``/host`` is ``//host`` to
    them).
    """
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not any(c.isspace() for c in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return "/me"


def session_cookie(token: str, runtime: Runtime, *, clear: bool = False) -> Cookie:
    """The session cookie carrying ``token`` (or clearing it); residents and staff share it."""
    return Cookie(
        key=SESSION_COOKIE,
        value="" if clear else token,
        max_age=0 if clear else runtime.settings.session_absolute_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.env is Environment.PRODUCTION,
        path="/",
    )


async def start_session(
    request: Request[Any, Any, Any], runtime: Runtime, person: Person
) -> Cookie:
    """Start a fresh session for ``person`` (whatever the sign-in method); the cookie to set."""
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await runtime.sessions.end(old)  # never carry a pre-sign-in session over
    token = await runtime.sessions.create(
        person.id, epoch=person.session_epoch, device=request.headers.get("user-agent", "")
    )
    return session_cookie(token, runtime)


# Steps of a sign-in and pages showing a TOTP secret or an initial password stay out of
# browser and proxy caches.
NO_STORE = {"Cache-Control": "no-store"}


VISITS = "/staff/visits"


def assist_page(name: str, status: int = 200, **context: Any) -> Template:
    """A page of the assisted service (tablet and staff desks): no caching, labels in words."""
    return Template(
        template_name=f"assist/{name}.html",
        context={"errors": {}, "message": None, "state_label": state_label, **context},
        status_code=status,
        headers=NO_STORE,
    )
