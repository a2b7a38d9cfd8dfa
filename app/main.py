"""The application factory. ``LITESTAR_APP=app.main:create_app``; uvicorn ``--factory``."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from litestar.types import ASGIApp

from app import miniprogram_api
from app.composition.build import create_engine
from app.composition.runtime import Runtime
from app.config import PROJECT_ROOT, Environment, Settings, load_settings
from app.db import database_config
from app.logging import configure_logging
from app.miniprogram_api import contract as mp_contract
from app.routes import field, ops, public, resident, staff
from app.web.access import enforce_access
from app.web.problems import handle_exception
from app.web.requests import (
    BoundedRequest,
    DeclaredBodyLimitMiddleware,
    RequestIdMiddleware,
)
from app.web.security_headers import SecurityHeadersMiddleware
from app.web.shedding import LoadSheddingMiddleware
from app.web.swagger import SwaggerPage
from app.web.templating import LocaleMiddleware, configure_jinja
from app.worker.running import in_process_worker

TEMPLATES_DIR = PROJECT_ROOT / "app" / "templates"
ASSETS_DIR = PROJECT_ROOT / "assets"
_SWAGGER = "/static/vendor/swagger-ui-dist"
OPENAPI_PATH = "/schema"


def _openapi() -> OpenAPIConfig:
    # The UI's scripts and styles come from assets/vendor (npm at install), never a CDN.
    return OpenAPIConfig(
        title="OneThing API",
        version="1",
        path=OPENAPI_PATH,
        components=mp_contract.components(),
        render_plugins=[
            SwaggerPage(
                path="/",
                js_url=f"{_SWAGGER}/swagger-ui-bundle.js",
                css_url=f"{_SWAGGER}/swagger-ui.css",
                standalone_preset_js_url=f"{_SWAGGER}/swagger-ui-standalone-preset.js",
                favicon='<link rel="icon" href="/static/icons/icon.svg">',
            )
        ],
    )


class OneThing(Litestar):
    """Litestar with request ids, language negotiation, security headers and load shedding
    outside routing.

    Litestar runs route middleware only for matched routes, so a 404 or 405 would
    otherwise get no request id, no security headers and an error page in the default
    language.
    """

    def __init__(
        self,
        *args: Any,
        default_locale: str,
        max_in_flight: int = 0,
        hsts: bool = False,
        **kwargs: Any,
    ) -> None:
        self._default_locale = default_locale
        self.shedding = LoadSheddingMiddleware(max_in_flight)
        # Swagger UI's stylesheet draws its icons as data: images; no page of ours needs them.
        self.security_headers = SecurityHeadersMiddleware(
            hsts=hsts, data_images_under=(OPENAPI_PATH,)
        )
        super().__init__(*args, **kwargs)

    def _create_asgi_handler(self) -> ASGIApp:
        # Shedding sits inside the request id and language, so a 503 has both, and outside
        # routing, so an overloaded process refuses before any session or database work.
        # The security headers wrap shedding, so its 503 page carries them too.
        inner = self.security_headers(self.shedding(super()._create_asgi_handler()))
        return RequestIdMiddleware()(LocaleMiddleware(self._default_locale)(inner))


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app from ``settings`` (read from the environment when not given)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    engine = create_engine(settings, serving=True)
    runtime = Runtime(settings, engine)
    return OneThing(
        default_locale=settings.default_locale,
        max_in_flight=settings.max_in_flight_requests,
        hsts=settings.sends_hsts,
        # One router per channel, each with its guard, error rendering and current principal.
        route_handlers=[
            resident.create_router(),
            staff.create_router(),
            field.create_router(),
            public.create_router(),
            ops.create_router(),
            miniprogram_api.create_router(),
            create_static_files_router(
                path="/static",
                directories=[ASSETS_DIR],
                opt={"access": "public"},
                include_in_schema=False,
                guards=[enforce_access],
            ),
        ],
        plugins=[
            SQLAlchemyPlugin(
                config=database_config(settings, engine, runtime.notices.session_info())
            ),
            HTMXPlugin(),
        ],
        dependencies={"runtime": Provide(lambda: runtime, use_cache=True, sync_to_thread=False)},
        # The worker starts after Redis and the job pool, and stops before them.
        lifespan=[runtime.lifespan, in_process_worker(runtime)],
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR,
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: configure_jinja(engine.engine, runtime.catalog),
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="csrftoken",
            cookie_secure=settings.env is Environment.PRODUCTION,
            cookie_samesite="lax",
            # The bearer-token API carries no cookies; operational and static paths take no forms;
            # relying parties call the OIDC token and userinfo endpoints server to server.
            exclude=[
                "^/mp/",
                "^/healthz",
                "^/readyz",
                "^/static/",
                "^/schema",
                "^/oidc/token$",
                "^/oidc/userinfo$",
                # Other systems post cards to the verifier; it reads no cookies, changes no state.
                "^/verify$",
                # The SMS gateway posts delivery receipts, signed; the route reads no cookies.
                "^/hooks/sms/receipts$",
                # The WeChat and Alipay stand-ins are called server to server, like the real ones.
                "^/dev/(wechat|alipay)/",
            ],
        ),
        # Only for what reaches no router (an unknown method or path): each router has its own.
        exception_handlers={Exception: handle_exception},
        request_max_body_size=settings.max_request_body_bytes,
        request_class=BoundedRequest,
        middleware=[
            DeclaredBodyLimitMiddleware(settings.max_request_body_bytes),
        ],
        openapi_config=_openapi(),
        debug=False,
        state=State({"settings": settings, "runtime": runtime}),
        logging_config=None,  # app.logging owns the handlers (masking, JSON)
    )
