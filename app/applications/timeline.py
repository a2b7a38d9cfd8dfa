"""An application's history in words, as its applicant and staff follow it (办件进度).

The words for each state and event, who acted for the applicant, and each matter's result:
one place for the pages (``app/routes/shared/timeline.py``) and the mini-program API
(``GET /mp/v1/applications/{id}/history``), so both say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec

from app.applications.applicant import ApplicantCases
from app.applications.case_models import Application, ApplicationEvent, CaseResult
from app.applications.context import CaseContext
from app.applications.results import results_of
from app.i18n import N_, gettext
from app.identity.models import Person

STATE_LABELS = {
    "submitted": N_("Submitted, waiting for acceptance"),
    "returned": N_("Returned for supplement"),
    "accepted": N_("Accepted, in progress"),
    "finished": N_("Finished"),
    "withdrawn": N_("Withdrawn"),
    "waiting": N_("Waiting for another item"),
    "in_review": N_("In review"),
    "supplement": N_("Waiting for your supplement"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "cancelled": N_("Cancelled"),
}

ACTION_LABELS = {
    "submit": N_("Submitted"),
    "accept": N_("Accepted"),
    "accept_with_commitment": N_("Accepted on a commitment to bring missing materials"),
    "return": N_("Returned for supplement"),
    "resubmit": N_("Sent again"),
    "withdraw": N_("Withdrawn"),
    "finish": N_("Finished"),
    "dispatch": N_("Sent to the department; waits for another item"),
    "start": N_("Review started"),
    "approve": N_("Approved"),
    "reject": N_("Rejected"),
    "ask_supplement": N_("Supplement asked for"),
    "suspend": N_("Suspended: the promised materials are overdue"),
    "supplement": N_("Supplement sent"),
    "cancel": N_("Cancelled"),
    "commitment_reminded": N_("Reminder: promised materials are due"),
    "commitment_lapsed": N_("Promised materials are overdue"),
    "commitment_fulfilled": N_("Promised materials arrived"),
    "warning_yellow": N_("Yellow card: the time limit is near"),
    "warning_red": N_("Red card: overdue"),
    "rated": N_("Rated"),
    "complaint_answered": N_("Complaint answered"),
    "complaint_overdue": N_("The answer to the complaint is overdue"),
}

DELIVERY_LABELS = {
    "electronic": N_("Delivered electronically"),
    "window": N_("Ready to pick up at the service window"),
    "mail": N_("Handed to express mail"),
}

# How the applicant chose to receive the results (the submit form's choice).
DELIVERY_CHOICES = {
    "electronic": N_("electronic license in your wallet"),
    "window": N_("pick up at the service window"),
    "mail": N_("express mail"),
}

CHANNEL_LABELS = {
    "web": N_("Web"),
    "wechat": N_("WeChat mini-program"),
    "alipay": N_("Alipay mini-program"),
    "window": N_("Service window"),
    "field": N_("Home visit (field worker)"),
}

CARD_LABELS = {"yellow": N_("Yellow card"), "red": N_("Red card")}


def state_label(state: str) -> str:
    """An application's or sub-case's state in words."""
    return gettext(STATE_LABELS.get(state, state))


def action_label(action: str) -> str:
    """An event in words."""
    return gettext(ACTION_LABELS.get(action, action))


def delivery_label(delivery: str) -> str:
    """How a result went to the applicant, in words."""
    return gettext(DELIVERY_LABELS.get(delivery, delivery))


def delivery_choice_label(delivery: str) -> str:
    """How the applicant chose to receive the results, in words."""
    return gettext(DELIVERY_CHOICES.get(delivery, delivery))


def channel_label(channel: str) -> str:
    """Where an application came in, in words."""
    return gettext(CHANNEL_LABELS.get(channel, channel))


def card_label(card: str) -> str:
    """A time-limit card in words ('' for none)."""
    return gettext(CARD_LABELS[card]) if card in CARD_LABELS else ""


def acted_for_applicant(event: ApplicationEvent, agents: dict[UUID, str]) -> str | None:
    """Who acted for the applicant in this event, in words; None when they acted themself.

    Only a relative or guardian (by name) or a field worker acting for a person is named:
    an agent acting for their own enterprise is the enterprise acting.
    """
    if event.on_behalf_of_kind != "person":
        return None
    if event.actor_kind == "person":
        name = agents.get(event.actor_id, "") if event.actor_id else ""
        return gettext("by %(name)s, acting for the applicant", name=name)
    return gettext("by a field worker, acting for the applicant")


class Timeline(msgspec.Struct, kw_only=True):
    """Every event of an application (oldest first), who acted, and the results so far."""

    events: list[ApplicationEvent]
    agents: dict[UUID, str]  # relatives and guardians who acted for the applicant, by id
    results: list[CaseResult]


async def timeline(cases: ApplicantCases, ctx: CaseContext, application: Application) -> Timeline:
    """The application's history and results, for a caller who may see the application."""
    events = list(await cases.history(application))
    agents: dict[UUID, str] = {}
    for event in events:
        if event.actor_kind == "person" and event.actor_id and event.actor_id not in agents:
            agent = await ctx.db.get(Person, event.actor_id)
            agents[event.actor_id] = (agent.real_name or "") if agent else ""
    return Timeline(events=events, agents=agents, results=list(await results_of(ctx, application)))


def results_by_sub_case(found: Sequence[CaseResult]) -> dict[UUID, CaseResult]:
    """Results keyed by the sub-case that produced them."""
    return {r.sub_case_id: r for r in found}
