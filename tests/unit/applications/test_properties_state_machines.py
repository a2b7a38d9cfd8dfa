"""Properties of the state machines: applications and sub-cases, notice deliveries, and the
lifecycle of an authorization (issue 9).

Generated sequences of actions: an action the table allows moves the state where the table
says; any other raises ``IllegalTransition`` (a ``Conflict``) and the state stays. Ended
applications and sub-cases accept nothing more. Delivery statuses only move forward, each at
most once. An authorization, driven through ``AuthorizationService`` by a Hypothesis rule
machine, is usable exactly while confirmed, unrevoked and inside its period; a refused step
changes nothing and the history only grows.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.applications.context import Clock
from app.applications.states import (
    APPLICATION_TRANSITIONS,
    ENDED_SUB_CASE,
    SUB_CASE_TRANSITIONS,
    Action,
    ApplicationState,
    IllegalTransition,
    SubCaseState,
    next_application_state,
    next_sub_case_state,
)
from app.assist.authorizations import AuthorizationRequest, AuthorizationService
from app.assist.models import Authorization, AuthorizationEvent, AuthorizationEventKind, Scope
from app.catalog.loader import default_catalog
from app.errors import Conflict, NotFound
from app.identity.models import Person
from app.notices.models import DeliveryStatus
from app.staff.models import Staff, StaffRole

ENDED_APPLICATION = frozenset({ApplicationState.FINISHED, ApplicationState.WITHDRAWN})


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_an_application_moves_only_as_its_table_says(actions: list[Action]) -> None:
    state: ApplicationState | None = None
    for action in actions:
        allowed = APPLICATION_TRANSITIONS.get((state, action))
        if allowed is None:
            with pytest.raises(IllegalTransition) as refused:
                next_application_state(state, action)
            assert isinstance(refused.value, Conflict)
            continue  # the state stays where it was
        assert state not in ENDED_APPLICATION
        state = next_application_state(state, action)
        assert state == allowed
    if state in ENDED_APPLICATION:
        for action in Action:
            with pytest.raises(IllegalTransition):
                next_application_state(state, action)


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_a_sub_case_moves_only_as_its_table_says_and_ends_for_good(actions: list[Action]) -> None:
    state: SubCaseState | None = None
    for action in actions:
        allowed = SUB_CASE_TRANSITIONS.get((state, action))
        if allowed is None:
            with pytest.raises(IllegalTransition):
                next_sub_case_state(state, action)
            continue
        assert state not in ENDED_SUB_CASE
        state = next_sub_case_state(state, action)
        assert state == allowed
    if state in ENDED_SUB_CASE:
        for action in Action:
            with pytest.raises(IllegalTransition):
                next_sub_case_state(state, action)


def test_every_state_can_be_reached_and_nothing_leads_back_to_the_start() -> None:
    for table, states in ((APPLICATION_TRANSITIONS, ApplicationState),
                          (SUB_CASE_TRANSITIONS, SubCaseState)):  # fmt: skip
        reached: set[Any] = {None}
        while True:
            more = {to for (start, _), to in table.items() if start in reached} - reached
            if not more:
                break
            reached |= more
        assert reached - {None} == set(states)
        assert None not in table.values()


# Forward only: each status has a rank, and a move always raises it.
RANK = {DeliveryStatus.PENDING: 0, DeliveryStatus.SENT: 1, DeliveryStatus.DELIVERED: 2,
        DeliveryStatus.FAILED: 2, DeliveryStatus.GAVE_UP: 2}  # fmt: skip


@given(st.lists(st.sampled_from(list(DeliveryStatus)), max_size=20))
def test_a_delivery_status_only_moves_forward_and_never_twice(
    proposed: list[DeliveryStatus],
) -> None:
    status = DeliveryStatus.PENDING
    seen = [status]
    for other in proposed:
        if status.can_become(other):
            assert RANK[other] > RANK[status]
            status = other
            seen.append(status)
    assert len(seen) == len(set(seen)) <= 3
    assert not any(status.can_become(s) for s in DeliveryStatus) or RANK[status] < 2
    # A sent SMS may still learn from its receipt; pending may end any of three ways.
    assert {s for s in DeliveryStatus if DeliveryStatus.SENT.can_become(s)} == {
        DeliveryStatus.DELIVERED, DeliveryStatus.FAILED,
    }  # fmt: skip


class _Session:
    """Just enough of an ``AsyncSession`` for ``AuthorizationService``, in memory."""

    def __init__(self, person: Any) -> None:
        self.person = person
        self.objects: list[Any] = []
        self._event_ids = 0

    def add(self, obj: Any) -> None:
        self.objects.append(obj)

    async def flush(self) -> None:
        for obj in self.objects:
            if isinstance(obj, Authorization) and obj.id is None:
                obj.id = uuid4()
            if isinstance(obj, AuthorizationEvent) and obj.id is None:
                self._event_ids += 1
                obj.id = self._event_ids

    async def get(self, model: type, key: UUID) -> Any:
        if model is Person:
            return self.person if key == self.person.id else None
        return next((o for o in self.objects if isinstance(o, model) and o.id == key), None)

    async def scalars(self, _statement: Any) -> list[Authorization]:
        # The service asks for this agent's authorizations from this person: there is one.
        return [o for o in self.objects if isinstance(o, Authorization)]

    def events(self) -> list[str]:
        return [o.kind for o in self.objects if isinstance(o, AuthorizationEvent)]


BUNDLE = next(code for code, b in default_catalog().catalog.bundles.items() if b.matters)
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class AuthorizationLifecycle(RuleBasedStateMachine):
    """Propose once; then confirm, revoke, use and let time pass, in any order."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = Clock()
        self.clock.fixed = START
        self.person = SimpleNamespace(id=uuid4())
        self.agent = SimpleNamespace(id=uuid4(), role=StaffRole.FIELD_WORKER)
        self.db = _Session(self.person)
        self.service = AuthorizationService(
            cast(Any, self.db), catalog=default_catalog().catalog, clock=self.clock
        )
        request = AuthorizationRequest(bundles=(BUNDLE,), scopes=(str(Scope.PREPARE),), days=3)
        self.authorization = self._run(
            self.service.propose(cast(Staff, self.agent), cast(UUID, self.person.id), request)
        )
        self.confirmed = self.revoked = self.expiry_noted = False

    def _run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.close()

    def _expired(self) -> bool:
        return self.clock.now() >= self.authorization.valid_until

    def _snapshot(self) -> tuple[Any, ...]:
        a = self.authorization
        return a.confirmed_at, a.confirmed_by, a.revoked_at, a.valid_until

    @rule()
    def confirm(self) -> None:
        before, events = self._snapshot(), self.db.events()
        if self.confirmed or self.revoked or self._expired():
            with pytest.raises(Conflict):
                self._run(self.service.confirm_signed_in(cast(Person, self.person),
                                                         self.authorization.id))  # fmt: skip
            assert self._snapshot() == before
            assert self.db.events() == events
            return
        self._run(self.service.confirm_signed_in(cast(Person, self.person), self.authorization.id))
        self.confirmed = True
        assert self.db.events() == [*events, AuthorizationEventKind.CONFIRMED]

    @rule()
    def revoke(self) -> None:
        events = self.db.events()
        first_revoked_at = self.authorization.revoked_at
        self._run(self.service.revoke(cast(Person, self.person), self.authorization.id))
        if self.revoked:
            assert self.authorization.revoked_at == first_revoked_at
            assert self.db.events() == events
        else:
            assert self.db.events() == [*events, AuthorizationEventKind.REVOKED]
        self.revoked = True

    @rule(scope=st.sampled_from(list(Scope)), other_bundle=st.booleans())
    def use(self, scope: Scope, other_bundle: bool) -> None:
        bundle = "not-this-bundle" if other_bundle else BUNDLE
        usable = (
            self.confirmed and not self.revoked and not self._expired()
            and scope is Scope.PREPARE and not other_bundle
        )  # fmt: skip
        events = self.db.events()
        if not usable:
            with pytest.raises(NotFound):
                self._run(self.service.require(self.agent.id, self.person.id, scope, bundle))
            assert AuthorizationEventKind.USED not in self.db.events()[len(events) :]
        else:
            self._run(self.service.require(self.agent.id, self.person.id, scope, bundle))
            assert self.db.events()[-1] == AuthorizationEventKind.USED
        if self._expired() and not self.revoked:
            self.expiry_noted = True

    @rule(hours=st.integers(min_value=1, max_value=48))
    def time_passes(self, hours: int) -> None:
        self.clock.fixed = self.clock.now() + timedelta(hours=hours)

    @precondition(lambda self: self.confirmed)
    @rule()
    def is_active_exactly_while_confirmed_unrevoked_and_in_period(self) -> None:
        now = self.clock.now()
        assert self.authorization.is_active(now) == (not self.revoked and not self._expired())

    @invariant()
    def history_starts_with_the_grant_and_notes_each_step_once(self) -> None:
        events = self.db.events()
        assert events[0] == AuthorizationEventKind.GRANTED
        assert events.count(AuthorizationEventKind.GRANTED) == 1
        assert events.count(AuthorizationEventKind.CONFIRMED) == int(self.confirmed)
        assert events.count(AuthorizationEventKind.REVOKED) == int(self.revoked)
        assert events.count(AuthorizationEventKind.EXPIRED) == int(self.expiry_noted)


TestAuthorizationLifecycle = AuthorizationLifecycle.TestCase
