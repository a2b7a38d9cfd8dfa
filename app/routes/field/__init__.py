"""The field tablet (上门办 / 帮代办): today's visits, authorizations and acting for a resident,
working offline with its service worker. Errors render as pages; ``staff`` is the worker.
"""

from __future__ import annotations

from litestar.di import Provide

from app.routes.field.confirm import FieldConfirmationController
from app.routes.field.drafts import FieldDraftController
from app.routes.field.visits import FieldVisitController, tablet_service_worker
from app.web.access import enforce_access
from app.web.problems import handle_page_exception
from app.web.requests import read_forms_strictly
from app.web.routers import ChannelRouter
from app.web.subjects import current_staff


def create_router() -> ChannelRouter:
    """This channel's routes, with its guard, its error rendering and its current principal."""
    return ChannelRouter(
        path="/",
        route_handlers=[
            FieldVisitController,
            tablet_service_worker,
            FieldDraftController,
            FieldConfirmationController,
        ],
        guards=[enforce_access, read_forms_strictly],
        exception_handlers={Exception: handle_page_exception},
        dependencies={"staff": Provide(current_staff)},
    )
