"""The JSON API for the WeChat and Alipay mini-programs, under ``/mp/v1``.

camelCase, msgspec Structs, RFC 9457 problem details, backward-compatible evolution only:
new fields get defaults, published fields are never renamed or retyped.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec
from litestar import get
from litestar.params import FromQuery

from app import i18n
from app.miniprogram_api.accounts import BoundAccountApi
from app.miniprogram_api.application_actions import ApplicationActionApi
from app.miniprogram_api.application_history import ApplicationHistoryApi
from app.miniprogram_api.applications import ApplicationApi
from app.miniprogram_api.auth import AuthController, me, sign_out_everywhere
from app.miniprogram_api.authorizations import ActingForApi, GivenAuthorizationApi
from app.miniprogram_api.benefits import BenefitApi
from app.miniprogram_api.catalog import CatalogApi
from app.miniprogram_api.connected_apps import ConnectedAppApi
from app.miniprogram_api.contract import document_router
from app.miniprogram_api.draft_extras import DraftExtraApi
from app.miniprogram_api.draft_materials import DraftMaterialApi
from app.miniprogram_api.drafts import DraftApi
from app.miniprogram_api.enterprise_space import EnterpriseSpaceApi
from app.miniprogram_api.enterprises import EnterpriseApi
from app.miniprogram_api.license_import import LicenseImportApi
from app.miniprogram_api.my_data import MyDataApi
from app.miniprogram_api.notices import NoticeApi, NoticePreferenceApi
from app.miniprogram_api.real_name import RealNameApi
from app.miniprogram_api.reveal import RevealApi
from app.miniprogram_api.visit_requests import VisitRequestApi
from app.miniprogram_api.wallet import LicenseApi
from app.web.access import enforce_access
from app.web.navigation import Tab, tab_bar
from app.web.problems import handle_api_exception
from app.web.requests import read_forms_strictly
from app.web.routers import ChannelRouter


class Platform(StrEnum):
    """Which mini-program is asking."""

    WECHAT = "wechat"
    ALIPAY = "alipay"


class AppConfig(msgspec.Struct, kw_only=True, rename="camel"):
    """What a mini-program needs before its first screen."""

    platform: Platform
    locale: str
    supported_locales: list[str]
    tabs: list[Tab]
    api_version: str = "1"


@get("/app-config", opt={"access": "public"}, tags=["mini-program"])
async def app_config(platform: FromQuery[Platform]) -> AppConfig:
    """Start-up configuration for a mini-program: language and tab bar."""
    return AppConfig(
        platform=platform,
        locale=i18n.current_locale(),
        supported_locales=list(i18n.SUPPORTED_LOCALES),
        tabs=tab_bar(),
    )


def create_router() -> ChannelRouter:
    """The ``/mp/v1`` router: the access guard, problem details for every error."""
    router = ChannelRouter(
        path="/mp/v1",
        guards=[enforce_access, read_forms_strictly],
        exception_handlers={Exception: handle_api_exception},
        route_handlers=[
            app_config,
            AuthController,
            sign_out_everywhere,
            me,
            RealNameApi,
            RevealApi,
            EnterpriseApi,
            EnterpriseSpaceApi,
            CatalogApi,
            DraftApi,
            DraftMaterialApi,
            DraftExtraApi,
            ApplicationApi,
            ApplicationActionApi,
            ApplicationHistoryApi,
            NoticeApi,
            NoticePreferenceApi,
            VisitRequestApi,
            GivenAuthorizationApi,
            ActingForApi,
            LicenseApi,
            LicenseImportApi,
            BenefitApi,
            MyDataApi,
            BoundAccountApi,
            ConnectedAppApi,
        ],
    )
    # Every operation answers its errors in one format (app/web/problems.py), has a summary,
    # a description and its security in the document (app/miniprogram_api/contract.py), so
    # that clients and the fuzzer (tests/integration/miniprogram_api/test_fuzz_openapi.py)
    # know each status and its body. A handler's own settings win.
    document_router(router)
    return router
