"""The staff desks: sign-in, window (受理), review (审批), supervision (电子监察), administration,
visit dispatch and the checks of assisted service. Made for a desk.

Errors render as pages; ``staff`` is the signed-in member of staff.
"""

from __future__ import annotations

from litestar.di import Provide

from app.routes.staff.admin import StaffAdminController
from app.routes.staff.benefit_disputes import BenefitDisputeController
from app.routes.staff.cases import ReviewController, SupervisionController, WindowController
from app.routes.staff.guardianships import StaffGuardianshipController
from app.routes.staff.in_person_checks import InPersonCheckController
from app.routes.staff.sign_in import StaffSignInController
from app.routes.staff.visit_dispatch import DispatchController
from app.routes.staff.visit_requests import StaffVisitRequestController
from app.routes.staff.visit_schedule import VisitScheduleController
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
            StaffSignInController,
            StaffAdminController,
            WindowController,
            ReviewController,
            SupervisionController,
            StaffVisitRequestController,
            DispatchController,
            StaffGuardianshipController,
            InPersonCheckController,
            BenefitDisputeController,
            VisitScheduleController,
        ],
        guards=[enforce_access, read_forms_strictly],
        exception_handlers={Exception: handle_page_exception},
        dependencies={"staff": Provide(current_staff)},
    )
