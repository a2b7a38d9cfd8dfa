"""The resident's authorization history: runs of the same use by one agent show as one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from app.assist.authorizations import history_lines
from app.assist.models import AuthorizationEvent

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _event(kind: str, note: str, minute: int, actor: object) -> AuthorizationEvent:
    return AuthorizationEvent(kind=kind, note=note, actor_kind="person", actor_id=actor,
                              at=START + timedelta(minutes=minute))  # fmt: skip


def test_repeated_uses_become_one_line_with_their_count_and_span() -> None:
    agent, other = uuid4(), uuid4()
    view = "view_results: application 1 open"
    events = [
        _event("confirmed", "signed_in", 0, agent),
        _event("used", view, 1, agent),
        _event("used", view, 2, agent),
        _event("used", view, 5, agent),
        _event("used", "prepare: draft 2 form", 6, agent),
        _event("used", view, 7, agent),
        _event("used", view, 8, other),  # another agent's use stays its own line
    ]
    lines = history_lines(events)
    assert [(line.kind, line.times) for line in lines] == [
        ("confirmed", 1),
        ("used", 3),
        ("used", 1),
        ("used", 1),
        ("used", 1),
    ]
    assert lines[1].at == START + timedelta(minutes=1)
    assert lines[1].until == START + timedelta(minutes=5)
    assert sum(line.times for line in lines) == len(events)  # nothing is dropped, only folded
