"""Authorizations in words: scopes, guardianship bases, states, history events and notes.

One place for the pages (``assist/_labels.html`` calls these) and the mini-program API, so a
resident reads the same words on every channel and never a stored code.
"""

from __future__ import annotations

from datetime import datetime

from app.assist.models import Authorization
from app.i18n import N_
from app.i18n import gettext as _

_SCOPES = {
    "prepare": N_("Prepare applications"),
    "consent": N_("Consent to record reads"),
    "submit": N_("Submit applications"),
    "view_results": N_("Follow applications and results"),
}
_BASES = {
    "parent_of_minor": N_("Parent of a minor"),
    "court_appointed": N_("Guardian appointed by a court"),
}
_EVENTS = {
    "granted": N_("Proposed"),
    "confirmed": N_("Confirmed"),
    "used": N_("Used"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
    "checked": N_("Checked by a supervisor"),
    "rejected": N_("Rejected by a supervisor"),
    "evidence_viewed": N_("A supervisor looked at it"),
}
# Notes of a confirmation or a guardianship's proof, as the resident reads them.
_NOTES = {
    "sms_code": N_("with a code texted to your phone"),
    "signed_in": N_("by you, signed in"),
    "qr": N_("by you, scanning the worker's QR code with your phone"),
    "in_person": N_("in person: your signature and a photo of your ID card"),
    "signature": N_("your signature"),
    "id_photo": N_("the photo of your ID card"),
    "household_record": N_("proven from the household register"),
    "staff_checked": N_("the court's document, checked by staff"),
    "by agent": N_("by the agent"),
}
# The step of a draft an agent's use names ("<scope>: draft <id> <step>").
_STEPS = {
    "open": N_("opened the application"),
    "answers": N_("answered the questions"),
    "notice read": N_("read you the notice"),
    "consent": N_("consented to record reads"),
    "no consent": N_("declined record reads"),
    "form": N_("filled in the form"),
    "materials": N_("finished the materials"),
    "submit": N_("submitted the application"),
    "refused": N_("tried to submit (not accepted)"),
}


def _known(table: dict[str, str], code: str) -> str:
    return _(table[code]) if code in table else code


def scope_label(scope: str) -> str:
    """What an authorization lets the agent do, in words."""
    return _known(_SCOPES, scope)


def basis_label(basis: str) -> str:
    """Why a guardian acts without the ward's confirmation, in words."""
    return _known(_BASES, basis)


def event_label(kind: str) -> str:
    """What happened to an authorization, in words."""
    return _known(_EVENTS, kind)


def note_label(note: str) -> str:
    """A history note in words: ``sms_code``; ``<scope>: draft <id> <step>``; ``<scope>: start
    <bundle>``; ``<scope>: application <number>``. Anything else is shown as it is."""
    if note in _NOTES:
        return _(_NOTES[note])
    if note in _BASES:
        return basis_label(note)
    scope, sep, rest = note.partition(": ")
    if not sep:
        return note
    words = rest.split(" ")
    if words[0] == "start":
        what = _("started the application")
    elif words[0] == "draft":
        step = " ".join(words[2:])
        what = _("added a photo of a material") if step.startswith("material ") else (
            _known(_STEPS, step)
        )  # fmt: skip
    elif words[0] == "application":
        what = _("looked at application %(number)s", number=words[1] if len(words) > 1 else "")
    else:
        what = rest
    return f"{scope_label(scope)} · {what}"


def state_of(authorization: Authorization, now: datetime) -> str:
    """``revoked``, ``expired``, ``waiting`` (for the principal's confirmation), ``checking``
    (a guardianship's proof waiting for staff) or ``active``."""
    if authorization.revoked_at is not None:
        return "revoked"
    if authorization.valid_until <= now:
        return "expired"
    if authorization.confirmed_at is None:
        return "checking" if authorization.basis else "waiting"
    return "active"


_STATES = {
    "revoked": N_("Revoked or given up"),
    "expired": N_("Expired"),
    "waiting": N_("Waiting for their confirmation"),
    "checking": N_("Waiting for a check by staff"),
    "active": N_("Active"),
}


def state_label(state: str) -> str:
    """An authorization's state (``state_of``) in words, as the agent reads it."""
    return _known(_STATES, state)
