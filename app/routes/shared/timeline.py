"""What an application's page shows, for its applicant and for staff alike: a timeline per
matter with its clock, the application's own events, the form and the files."""

from __future__ import annotations

from typing import Any

import msgspec

from app.applications.applicant import ApplicantCases
from app.applications.case_models import Application, ApplicationEvent, SubCase
from app.applications.context import CaseContext
from app.applications.timeline import (
    action_label,
    card_label,
    delivery_label,
    results_by_sub_case,
    state_label,
    timeline,
)
from app.catalog.schema import Matter

__all__ = ["MatterLine", "card_label", "detail_context", "state_label"]


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
    found = await timeline(cases_service, ctx, application)
    events = found.events
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
    return {
        "application": application,
        "agents": found.agents,
        "bundle": ctx.catalog.bundles.get(application.bundle_code),
        "catalog": ctx.catalog,
        "lines": lines,
        "results": results_by_sub_case(found.results),
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
