"""Words for the identity codes a person sees: real-name levels, bound platforms, security
events. One place for the pages, the mini-program API and the data export."""

from __future__ import annotations

from app.i18n import N_, gettext
from app.identity.models import Provider, SecurityEventKind

_LEVELS = {
    "L1": N_("L1 · phone verified"),
    "L2": N_("L2 · matched with population records"),
    "L3": N_("L3 · verified in person"),
}
_PROVIDERS = {Provider.WECHAT: N_("WeChat"), Provider.ALIPAY: N_("Alipay")}
# The events a person's own record holds (staff events are never theirs).
_SECURITY_EVENTS = {
    SecurityEventKind.CODE_SENT: N_("Sign-in code sent"),
    SecurityEventKind.CODE_REFUSED: N_("Sign-in code refused"),
    SecurityEventKind.SIGN_IN: N_("Sign-in"),
    SecurityEventKind.SIGN_IN_FAILED: N_("Sign-in failed"),
    SecurityEventKind.SIGN_OUT: N_("Signed out"),
    SecurityEventKind.SIGN_OUT_EVERYWHERE: N_("Signed out everywhere"),
    SecurityEventKind.ACCOUNT_DISABLED: N_("Account disabled"),
    SecurityEventKind.ACCOUNT_UNBOUND: N_("Platform account unbound"),
    SecurityEventKind.NUMBERS_REVEALED: N_("Full numbers shown"),
    SecurityEventKind.REVEAL_REFUSED: N_("Showing full numbers refused"),
    SecurityEventKind.ACTING_AS_CHANGED: N_("Switched whom you act as"),
    SecurityEventKind.MEMBER_ADDED: N_("Enterprise member added"),
    SecurityEventKind.MEMBER_REMOVED: N_("Enterprise member removed"),
    SecurityEventKind.MEMBER_ROLE_CHANGED: N_("Enterprise member's role changed"),
    SecurityEventKind.PASSKEY_ADDED: N_("Passkey added"),
    SecurityEventKind.PASSKEY_REMOVED: N_("Passkey removed"),
    SecurityEventKind.PASSKEY_SIGN_IN: N_("Signed in with a passkey"),
    SecurityEventKind.PASSKEY_SIGN_IN_FAILED: N_("Passkey sign-in failed"),
    SecurityEventKind.REAL_NAME_VERIFIED: N_("Real name verified"),
    SecurityEventKind.REAL_NAME_REFUSED: N_("Real-name verification refused"),
}


def real_name_level_label(level: str) -> str:
    """The real-name level in words."""
    return gettext(_LEVELS.get(level, level))


def provider_label(provider: str) -> str:
    """A sign-in platform (WeChat, Alipay) in words."""
    try:
        return gettext(_PROVIDERS[Provider(provider)])
    except (KeyError, ValueError):
        return provider


def security_event_label(kind: str) -> str:
    """A security event of the person's record in words."""
    try:
        return gettext(_SECURITY_EVENTS[SecurityEventKind(kind)])
    except (KeyError, ValueError):
        return kind
