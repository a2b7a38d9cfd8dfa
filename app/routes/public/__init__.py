"""What anyone may open without signing in: the guide (办事指南), the verifier of QR cards and
its keys, the OpenID provider, the SMS gateway's receipts, and the last-resort 404 page.

Its pages and its JSON endpoints share the router, so errors follow the path and ``Accept``.
"""

from __future__ import annotations

from app.routes.public.guide import GuideController
from app.routes.public.not_found import not_found_page
from app.routes.public.oidc import OidcController
from app.routes.public.sms_receipts import sms_receipt
from app.routes.public.verify import license_jwks, verify_json, verify_page
from app.routes.shared.badge import count_unread
from app.web.access import enforce_access
from app.web.problems import handle_exception
from app.web.requests import read_forms_strictly
from app.web.routers import ChannelRouter


def create_router() -> ChannelRouter:
    """This channel's routes, with its guard, its error rendering and its current principal."""
    return ChannelRouter(
        path="/",
        route_handlers=[
            GuideController,
            OidcController,
            license_jwks,
            verify_page,
            verify_json,
            sms_receipt,
            not_found_page,
        ],
        guards=[enforce_access, read_forms_strictly],
        exception_handlers={Exception: handle_exception},
        before_request=count_unread,
    )
