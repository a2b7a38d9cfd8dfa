"""下载我的数据, the part a person reads: the export's document told area by area, in words.

``ExportService.document`` holds every row by table and column, for programs. This turns the
same document into areas — my account, applications and drafts, licenses, government
records, messages, authorizations and visits, enterprises — each a list of sections of
entries with labelled facts, in the reader's language: labels, never codes (an option's
label, a state in words, a department's name). Other people stay out of it: a relative or
a member of staff who acted is named by what they are, never by name, number or id.

The applications, drafts, licenses and authorizations are in ``app.spaces.summary_cases``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from app.benefits.rules import default_benefits
from app.benefits.views import offer_status_label
from app.catalog.loader import LoadedCatalog
from app.enterprises.labels import member_role_label
from app.i18n import N_, gettext
from app.identity.labels import provider_label, real_name_level_label, security_event_label
from app.notices.texts import render
from app.oidc.claims import SCOPE_DESCRIPTIONS, Scope
from app.records.sources import SOURCES, Text

_CHINA = ZoneInfo("Asia/Shanghai")
_OUTCOMES = {
    "found": N_("Record found"),
    "not_found": N_("No record held"),
    "unavailable": N_("Source unavailable"),
}
_CORRECTIONS = {
    "open": N_("With the source, being checked"),
    "resolved": N_("Corrected by the source"),
    "rejected": N_("The source found the record right"),
}
_CHANNELS = {
    "in_app": N_("In-app inbox"),
    "wechat": N_("WeChat"),
    "alipay": N_("Alipay"),
    "sms": N_("SMS"),
    "push": N_("WeChat, Alipay or SMS"),
}


class Fact(msgspec.Struct, frozen=True):
    """One labelled value."""

    label: str
    value: str


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One thing (an application, a license, a device): its facts and, perhaps, its history."""

    title: str
    facts: list[Fact] = msgspec.field(default_factory=list)
    lines: list[str] = msgspec.field(default_factory=list)  # a history, oldest first
    lines_title: str = ""


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of thing in an area, with what to say when there is none."""

    title: str
    entries: list[Entry]
    empty: str = ""


class Area(msgspec.Struct, frozen=True, kw_only=True):
    """One page of the summary."""

    slug: str  # the file name, without ``.html``
    title: str
    intro: str
    sections: list[Section]

    @property
    def count(self) -> int:
        """How many things the area lists."""
        return sum(len(section.entries) for section in self.sections)


class Words:
    """Labels in the export's language, from the catalog and the features' own words."""

    def __init__(self, catalog: LoadedCatalog, locale: str) -> None:
        self.catalog = catalog
        self.locale = locale

    def text(self, value: Text | None) -> str:
        """A catalog text in this language."""
        return value(self.locale) if value is not None else ""

    def department(self, code: str | None) -> str:
        """A department's name (its code when unknown)."""
        return self.text(self.catalog.departments.get(code or "")) or (code or "")

    def bundle(self, code: str) -> str:
        """A bundle's name."""
        found = self.catalog.catalog.bundles.get(code)
        return self.text(found.name) if found else code

    def matter(self, code: str) -> str:
        """A matter's name."""
        found = self.catalog.catalog.matters.get(code)
        return self.text(found.name) if found else code

    def source(self, code: str) -> str:
        """A record source's name."""
        found = SOURCES.get(code)
        return self.text(found.label) if found else code

    def record_field(self, source: str, name: str) -> str:
        """``source · field`` in words."""
        found = SOURCES.get(source)
        spec = found.field(name) if found else None
        return f"{self.source(source)} · {self.text(spec.label) if spec else name}"

    def joined(self, items: Iterable[str]) -> str:
        """Items in a list, as the language writes one."""
        return ("、" if self.locale.startswith("zh") else ", ").join(items)


def when(value: Any) -> str:
    """A stored moment as China's clock reads it (``2026-12-07 10:00``); a date as it is."""
    if not value:
        return ""
    text = str(value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if "T" not in text and " " not in text:
        return date.fromisoformat(text[:10]).isoformat()
    if moment.tzinfo is not None:
        moment = moment.astimezone(_CHINA)
    return f"{moment:%Y-%m-%d %H:%M}"


def account(document: dict[str, Any], words: Words) -> Area:
    """我的账户: who I am here, how I sign in, and the security record."""
    tables = document["tables"]
    person = tables["person"][0]
    profile = Entry(title=gettext("Your account"), facts=[
        Fact(gettext("Name"), person.get("real_name") or gettext("Not verified yet")),
        Fact(gettext("Mobile number"), person.get("phone") or ""),
        Fact(gettext("ID card number"), person.get("id_number") or gettext("Not verified yet")),
        Fact(gettext("Real-name level"), real_name_level_label(person["real_name_level"])),
        Fact(gettext("Account created"), when(person["created_at"])),
    ])  # fmt: skip
    sessions = [
        Entry(title=gettext("A signed-in device"), facts=[
            Fact(gettext("Device"), s["device"] or gettext("Unknown device")),
            Fact(gettext("Signed in at"), when(s["signed_in_at"])),
            Fact(gettext("Last seen"), when(s["last_seen_at"]))])
        for s in document["sessions"]
    ]  # fmt: skip
    bound = [
        Entry(title=provider_label(a["provider"]),
              facts=[Fact(gettext("Bound on"), when(a["created_at"]))])
        for a in tables["external_account"]
    ]  # fmt: skip
    passkeys = [
        Entry(title=p["name"] or gettext("Passkey"), facts=[
            Fact(gettext("Added on"), when(p["created_at"])),
            Fact(gettext("Last used"), when(p["last_used_at"]) or gettext("Never"))])
        for p in tables["passkey"]
    ]  # fmt: skip
    apps = [
        Entry(title=c["client_id"], facts=[
            Fact(gettext("What it may know"), words.joined(_scope(s) for s in c["scopes"])),
            Fact(gettext("Since"), when(c["created_at"]))])
        for c in tables["oidc_consent"]
    ]  # fmt: skip
    security = [
        f"{when(e['created_at'])} · {security_event_label(e['kind'])}"
        for e in tables["security_event"]
    ]
    return Area(slug="account", title=gettext("My account"), intro=gettext(
        "Your account, how you sign in, and every sign-in and security event."), sections=[
        Section(title=gettext("My account"), entries=[profile]),
        Section(title=gettext("Signed in now"), entries=sessions,
                empty=gettext("No device is signed in now.")),
        Section(title=gettext("Bound accounts"), entries=bound,
                empty=gettext("No WeChat or Alipay account is bound.")),
        Section(title=gettext("Passkeys"), entries=passkeys, empty=gettext("No passkey.")),
        Section(title=gettext("Apps I signed in to"), entries=apps,
                empty=gettext("You have not signed in to another app with OneThing.")),
        Section(title=gettext("Security record"), entries=[Entry(
            title=gettext("Sign-ins and security events"), lines=security)] if security else [],
            empty=gettext("Nothing recorded.")),
    ])  # fmt: skip


def _scope(scope: str) -> str:
    try:
        return gettext(SCOPE_DESCRIPTIONS[Scope(scope)])
    except (KeyError, ValueError):
        return scope


def records(document: dict[str, Any], words: Words) -> Area:
    """政务数据: consents, every read of my records, corrections asked, benefits offered."""
    tables = document["tables"]
    drafts = {d["id"]: d["bundle_code"] for d in tables["draft"]}

    def purpose(row: dict[str, Any]) -> str:
        # A draft's purpose is stored with the bundle's Chinese name: said in this language.
        code = drafts.get(row["purpose_ref"]) if row["purpose_kind"] == "draft" else None
        return words.bundle(code) if code else row["purpose_label"]

    consents = [
        Entry(title=purpose(c), facts=[
            Fact(gettext("Records that may be read"), words.joined(
                words.record_field(*name.split(".", 1)) for name in c["fields"])),
            Fact(gettext("Agreed on"), when(c["granted_at"])),
            Fact(gettext("Withdrawn"), when(c["withdrawn_at"]) or gettext("No"))])
        for c in tables["record_consent"]
    ]  # fmt: skip
    reads = [
        f"{when(a['accessed_at'])} · {words.source(a['source'])} · "
        f"{words.joined(words.record_field(a['source'], f).split(' · ')[-1] for f in a['fields'])}"
        f" · {purpose(a)} · {_reader(a)} · {_said(_OUTCOMES, a['outcome'])}"
        for a in tables["data_access"]
    ]
    corrections = [
        Entry(title=words.record_field(c["source"], c["field"]), facts=[
            Fact(gettext("What is wrong"), c["note"]),
            Fact(gettext("For"), purpose(c)),
            Fact(gettext("Status"), _said(_CORRECTIONS, c["status"])),
            Fact(gettext("Asked on"), when(c["created_at"]))])
        for c in tables["record_correction"]
    ]  # fmt: skip
    offers = [_offer(o, words) for o in tables["benefit_offer"]]
    return Area(slug="records", title=gettext("Government records about me"), intro=gettext(
        "Which of your government records may be read and for what, every read, the "
        "corrections you asked for, and the benefits offered from them."), sections=[
        Section(title=gettext("Consents"), entries=consents, empty=gettext("No consent given.")),
        Section(title=gettext("Data use record"), entries=[Entry(
            title=gettext("Every read, oldest first"), lines=reads)] if reads else [],
            empty=gettext("No government records about you have been read yet.")),
        Section(title=gettext("Corrections asked for"), entries=corrections,
                empty=gettext("No correction asked for.")),
        Section(title=gettext("Benefits without applying"), entries=offers,
                empty=gettext("No benefit offered.")),
    ])  # fmt: skip


def _reader(access: dict[str, Any]) -> str:
    # Who read, by what they are: the export names no other person.
    if access.get("agent_person_id") is None and access.get("staff_id") is None:
        return gettext("Read by: you")
    return gettext("Read by: staff") if access.get("staff_id") else gettext(
        "Read by: a relative or guardian acting for you")  # fmt: skip


def _offer(offer: dict[str, Any], words: Words) -> Entry:
    benefit = default_benefits().get(offer["benefit_code"])
    return Entry(title=words.text(benefit.name) if benefit else offer["benefit_code"], facts=[
        Fact(gettext("Department"), words.department(offer["department_code"])),
        Fact(gettext("Status"), offer_status_label(offer["status"])),
        Fact(gettext("Offered on"), when(offer["offered_at"]))])  # fmt: skip


def messages(document: dict[str, Any], words: Words) -> Area:
    """消息: every notice sent to me, how it went out, and my channel preferences."""
    tables = document["tables"]
    deliveries: dict[str, list[str]] = {}
    for d in tables["notice_delivery"]:
        deliveries.setdefault(d["notice_id"], []).append(_channel(d["channel"]))
    notices = [
        Entry(title=render(n["title_id"], n["params"], words.locale), facts=[
            Fact(gettext("Message"), render(n["body_id"], n["params"], words.locale)),
            Fact(gettext("Sent"), when(n["created_at"])),
            Fact(gettext("Read"), when(n["read_at"]) or gettext("Not yet")),
            Fact(gettext("Sent by"), words.joined(deliveries.get(n["id"], [])))])
        for n in tables["notice"]
    ]  # fmt: skip
    preferences = [
        Entry(title=gettext("Notification settings"), facts=[
            Fact(gettext("Channels, in order"), words.joined(_channel(c) for c in p["channels"]))])
        for p in tables["notice_preference"]
    ]  # fmt: skip
    return Area(slug="messages", title=gettext("Messages"), intro=gettext(
        "Every message sent to you, and how you want to be told."), sections=[
        Section(title=gettext("Messages"), entries=notices, empty=gettext("No messages yet.")),
        Section(title=gettext("Notification settings"), entries=preferences,
                empty=gettext("The standard settings: the in-app inbox first.")),
    ])  # fmt: skip


def _channel(code: str) -> str:
    return _said(_CHANNELS, code)


def _said(table: dict[str, str], code: str) -> str:
    """The words for ``code`` in ``table`` (the code itself when it has none)."""
    return gettext(table[code]) if code in table else code


def enterprises(document: dict[str, Any], words: Words) -> Area:
    """企业: the enterprises I am a member of, with my role (the registry's public facts)."""
    tables = document["tables"]
    names = {e["id"]: e for e in tables["enterprise"]}
    members = [
        Entry(title=names.get(m["enterprise_id"], {}).get("name", ""), facts=[
            Fact(gettext("Unified social credit code"),
                 names.get(m["enterprise_id"], {}).get("credit_code", "")),
            Fact(gettext("Role"), member_role_label(m["role"])),
            Fact(gettext("Since"), when(m["added_at"])),
            Fact(gettext("Until"), when(m["removed_at"]) or gettext("Now"))])
        for m in tables["enterprise_member"]
    ]  # fmt: skip
    return Area(slug="enterprises", title=gettext("My enterprises"), intro=gettext(
        "The enterprises you act for and your role in each. What belongs to an enterprise "
        "itself is in its own space, not here."), sections=[
        Section(title=gettext("My enterprises"), entries=members,
                empty=gettext("You are not a member of any enterprise.")),
    ])  # fmt: skip


AreaBuilder = Callable[[dict[str, Any], Words], Area]
