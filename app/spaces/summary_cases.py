"""下载我的数据 in words, continued: applications and drafts, licenses, authorizations and visits.

See ``app.spaces.summary``. A form's answers read through ``app.catalog.answers`` (an
option's label, yes or no), states and events through the words the pages use.
"""

from __future__ import annotations

from typing import Any

from app.applications.timeline import (
    action_label,
    channel_label,
    delivery_choice_label,
    delivery_label,
    state_label,
)
from app.assist.labels import event_label, note_label, scope_label
from app.catalog.answers import choice_label, question_answer_text
from app.i18n import N_, gettext, ngettext
from app.spaces.summary import Area, Entry, Fact, Section, Words, when
from app.wallet.fields import label_of
from app.wallet.views import STATUS_LABELS

_STAGES = {
    "questions": N_("Questions"),
    "notice": N_("What you need"),
    "consent": N_("Records"),
    "form": N_("Form"),
    "materials": N_("Materials"),
    "review": N_("Review"),
}
_VISIT_KINDS = {"home_visit": N_("Home visit"), "proxy": N_("Proxy help")}
_VISIT_STATUSES = {
    "awaiting_resident": N_("Waiting for your answer"),
    "requested": N_("Requested: waiting for a worker"),
    "assigned": N_("Appointment made"),
    "visited": N_("Visited"),
    "cancelled": N_("Cancelled"),
    "declined": N_("Declined"),
}


_LICENSE_STATUSES = {str(code): label for code, label in STATUS_LABELS.items()}


def _said(table: dict[str, str], code: str) -> str:
    return gettext(table[code]) if code in table else code


def _answers(values: Any, words: Words) -> list[Fact]:
    """A draft's or an application's form: each field's label and its answer in words.

    Numbers are as the document holds them: masked, or the person's own in full."""
    if not isinstance(values, dict):
        return []
    stored = dict(values.get("values") or {})
    stored |= {k: v.get("value", "") for k, v in (values.get("prefilled") or {}).items()}
    fields = words.catalog.catalog.fields
    return [
        Fact(
            words.text(fields[key].label),
            choice_label(fields[key], value, words.locale) or str(value),
        )
        for key, value in stored.items()
        if key in fields and value
    ]


def applications(document: dict[str, Any], words: Words) -> Area:
    """草稿与办件: every application with its answers, items, history and results; drafts."""
    tables = document["tables"]
    return Area(slug="applications", title=gettext("Applications and drafts"), intro=gettext(
        "Every application you submitted, with your answers, each item's progress, its "
        "history and its results; and the drafts you have not submitted yet."), sections=[
        Section(title=gettext("My applications"), entries=[
            _application(a, tables, words) for a in tables["application"]],
            empty=gettext("You have not submitted any application yet.")),
        Section(title=gettext("My drafts"), entries=[
            _draft(d, tables, words) for d in tables["draft"] if not d["submitted_at"]],
            empty=gettext("No drafts.")),
    ])  # fmt: skip


def _application(app: dict[str, Any], tables: dict[str, Any], words: Words) -> Entry:
    mine = app["id"]
    cases = [c for c in tables["sub_case"] if c["application_id"] == mine]
    events = [e for e in tables["application_event"] if e["application_id"] == mine]
    results = [r for r in tables["case_result"] if r["application_id"] == mine]
    ratings = [r for r in tables["application_rating"] if r["application_id"] == mine]
    results_to = delivery_choice_label(app["delivery"])
    if app.get("address"):
        results_to = f"{results_to}: {app['address']}"
    facts = [
        Fact(gettext("Application number"), app["number"]),
        Fact(gettext("Status"), state_label(app["state"])),
        Fact(gettext("Submitted"), when(app["submitted_at"])),
        Fact(gettext("Channel"), channel_label(app["channel"])),
        Fact(gettext("Results"), results_to),
        *[Fact(words.matter(c["matter_code"]),
               f"{words.department(c['department_code'])} · {state_label(c['state'])}"
               + (f" · {gettext('due by %(date)s', date=c['due_on'])}" if c["due_on"] else ""))
          for c in cases],
        *[Fact(gettext("Result"), f"{words.matter(r['matter_code'])} · "
               f"{delivery_label(r['delivery'])} · {when(r['delivered_at'])}") for r in results],
        *[Fact(gettext("Your rating"), ngettext_stars(r["stars"]) + (
            f" · {r['comment']}" if r["comment"] else "")) for r in ratings],
        *_answers(app.get("form"), words),
    ]  # fmt: skip
    history = [
        f"{when(e['created_at'])} · "
        + (f"{words.matter(e['matter_code'])} · " if e["matter_code"] else "")
        + action_label(e["action"])
        + (f": {gettext(e['note'])}" if e["note"] and e["action"] != "rated" else "")
        + (f" ({_acted_for(e)})" if e.get("on_behalf_of_kind") == "person" else "")
        for e in events
    ]
    return Entry(title=words.bundle(app["bundle_code"]), facts=facts, lines=history,
                 lines_title=gettext("History"))  # fmt: skip


def ngettext_stars(stars: int) -> str:
    """``n stars`` in words."""
    return ngettext("%(num)d star", "%(num)d stars", stars)


def _acted_for(event: dict[str, Any]) -> str:
    if event.get("actor_kind") == "person":
        return gettext("by a relative or guardian, acting for the applicant")
    return gettext("by a field worker, acting for the applicant")


def _draft(draft: dict[str, Any], tables: dict[str, Any], words: Words) -> Entry:
    bundle = words.catalog.catalog.bundles.get(draft["bundle_code"])
    questions = {q.key: q for q in bundle.questions} if bundle else {}
    answered = [
        Fact(words.text(questions[key].text), question_answer_text(questions[key], values,
                                                                   words.locale))
        for key, values in (draft["answers"] or {}).items()
        if key in questions
    ]  # fmt: skip
    files = [u["filename"] for u in tables["draft_upload"] if u["draft_id"] == draft["id"]]
    return Entry(title=words.bundle(draft["bundle_code"]), facts=[
        Fact(gettext("Step reached"), _said(_STAGES, draft["stage"])),
        Fact(gettext("Last changed"), when(draft["updated_at"])),
        *answered,
        *_answers(draft.get("values"), words),
        *([Fact(gettext("Files"), words.joined(files))] if files else []),
    ])  # fmt: skip


def licenses(document: dict[str, Any], words: Words) -> Area:
    """证照: every e-license I hold, with its content and each check of its card."""
    tables = document["tables"]
    checks: dict[str, int] = {}
    for check in tables["wallet_card_verification"]:
        checks[check["license_id"]] = checks.get(check["license_id"], 0) + 1
    entries = []
    for lic in tables["wallet_license"]:
        kind = words.catalog.licenses.get(lic["license_type"])
        entries.append(Entry(title=words.text(kind.name) if kind else lic["license_type"], facts=[
            Fact(gettext("License number"), lic["number"]),
            Fact(gettext("Holder"), lic["holder_name"]),
            Fact(gettext("Issued by"), words.department(lic["department_code"])),
            Fact(gettext("Issued"), when(lic["issued_at"])),
            Fact(gettext("Valid until"), when(lic["valid_until"]) or gettext("No expiry")),
            Fact(gettext("Status"), _said(_LICENSE_STATUSES, lic["status"])),
            *[Fact(gettext(label_of(key)), str(value)) for key, value in lic["fields"].items()],
            Fact(gettext("Times its card was checked"), str(checks.get(lic["id"], 0))),
        ]))  # fmt: skip
    return Area(slug="licenses", title=gettext("My licenses"), intro=gettext(
        "Your e-licenses, what each says, and how often its card was checked."), sections=[
        Section(title=gettext("My licenses"), entries=entries, empty=gettext("No licenses yet.")),
    ])  # fmt: skip


def assistance(document: dict[str, Any], words: Words) -> Area:
    """授权与上门服务: whom I authorized (by what they are), what they did, visits asked."""
    tables = document["tables"]
    authorizations = []
    for auth in tables["assist_authorization"]:
        history = [
            f"{when(e['at'])} · {event_label(e['kind'])}"
            + (f" · {note_label(e['note'])}" if e["note"] else "")
            for e in tables["assist_authorization_event"]
            if e["authorization_id"] == auth["id"]
        ]
        who = (gettext("A field worker") if auth["agent_staff_id"]
               else gettext("A relative or guardian"))  # fmt: skip
        authorizations.append(Entry(title=who, facts=[
            Fact(gettext("Services"), words.joined(words.bundle(b) for b in auth["bundles"])),
            Fact(gettext("May"), words.joined(scope_label(s) for s in auth["scopes"])),
            Fact(gettext("From"), when(auth["valid_from"])),
            Fact(gettext("Until"), when(auth["valid_until"])),
            Fact(gettext("Revoked"), when(auth["revoked_at"]) or gettext("No")),
        ], lines=history, lines_title=gettext("History")))  # fmt: skip
    requests = [
        Entry(title=_said(_VISIT_KINDS, r["kind"]), facts=[
            Fact(gettext("Service"), words.bundle(r["bundle"]) if r.get("bundle") else ""),
            Fact(gettext("Address"), str(r.get("address") or "")),
            Fact(gettext("Status"), _said(_VISIT_STATUSES, r["status"]) if "status" in r
                 else gettext("Asked for someone else")),
            Fact(gettext("Asked on"), when(r["created_at"]))])
        for r in tables["assist_visit_request"]
    ]  # fmt: skip
    visits = [
        Entry(title=gettext("Home visit"), facts=[
            Fact(gettext("Day"), when(v["day"])),
            Fact(gettext("Status"), _said(_DONE, v["status"]))])
        for v in tables["assist_home_visit"]
    ]  # fmt: skip
    return Area(slug="assistance", title=gettext("Authorizations and home visits"), intro=gettext(
        "Whom you authorized to act for you and what they did, the home visits and help you "
        "asked for. People who acted for you are named by what they are, not by name."),
        sections=[
        Section(title=gettext("My authorizations"), entries=authorizations,
                empty=gettext("You have not authorized anyone.")),
        Section(title=gettext("Home visits and help asked for"), entries=requests,
                empty=gettext("None asked for.")),
        Section(title=gettext("Home visits"), entries=visits, empty=gettext("No home visit.")),
    ])  # fmt: skip


_DONE = {"scheduled": N_("Scheduled"), "done": N_("Done"), "cancelled": N_("Cancelled")}
