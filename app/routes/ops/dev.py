"""Developer tools, present only outside production."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from app import errors
from app.composition.runtime import Runtime
from app.platforms.sms import DevOutbox
from app.web.access import Access


@get("/dev/sms-outbox", opt={"access": Access.DEVELOPMENT}, include_in_schema=False)
async def sms_outbox(runtime: NamedDependency[Runtime]) -> Template:
    """The sign-in codes the developer outbox kept instead of sending."""
    if not isinstance(runtime.sms, DevOutbox):
        raise errors.NotFound  # a real gateway is configured: nothing is kept here
    return Template(
        template_name="dev/sms_outbox.html",
        context={"tab": "me", "messages": await runtime.sms.recent()},
    )
