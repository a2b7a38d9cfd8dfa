"""The application's state machine (办件状态) and its sub-cases', as explicit tables.

A transition not in a table is refused with ``IllegalTransition`` (a ``Conflict``): nothing
changes state silently. Every transition, and every notable event without one (a reminder,
a yellow card), is appended to ``application_event`` by ``app.applications.history``.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

import msgspec

from app.errors import Conflict
from app.i18n import N_


class ApplicationState(StrEnum):
    """Where an application stands as a whole."""

    SUBMITTED = "submitted"  # 已提交, waiting for acceptance (前台综合受理)
    RETURNED = "returned"  # 退回补正: the applicant must supplement and send it again
    ACCEPTED = "accepted"  # 已受理: sub-cases are being processed (后台分类审批)
    FINISHED = "finished"  # 已办结: every sub-case has ended
    WITHDRAWN = "withdrawn"  # 已撤回 by the applicant before acceptance


class SubCaseState(StrEnum):
    """Where one matter of an application stands in its department."""

    WAITING = "waiting"  # for the matters it depends on
    IN_REVIEW = "in_review"  # the clock runs
    SUPPLEMENT = "supplement"  # the reviewer asked for more; the clock is stopped
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # a matter it depends on was rejected


class Action(StrEnum):
    """What happens; the event kinds of the history."""

    SUBMIT = "submit"
    ACCEPT = "accept"  # automatically (complete) or by a window clerk
    ACCEPT_WITH_COMMITMENT = "accept_with_commitment"  # 容缺受理
    RETURN = "return"  # 退回补正
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    FINISH = "finish"
    DISPATCH = "dispatch"  # a sub-case is made and waits for the matters it depends on
    START = "start"
    APPROVE = "approve"
    REJECT = "reject"
    ASK_SUPPLEMENT = "ask_supplement"
    SUSPEND = "suspend"  # 中止: the materials promised on acceptance (容缺) are overdue
    SUPPLEMENT = "supplement"
    CANCEL = "cancel"
    # Events without a change of state:
    COMMITMENT_REMINDED = "commitment_reminded"
    COMMITMENT_LAPSED = "commitment_lapsed"
    COMMITMENT_FULFILLED = "commitment_fulfilled"
    WARNING_YELLOW = "warning_yellow"
    WARNING_RED = "warning_red"
    RATED = "rated"
    COMPLAINT_ANSWERED = "complaint_answered"
    COMPLAINT_OVERDUE = "complaint_overdue"  # its answer is late: supervisors are alerted


APPLICATION_TRANSITIONS: dict[tuple[ApplicationState | None, Action], ApplicationState] = {
    (None, Action.SUBMIT): ApplicationState.SUBMITTED,
    (ApplicationState.SUBMITTED, Action.ACCEPT): ApplicationState.ACCEPTED,
    (ApplicationState.SUBMITTED, Action.ACCEPT_WITH_COMMITMENT): ApplicationState.ACCEPTED,
    (ApplicationState.SUBMITTED, Action.RETURN): ApplicationState.RETURNED,
    (ApplicationState.SUBMITTED, Action.WITHDRAW): ApplicationState.WITHDRAWN,
    (ApplicationState.RETURNED, Action.RESUBMIT): ApplicationState.SUBMITTED,
    (ApplicationState.RETURNED, Action.WITHDRAW): ApplicationState.WITHDRAWN,
    (ApplicationState.ACCEPTED, Action.FINISH): ApplicationState.FINISHED,
}

SUB_CASE_TRANSITIONS: dict[tuple[SubCaseState | None, Action], SubCaseState] = {
    (None, Action.START): SubCaseState.IN_REVIEW,
    (None, Action.DISPATCH): SubCaseState.WAITING,
    (SubCaseState.WAITING, Action.START): SubCaseState.IN_REVIEW,
    (SubCaseState.WAITING, Action.CANCEL): SubCaseState.CANCELLED,
    (SubCaseState.IN_REVIEW, Action.APPROVE): SubCaseState.APPROVED,
    (SubCaseState.IN_REVIEW, Action.REJECT): SubCaseState.REJECTED,
    (SubCaseState.IN_REVIEW, Action.ASK_SUPPLEMENT): SubCaseState.SUPPLEMENT,
    # Suspended items wait, clock stopped, as for a supplement; the materials resume them.
    (SubCaseState.IN_REVIEW, Action.SUSPEND): SubCaseState.SUPPLEMENT,
    # A reviewer may end (终止) an item suspended for a lapse; ``ReviewDesk.reject`` allows
    # it for suspended items only, never while a supplement the reviewer asked for is due.
    (SubCaseState.SUPPLEMENT, Action.REJECT): SubCaseState.REJECTED,
    (SubCaseState.SUPPLEMENT, Action.SUPPLEMENT): SubCaseState.IN_REVIEW,
}

# The reason a suspended item gives; it also tells a suspension from a reviewer's request.
SUSPENDED_NOTE = N_(
    "Suspended: the materials promised on acceptance (容缺) did not arrive in time. "
    "Hand them in and this item resumes with the working days it had left."
)

ENDED_SUB_CASE = frozenset({SubCaseState.APPROVED, SubCaseState.REJECTED, SubCaseState.CANCELLED})
CLOCK_RUNS = frozenset({SubCaseState.IN_REVIEW})


class IllegalTransition(Conflict):
    """The action is not possible in the current state (already done, or too late)."""

    default_message = N_("This is no longer possible: the application has moved on.")


def next_application_state(current: ApplicationState | None, action: Action) -> ApplicationState:
    """The state ``action`` leads to from ``current``; ``IllegalTransition`` if none."""
    target = APPLICATION_TRANSITIONS.get((current, action))
    if target is None:
        raise IllegalTransition(state=str(current), action=str(action))
    return target


def next_sub_case_state(current: SubCaseState | None, action: Action) -> SubCaseState:
    """The state ``action`` leads a sub-case to; ``IllegalTransition`` if none."""
    target = SUB_CASE_TRANSITIONS.get((current, action))
    if target is None:
        raise IllegalTransition(state=str(current), action=str(action))
    return target


class ActorKind(StrEnum):
    """Who acted."""

    APPLICANT = "applicant"  # a signed-in person, for themself or for an enterprise
    STAFF = "staff"
    SYSTEM = "system"  # rules and sweeps
    PERSON = "person"  # a relative or guardian acting for another person (issue 8)


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    """Who acted, and for whom (an enterprise, or a person a field worker assists)."""

    kind: ActorKind
    id: UUID | None = None
    on_behalf_of_kind: str | None = None  # "enterprise" or "person"
    on_behalf_of_id: UUID | None = None

    @classmethod
    def applicant(cls, person_id: UUID, enterprise_id: UUID | None = None) -> Actor:
        """A person acting as themself, or for the enterprise ``enterprise_id``."""
        if enterprise_id is None:
            return cls(kind=ActorKind.APPLICANT, id=person_id)
        return cls(
            kind=ActorKind.APPLICANT,
            id=person_id,
            on_behalf_of_kind="enterprise",
            on_behalf_of_id=enterprise_id,
        )

    @classmethod
    def staff(cls, staff_id: UUID) -> Actor:
        """A member of staff."""
        return cls(kind=ActorKind.STAFF, id=staff_id)

    @classmethod
    def staff_for_person(cls, staff_id: UUID, person_id: UUID) -> Actor:
        """A field worker acting for a resident, inside the resident's authorization."""
        return cls(
            kind=ActorKind.STAFF, id=staff_id, on_behalf_of_kind="person", on_behalf_of_id=person_id
        )

    @classmethod
    def person_for_person(cls, agent_person_id: UUID, person_id: UUID) -> Actor:
        """A relative or guardian acting for a resident, inside an authorization."""
        return cls(
            kind=ActorKind.PERSON, id=agent_person_id, on_behalf_of_kind="person",
            on_behalf_of_id=person_id,
        )  # fmt: skip

    @classmethod
    def system(cls) -> Actor:
        """The rules themselves (automatic acceptance, dispatch, sweeps)."""
        return cls(kind=ActorKind.SYSTEM)
