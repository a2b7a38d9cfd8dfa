"""What every page needs: locale negotiation per request and the Jinja environment."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.applications.timeline import channel_label, delivery_choice_label
from app.assist import labels as assist_labels
from app.benefits.views import offer_status_label
from app.catalog.answers import answer_text
from app.catalog.loader import LoadedCatalog
from app.catalog.schema import FieldDef
from app.catalog.values import is_sensitive
from app.enterprises.labels import member_role_label
from app.i18n import N_
from app.identity.labels import real_name_level_label
from app.records.sources import SOURCES, Text
from app.staff.models import StaffRole
from app.staff.service import ROLE_LABELS
from app.web.agency import agency_so_far
from app.web.navigation import tab_bar
from app.web.subjects import identity_so_far

DISPLAY_COOKIE = "display"
LARGE_TEXT = "large"


class LocaleMiddleware(ASGIMiddleware):
    """Chooses the language of each request: the person's choice, then Accept-Language."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, default_locale: str) -> None:
        self.default_locale = default_locale

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = dict(scope["headers"])
        cookie = _cookie(headers.get(b"cookie", b"").decode("latin-1"), i18n.LOCALE_COOKIE)
        accept = headers.get(b"accept-language", b"").decode("latin-1")
        locale = i18n.negotiate(cookie, accept, self.default_locale)
        i18n.set_locale(locale)
        scope.setdefault("state", {})["locale"] = locale

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableScopeHeaders.from_message(message)
                response_headers["Content-Language"] = i18n.HTML_LANG[locale]
                response_headers.add("Vary", "Accept-Language, Cookie")
            await send(message)

        await next_app(scope, receive, send_with_language)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def configure_jinja(env: Environment, catalog: LoadedCatalog) -> None:
    """Gettext through the request's locale; helpers the layout uses."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: i18n.translations(i18n.current_locale()).ugettext(message),
        ngettext=lambda s, p, n: i18n.translations(i18n.current_locale()).ungettext(s, p, n),
        newstyle=True,
    )
    env.filters["source_label"] = lambda code: localized(SOURCES[code].label)
    env.globals.update(
        current_locale=i18n.current_locale,
        html_lang=lambda: i18n.HTML_LANG[i18n.current_locale()],
        supported_locales=i18n.SUPPORTED_LOCALES,
        native_names=i18n.NATIVE_NAMES,
        large_text=large_text,
        tab_bar=tab_bar,
        format_time=format_time,
        real_name_level_label=real_name_level_label,
        member_role_label=member_role_label,
        identity_so_far=identity_so_far,
        agency_so_far=agency_so_far,
        staff_role_label=staff_role_label,
        t=localized,
        record_source=SOURCES.get,
        record_sources=tuple(SOURCES),
        shown_field=shown_field,
        is_sensitive=is_sensitive,
        department_name=lambda code: department_name(catalog, code),
        license_name=lambda code: license_name(catalog, code),
        matter_kind_label=matter_kind_label,
        assist_labels=assist_labels,
        offer_status_label=offer_status_label,
        delivery_choice_label=delivery_choice_label,
        channel_label=channel_label,
    )


def department_name(catalog: LoadedCatalog, code: str) -> str:
    """A department's name, by its code, in the reader's language."""
    return localized(catalog.departments.get(code)) or code


_MATTER_KINDS = {
    "administrative-permit": N_("Administrative permit"),
    "administrative-confirmation": N_("Administrative confirmation"),
    "administrative-payment": N_("Administrative payment"),
    "administrative-collection": N_("Administrative collection"),
    "administrative-reward": N_("Administrative reward"),
    "other-administrative-power": N_("Other administrative power"),
    "public-service": N_("Public service"),
}


def matter_kind_label(kind: str) -> str:
    """The legal type of a matter (事项类型) in the reader's language."""
    return i18n.gettext(_MATTER_KINDS.get(kind, kind))


def license_name(catalog: LoadedCatalog, code: str) -> str:
    """An e-license type's name, by its code, in the reader's language."""
    license_type = catalog.licenses.get(code)
    return localized(license_type.name) if license_type else code


def localized(text: Text | None) -> str:
    """A catalog text ``{zh, en}`` in the reader's language ('' for none)."""
    return text(i18n.current_locale()) if text is not None else ""


def shown_field(field: FieldDef, value: str) -> str:
    """A form field's value as a page shows it: the option's label, yes or no, personal
    numbers masked (``app.catalog.answers``), in the reader's language."""
    return answer_text(field, value, i18n.current_locale())


def large_text(request: Any) -> bool:
    """Whether the big-font (适老化) display is on for this browser."""
    return bool(request.cookies.get(DISPLAY_COOKIE) == LARGE_TEXT)


_CHINA = ZoneInfo("Asia/Shanghai")


def format_time(epoch_seconds: float) -> str:
    """A moment as the reader writes it, in China Standard Time (the city's clock)."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=_CHINA)
    locale = i18n.current_locale()
    return format_datetime(
        moment, format="medium", locale="zh_Hans_CN" if locale == "zh_Hans" else locale
    )


def staff_role_label(role: str) -> str:
    """A staff role in words."""
    try:
        return i18n.gettext(ROLE_LABELS[StaffRole(role)])
    except ValueError:
        return role
