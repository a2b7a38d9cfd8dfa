"""The resident and enterprise channel: the mobile web app (the five tabs, 我的, applying, wallet).

Pages render errors as pages (``handle_page_exception``; a submitted draft's pages lead to its
application, ``app.routes.resident.errors``); ``person`` is the signed-in resident on routes
whose access level requires one.
"""

from __future__ import annotations

from litestar.di import Provide

from app.routes.resident.account import AccountController
from app.routes.resident.applications import ApplicationController
from app.routes.resident.authorizations import AuthorizationController
from app.routes.resident.benefits import BenefitController
from app.routes.resident.connected_apps import ConnectedAppsController
from app.routes.resident.data_use import DataUseController
from app.routes.resident.draft_form import DraftFormController
from app.routes.resident.drafts import DraftController
from app.routes.resident.enterprises import EnterpriseController
from app.routes.resident.errors import handle_resident_exception
from app.routes.resident.license_import import LicenseImportController
from app.routes.resident.notice_preferences import NoticePreferenceController
from app.routes.resident.notices import NoticeController
from app.routes.resident.passkeys import PasskeyController
from app.routes.resident.real_name import RealNameController
from app.routes.resident.relatives import RelativeController
from app.routes.resident.shell import ShellController
from app.routes.resident.sign_in import SignInController
from app.routes.resident.spaces import SpacesController
from app.routes.resident.visit_requests import VisitRequestController
from app.routes.resident.wallet import WalletController
from app.routes.shared.badge import count_unread
from app.web.access import enforce_access
from app.web.requests import read_forms_strictly
from app.web.routers import ChannelRouter
from app.web.subjects import current_person


def create_router() -> ChannelRouter:
    """This channel's routes, with its guard, its error rendering and its current principal."""
    return ChannelRouter(
        path="/",
        route_handlers=[
            ShellController,
            SignInController,
            AccountController,
            NoticePreferenceController,
            RealNameController,
            ConnectedAppsController,
            DataUseController,
            AuthorizationController,
            VisitRequestController,
            RelativeController,
            EnterpriseController,
            PasskeyController,
            DraftController,
            DraftFormController,
            WalletController,
            SpacesController,
            LicenseImportController,
            BenefitController,
            ApplicationController,
            NoticeController,
        ],
        guards=[enforce_access, read_forms_strictly],
        exception_handlers={Exception: handle_resident_exception},
        dependencies={"person": Provide(current_person)},
        before_request=count_unread,
    )
