"""Languages: negotiation, gettext catalogs from ``locales/``, and the current locale.

zh_Hans is the default. Traditional-Chinese requests (zh-TW, zh-HK, zh-Hant …) fall back
to zh_Hans until a zh_Hant catalog exists. Babel's own ``negotiate_locale`` maps zh_CN to
en (see NOTES), so tags are parsed with ``Locale.parse(tag, sep="-")`` and matched here.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

from app.config import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
DEFAULT_LOCALE = "zh_Hans"
SUPPORTED_LOCALES: tuple[str, ...] = ("zh_Hans", "en")
LOCALE_COOKIE = "lang"
# BCP 47 tags for <html lang>, hreflang and Content-Language.
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}
NATIVE_NAMES = {"zh_Hans": "简体中文", "en": "English"}

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


def current_locale() -> str:
    """The locale of the request (or job) being handled."""
    return _current.get()


def set_locale(locale: str) -> None:
    """Make ``locale`` current for the rest of this task."""
    _current.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


def supported(tag: str | None) -> str | None:
    """Map a language tag (``zh-CN``, ``zh_Hant_TW``, ``en-GB`` …) to a supported locale."""
    if not tag:
        return None
    tag = tag.strip()
    if tag in SUPPORTED_LOCALES:
        return tag
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return None
    if locale.language == "zh":
        return "zh_Hans"  # zh_Hant falls back here until a Traditional catalog exists
    if locale.language == "en":
        return "en"
    return None


def negotiate(preferred: str | None, accept_language: str | None, default: str) -> str:
    """Pick the locale: the person's own choice first, then ``Accept-Language`` by weight."""
    chosen = supported(preferred)
    if chosen:
        return chosen
    for tag in _by_quality(accept_language or ""):
        chosen = supported(tag)
        if chosen:
            return chosen
    return supported(default) or DEFAULT_LOCALE


def _by_quality(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog for ``locale`` (``make locales`` builds the .mo files)."""
    # Babel returns NullTranslations (English source text) when no .mo file exists.
    return Translations.load(str(LOCALES_DIR), [locale], domain="messages")


def gettext(message: str, **variables: Any) -> str:
    """Translate ``message`` into the current locale; ``%(name)s`` placeholders are filled."""
    text = translations(current_locale()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """Plural-aware ``gettext``; ``n`` is available to the message as ``%(num)d``."""
    text = translations(current_locale()).ungettext(singular, plural, n)
    return text % {"num": n, **variables}


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (it is translated when shown)."""
    return message


_ = gettext
