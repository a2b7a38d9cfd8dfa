"""What an application's page shows, for its applicant and for staff alike: a timeline per
matter with its clock, the application's own events, the form and the files."""

from __future__ import annotations

from typing import Any

import msgspec

from app.applications.applicant import ApplicantCases
from app.applications.case_models import Application, ApplicationEvent, SubCase
from app.applications.context import CaseContext
from app.applications.results import results_of
from app.catalog.schema import Matter
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


def card_label(card: str) -> str:
    """A time-limit card in words ('' for none)."""
    return gettext(CARD_LABELS[card]) if card in CARD_LABELS else ""


class MatterLine(msgspec.Struct, kw_only=True):
    """One matter's sub-case, its clock and its events."""

    sub_case: SubCase
    matter: Matter
    events: list[ApplicationEvent]
    days_left: int | None  # working days to its due date; None while the clock is not running


async def detail_context(
    cases_service: ApplicantCases, ctx: CaseContext, application: Application
) -> dict[str, Any]:
    """Everything an application's page shows."""
    events = list(await cases_service.history(application))
    today = ctx.clock.today()
    lines = [
        MatterLine(
            sub_case=case,
            matter=ctx.catalog.matters[case.matter_code],
            events=[e for e in events if e.sub_case_id == case.id],
            days_left=ctx.calendar.working_days_between(today, case.due_on)
            if case.state == "in_review" and case.due_on
            else None,
        )
        for case in await cases_service.sub_cases(application)
    ]
    agents = {}  # relatives and guardians who acted for the applicant, by person id
    for event in events:
        if event.actor_kind == "person" and event.actor_id and event.actor_id not in agents:
            agent = await ctx.db.get(Person, event.actor_id)
            agents[event.actor_id] = (agent.real_name or "") if agent else ""
    return {
        "application": application,
        "agents": agents,
        "bundle": ctx.catalog.bundles.get(application.bundle_code),
        "catalog": ctx.catalog,
        "lines": lines,
        "results": {r.sub_case_id: r for r in await results_of(ctx, application)},
        "events": [e for e in events if e.sub_case_id is None],
        # The live stream compares with the newest event of ALL of them, the matters' too:
        # anything older would read as a change at once and reload the page in a loop.
        "last_event": max((e.id for e in events), default=0),
        "form": cases_service.form(application),
        "address": cases_service.address(application),
        "uploads": await cases_service.uploads(application),
        "materials": {
            m.code: m
            for code in application.matter_codes
            for m in ctx.catalog.matters[code].materials
        },
        "state_label": state_label,
        "action_label": action_label,
        "card_label": card_label,
        "delivery_label": delivery_label,
    }
