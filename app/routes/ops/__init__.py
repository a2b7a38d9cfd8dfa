"""Operations: liveness and readiness for the load balancer (JSON), and developer tools such as
the SMS outbox and the WeChat and Alipay stand-ins (absent in production).
"""

from __future__ import annotations

from app.routes.ops import standins
from app.routes.ops.dev import sms_outbox
from app.routes.ops.health import healthz, readyz
from app.web.access import enforce_access
from app.web.problems import handle_exception
from app.web.requests import read_forms_strictly
from app.web.routers import ChannelRouter


def create_router() -> ChannelRouter:
    """This channel's routes, with its guard, its error rendering and its current principal."""
    return ChannelRouter(
        path="/",
        route_handlers=[
            healthz,
            readyz,
            sms_outbox,
            *standins.route_handlers,
        ],
        guards=[enforce_access, read_forms_strictly],
        exception_handlers={Exception: handle_exception},
    )
