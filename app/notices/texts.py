"""Which application events the applicant hears about, what else is told, and in what words.

Texts are English msgids (``N_``) stored on the notice with their parameters and translated
when read: in the reader's language on a page, in the recipient's language in a push.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from app.i18n import N_, translations


class NoticeText(msgspec.Struct, frozen=True):
    """A title and a body (msgids), and the short status word a push template shows."""

    title: str
    body: str
    status: str


# Events without an entry (dispatch, start, a yellow card, a rating …) are the office's
# business, not the applicant's: they create no notice.
# Keyed by the application event's action (``app.applications.states.Action``; a unit test
# checks every key is one): events not listed here are not told to the applicant.
TEXTS: Final[dict[str, NoticeText]] = {
    "accept": NoticeText(
        N_("Application accepted"),
        N_("Your application %(number)s has been accepted and sent to the departments."),
        N_("Accepted"),
    ),
    "accept_with_commitment": NoticeText(
        N_("Application accepted on your commitment"),
        N_(
            "Your application %(number)s has been accepted. Please hand in the promised "
            "materials before the date you committed to."
        ),
        N_("Accepted"),
    ),
    "return": NoticeText(
        N_("Application returned for supplement"),
        N_("Your application %(number)s needs more from you. Open it to see what to supplement."),
        N_("Returned"),
    ),
    "ask_supplement": NoticeText(
        N_("A department asks for more"),
        N_("A department reviewing application %(number)s asks you to supplement materials."),
        N_("Supplement"),
    ),
    "suspend": NoticeText(
        N_("An item is suspended"),
        N_(
            "An item of your application %(number)s is suspended: the materials you promised "
            "have not arrived. Hand them in and it resumes."
        ),
        N_("Suspended"),
    ),
    "approve": NoticeText(
        N_("An item was approved"),
        N_("An item of your application %(number)s has been approved."),
        N_("Approved"),
    ),
    "reject": NoticeText(
        N_("An item was not approved"),
        N_("An item of your application %(number)s was not approved. Open it to see why."),
        N_("Rejected"),
    ),
    "cancel": NoticeText(
        N_("An item was cancelled"),
        N_("An item of application %(number)s was cancelled because an item it needs failed."),
        N_("Cancelled"),
    ),
    "finish": NoticeText(
        N_("Application finished"),
        N_("Every item of your application %(number)s is done. Please rate the service."),
        N_("Finished"),
    ),
    "commitment_reminded": NoticeText(
        N_("Promised materials are due soon"),
        N_("Please hand in the materials you promised for application %(number)s."),
        N_("Due soon"),
    ),
    "commitment_lapsed": NoticeText(
        N_("Promised materials are overdue"),
        N_("The materials you promised for application %(number)s have not arrived in time."),
        N_("Overdue"),
    ),
    "warning_red": NoticeText(
        N_("We are late, and we apologise"),
        N_(
            "An item of your application %(number)s has passed its promised time. "
            "The department has been told to finish it at once."
        ),
        N_("Delayed"),
    ),
    "complaint_answered": NoticeText(
        N_("Your complaint was answered"),
        N_("A supervisor has answered your complaint about application %(number)s."),
        N_("Answered"),
    ),
    "complaint_overdue": NoticeText(
        N_("The answer to your complaint is late"),
        N_(
            "The answer to your complaint about application %(number)s is overdue. "
            "Supervisors have been alerted and will answer as soon as possible."
        ),
        N_("Overdue"),
    ),
}


class NoticeKind(StrEnum):
    """Notices that come from no application event (``Notice.subject_key`` set)."""

    LICENSE_EXPIRING = "license_expiring"  # 证照到期提醒, ahead of ``valid_until``
    LICENSE_REVOKED = "license_revoked"  # 注销/吊销 by the issuing department
    OFFER_DISPUTE_ANSWERED = "offer_dispute_answered"  # 免申即享: staff answered an objection
    AUTHORIZATION_REJECTED = "authorization_rejected"  # 代办: an in-person confirmation refused
    # 上门办 / 帮代办 requests (``app.assist.request_notices``)
    VISIT_REQUEST_TO_CONFIRM = "visit_request_to_confirm"  # a relative asked for the resident
    VISIT_REQUEST_RECORDED = "visit_request_recorded"  # staff asked for the resident
    VISIT_ASSIGNED = "visit_assigned"
    VISIT_CHANGED = "visit_changed"
    VISIT_CANCELLED = "visit_cancelled"
    VISIT_SCHEDULED = "visit_scheduled"  # a supervisor scheduled a visit by phone number
    AUTHORIZATION_GIVEN = "authorization_given"  # a resident named this person their agent
    AUTHORIZATION_ASKED = "authorization_asked"  # a relative asks to act for this person


# Parameters: ``number`` (the license number, or the offer's benefit code), ``until`` (a
# date), ``days`` (whole days left). Never a name or an ID number: SMS carries the body.
SUBJECT_TEXTS: Final[dict[NoticeKind, NoticeText]] = {
    NoticeKind.LICENSE_EXPIRING: NoticeText(
        N_("A license expires soon"),
        N_("License %(number)s expires on %(until)s, in %(days)s days. Apply to renew it in time."),
        N_("Due soon"),
    ),
    NoticeKind.LICENSE_REVOKED: NoticeText(
        N_("A license was revoked"),
        N_(
            "License %(number)s has been revoked by the issuing department and no longer "
            "verifies. Open it to see why."
        ),
        N_("Revoked"),
    ),
    NoticeKind.OFFER_DISPUTE_ANSWERED: NoticeText(
        N_("Your objection was answered"),
        N_("Staff have answered your objection to a benefit offer. Open it to see the answer."),
        N_("Answered"),
    ),
    NoticeKind.AUTHORIZATION_REJECTED: NoticeText(
        N_("An authorization was ended"),
        N_(
            "A supervisor could not confirm the authorization you signed for a field worker, "
            "so it has ended and nothing more is done under it. Open My authorizations to see why."
        ),
        N_("Ended"),
    ),
    NoticeKind.VISIT_REQUEST_TO_CONFIRM: NoticeText(
        N_("Someone asked for a home visit for you"),
        N_(
            "Someone who gave your name and phone number asked for a field worker to visit "
            "you (request %(number)s). Open Me, then Home visits, to accept or decline it."
        ),
        N_("Confirm"),
    ),
    NoticeKind.VISIT_REQUEST_RECORDED: NoticeText(
        N_("A home visit was requested for you"),
        N_(
            "Staff recorded a request for a field worker to visit you (request %(number)s). "
            "Open Me, then Home visits, to see or cancel it."
        ),
        N_("Requested"),
    ),
    NoticeKind.VISIT_ASSIGNED: NoticeText(
        N_("Home visit appointment"),
        N_("Request %(number)s: field worker %(worker)s will come on %(day)s, %(time)s."),
        N_("Booked"),
    ),
    NoticeKind.VISIT_CHANGED: NoticeText(
        N_("Home visit changed"),
        N_("Request %(number)s: the visit is now on %(day)s, %(time)s, by %(worker)s."),
        N_("Changed"),
    ),
    NoticeKind.VISIT_CANCELLED: NoticeText(
        N_("Home visit cancelled"),
        N_("Request %(number)s was cancelled by staff. Open Me, then Home visits, for details."),
        N_("Cancelled"),
    ),
    NoticeKind.VISIT_SCHEDULED: NoticeText(
        N_("A home visit was scheduled for you"),
        N_(
            "Field worker %(worker)s will visit you on %(day)s (visit %(number)s). Staff found "
            "your account by your phone number to arrange it: Me, then Data use record, lists it."
        ),
        N_("Booked"),
    ),
    NoticeKind.AUTHORIZATION_GIVEN: NoticeText(
        N_("You may act for someone"),
        N_(
            "A resident authorized you to act for them. See who and what for under "
            "Me → My authorizations."
        ),
        N_("Authorized"),
    ),
    NoticeKind.AUTHORIZATION_ASKED: NoticeText(
        N_("Someone asks to act for you"),
        N_(
            "A relative asks to act for you. Nothing happens unless you confirm it under "
            "Me → My authorizations."
        ),
        N_("To confirm"),
    ),
}


def text_for(kind: str) -> NoticeText | None:
    """The words for an event or a notice kind, or ``None`` when nobody is told of it."""
    if kind in SUBJECT_TEXTS:
        return SUBJECT_TEXTS[NoticeKind(kind)]
    return TEXTS.get(kind)


def render(msgid: str, params: dict[str, str], locale: str) -> str:
    """``msgid`` translated into ``locale`` with ``params`` filled in."""
    text = translations(locale).ugettext(msgid)
    return text % params if params else text
