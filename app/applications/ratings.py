"""好差评: one rating per finished application; a poor one opens a complaint (投诉).

A supervisor answers the complaint by a deadline in working days; the applicant sees the
answer on the application's page.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.applications.acceptance import check_reasons
from app.applications.case_models import Application, Complaint, ComplaintState, Rating
from app.applications.context import CaseContext
from app.applications.history import record
from app.applications.states import Action, Actor, ApplicationState, IllegalTransition
from app.errors import Conflict, NotFound, RuleViolation
from app.i18n import N_
from app.text_input import INVISIBLE, has_invisible

POOR = 2  # 1 非常不满意, 2 不满意: a complaint opens
TAGS = {
    "fast": N_("Fast"),
    "clear": N_("Clear guidance"),
    "friendly": N_("Friendly staff"),
    "slow": N_("Slow"),
    "unclear": N_("Unclear guidance"),
    "asked-twice": N_("Asked for the same thing twice"),
}
STARS_NEEDED = N_("Choose from one to five stars.")
UNKNOWN_TAG = N_("Choose tags from the list.")
COMMENT_TOO_LONG = N_("Keep the comment under 500 characters.")
ALREADY_RATED = N_("You have already rated this application.")


class Ratings:
    """Ratings by applicants and the complaints they open."""

    def __init__(self, ctx: CaseContext) -> None:
        self._ctx = ctx

    async def of(self, application: Application) -> tuple[Rating | None, Complaint | None]:
        """The application's rating and its complaint, if any."""
        rating = await self._ctx.db.scalar(
            select(Rating).where(Rating.application_id == application.id)
        )
        complaint = await self._ctx.db.scalar(
            select(Complaint).where(Complaint.application_id == application.id)
        )
        return rating, complaint

    async def rate(
        self, application: Application, person_id: UUID, stars: int, tags: list[str], comment: str
    ) -> Rating:
        """Rate a finished application once; a poor rating opens a complaint."""
        if application.state != ApplicationState.FINISHED:
            raise IllegalTransition
        problems = {}
        if not 1 <= stars <= 5:
            problems["stars"] = STARS_NEEDED
        if not set(tags) <= set(TAGS):
            problems["tags"] = UNKNOWN_TAG
        if len(comment.strip()) > 500:
            problems["comment"] = COMMENT_TOO_LONG
        elif has_invisible(comment, multiline=True):
            problems["comment"] = INVISIBLE
        if problems:
            raise RuleViolation(fields=problems)
        if (await self.of(application))[0] is not None:
            raise Conflict(ALREADY_RATED)
        ctx = self._ctx
        rating = Rating(
            application_id=application.id,
            person_id=person_id,
            stars=stars,
            tags=sorted(set(tags)),
            comment=comment.strip(),
        )
        ctx.db.add(rating)
        try:
            await ctx.db.flush()
        except IntegrityError:  # a double click: the unique constraint keeps one
            raise Conflict(ALREADY_RATED) from None
        record(ctx.db, application, Action.RATED, Actor.applicant(person_id), note=str(stars))
        if stars <= POOR:
            ctx.db.add(
                Complaint(
                    application_id=application.id,
                    rating_id=rating.id,
                    state=ComplaintState.OPEN,
                    due_on=ctx.calendar.add_working_days(
                        ctx.clock.today(), ctx.rules.complaint_days
                    ),
                )
            )
        await ctx.db.flush()
        return rating

    async def answer(self, complaint_id: UUID, actor: Actor, answer: str) -> Complaint:
        """A supervisor's answer closes the complaint; the applicant sees it."""
        complaint = await self._ctx.db.get(Complaint, complaint_id)
        if complaint is None:
            raise NotFound
        if complaint.state != ComplaintState.OPEN:
            raise IllegalTransition
        text = check_reasons(answer)
        application = await self._ctx.db.get(Application, complaint.application_id)
        if application is None:  # cannot happen: a foreign key
            raise NotFound
        complaint.state = ComplaintState.ANSWERED
        complaint.answer = text
        complaint.answered_by_id = actor.id
        complaint.answered_at = self._ctx.clock.now()
        record(self._ctx.db, application, Action.COMPLAINT_ANSWERED, actor, note=text)
        await self._ctx.db.flush()
        return complaint
