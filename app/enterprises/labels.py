"""Words for an enterprise member's role, for the pages and the data export."""

from __future__ import annotations

from app.enterprises.models import MemberRole
from app.i18n import N_, gettext

_ROLES = {
    MemberRole.LEGAL_REPRESENTATIVE: N_("Legal representative"),
    MemberRole.ADMINISTRATOR: N_("Administrator"),
    MemberRole.AGENT: N_("Agent"),
}


def member_role_label(role: str) -> str:
    """An enterprise member's role in words."""
    try:
        return gettext(_ROLES[MemberRole(role)])
    except (KeyError, ValueError):
        return role
