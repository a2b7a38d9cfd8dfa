"""Who may remove whom, and who may change roles (no I/O)."""

from __future__ import annotations

import pytest

from app.enterprises.models import MemberRole
from app.enterprises.service import may_change_role, may_remove

LR, ADMIN, AGENT = MemberRole.LEGAL_REPRESENTATIVE, MemberRole.ADMINISTRATOR, MemberRole.AGENT


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (LR, LR, False),
        (LR, ADMIN, True),
        (LR, AGENT, True),
        (ADMIN, LR, False),
        (ADMIN, ADMIN, False),
        (ADMIN, AGENT, True),
        (AGENT, LR, False),
        (AGENT, ADMIN, False),
        (AGENT, AGENT, False),
    ],
)
def test_managers_remove_agents_and_only_the_legal_representative_removes_admins(
    actor: MemberRole, target: MemberRole, allowed: bool
) -> None:
    assert may_remove(actor, target) is allowed


@pytest.mark.parametrize("actor", list(MemberRole))
@pytest.mark.parametrize("target", list(MemberRole))
def test_only_the_legal_representative_changes_roles_and_never_their_own(
    actor: MemberRole, target: MemberRole
) -> None:
    expected = actor is LR and target is not LR
    assert may_change_role(actor, target) is expected


def test_a_role_read_back_as_plain_text_is_judged_the_same() -> None:
    # Roles come back from the database as str, not as the enum.
    assert may_remove(MemberRole("administrator"), "agent")  # type: ignore[arg-type]
    assert not may_remove("administrator", "administrator")  # type: ignore[arg-type]
