"""Submitting a draft once (一次提交): idempotent, checked, and the draft closed with it.

The checklist: find the draft (someone else's answers 404), refuse a key reused for other
content (422), check the review is reached, the materials and the delivery, write the
application, its number, its history and the closed draft in one transaction, then accept it
at once when nothing is missing. A retried submit — the same key — returns the application
the first one made: the unique constraint on (actor, key) decides, not a check beforehand.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from uuid_utils.compat import uuid7

from app.applications.acceptance import accept_if_complete
from app.applications.calendar import CHINA
from app.applications.case_models import OPEN_STATES, Application, ApplicationSerial, Channel
from app.applications.context import CaseContext
from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import DraftService, step_missing
from app.applications.history import record
from app.applications.models import Draft, DraftStage
from app.applications.states import Action, Actor, ActorKind, next_application_state
from app.catalog.engine import DeliveryChoice
from app.catalog.schema import Delivery
from app.errors import Conflict, NotFound, RuleViolation
from app.i18n import N_

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
BAD_KEY = N_("The submission key is missing or malformed. Reload the page and submit again.")
KEY_REUSED = N_(
    "This submission key was already used for a different submission. Reload the page and "
    "submit again."
)
ALREADY_SUBMITTED = N_("This draft has already been submitted.")
COMMIT_NEEDED = N_(
    "Some materials will follow later: confirm your written commitment to bring them in time."
)
CHOOSE_DELIVERY = N_("Choose how you want to receive this result: one of the ways it offers.")
ADDRESS_NEEDED = N_("Enter the address to send the results to (up to 200 characters).")
MATERIALS_MISSING = N_("Some required materials are missing. Go back to the materials step.")
SUBJECT_OPEN = N_(
    "An application of this life event for the same person, baby or enterprise is already in "
    "progress, and it is handled once at a time. Follow that application in My applications; "
    "a new one can be made once it has ended."
)
SUBJECT_OPEN_CODE = "already_in_progress"


class Submission(msgspec.Struct, kw_only=True, frozen=True):
    """What the applicant sends with "submit"; the key makes a retry harmless.

    ``deliveries`` says, per selected matter, how its result should come (出件方式), one of
    the ways the matter offers. ``delivery`` is one way for every matter (older clients):
    it applies to each matter that offers it; a matter offering one way only needs no choice.
    A matter whose way is neither given nor implied is refused by name, never replaced.
    """

    draft_id: UUID
    delivery: str = ""
    deliveries: dict[str, str] = msgspec.field(default_factory=dict)
    address: str = ""
    commitment: bool = False
    channel: Channel = Channel.WEB

    def fingerprint(self, enterprise_id: UUID | None) -> str:
        """A digest of the content: the same key with other content is refused."""
        content = msgspec.json.encode([self, str(enterprise_id or "")], order="deterministic")
        return hashlib.sha256(content).hexdigest()


def chosen_deliveries(
    choices: Sequence[DeliveryChoice], submission: Submission
) -> tuple[dict[str, str], dict[str, str]]:
    """Each matter's way of delivery, and a message per matter whose way is missing or not
    one it offers (field ``delivery.<matter>``)."""
    chosen: dict[str, str] = {}
    problems: dict[str, str] = {}
    for choice in choices:
        code = choice.matter.code
        offered = [str(d) for d in choice.offered]
        wanted = submission.deliveries.get(code) or (
            submission.delivery if submission.delivery in offered else ""
        )
        if not wanted and not choice.asked:
            wanted = offered[0]  # the only way it has: nothing to choose
        if wanted in offered:
            chosen[code] = wanted
        else:
            problems[f"delivery.{code}"] = CHOOSE_DELIVERY
    return chosen, problems


def paper_delivery(deliveries: Mapping[str, str]) -> str:
    """How paper results come, if any (mail before window), else electronic: the one word
    older readers of ``Application.delivery`` expect."""
    ways = set(deliveries.values())
    return next((w for w in (Delivery.MAIL, Delivery.WINDOW) if w in ways), Delivery.ELECTRONIC)


def application_number(serial: int, ctx: CaseContext) -> str:
    """``YJS-<date in China>-<serial>``: readable aloud at a window, unique by its serial."""
    return f"YJS-{ctx.clock.now().astimezone(CHINA):%Y%m%d}-{serial:06d}"


def _comparable(value: str) -> str:
    """A form value as two applications for one subject would both give it."""
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()


def _acting(draft: Draft, agent_id: UUID | None) -> str:
    # self: the person; agent: a member for their enterprise; delegate: a field worker, a
    # relative or a guardian for them (acted_by_kind says which kind of agent).
    if agent_id is not None:
        return "delegate"
    return "agent" if draft.enterprise_id else "self"


class Submissions:
    """Turns a reviewed draft into an application, exactly once per key."""

    def __init__(self, ctx: CaseContext, *, drafts: DraftService, materials: DraftMaterials):
        self._ctx = ctx
        self._drafts = drafts
        self._materials = materials

    async def submit(
        self, person_id: UUID, submission: Submission, *, enterprise_id: UUID | None, key: str,
        agent_staff_id: UUID | None = None, agent_person_id: UUID | None = None,
    ) -> Application:  # fmt: skip
        """The application for this submission: made now, or the one this key made before.

        With ``agent_staff_id``, a field worker submits for the person (inside an authorization
        the caller checked): the application and its history name the worker "on behalf of".
        With ``agent_person_id``, a relative or guardian does, likewise.
        """
        if not KEY_PATTERN.fullmatch(key or ""):
            raise RuleViolation(BAD_KEY, code="idempotency_key_invalid")
        fingerprint = submission.fingerprint(enterprise_id)
        actor_id = agent_staff_id or agent_person_id or person_id
        earlier = await self._by_key(actor_id, key, fingerprint)
        if earlier is not None:
            return earlier
        draft = await self._draft(person_id, submission.draft_id, enterprise_id)
        deferred, deliveries = await self._check(draft, submission)
        subject = self.subject_key(draft, person_id)
        await self._refuse_if_open(draft, subject, person_id)
        try:
            async with self._ctx.db.begin_nested():
                application = await self._write(
                    draft,
                    submission,
                    deferred,
                    deliveries,
                    person_id,
                    key,
                    fingerprint,
                    agent_staff_id,
                    agent_person_id,
                )
                application.subject_key = subject
                await self._ctx.db.flush()
        except IntegrityError:
            # A concurrent twin won the race (same key) or the draft went with another key,
            # or another application for the same subject opened meanwhile: the savepoint is
            # rolled back, and the winner is what this submit made.
            winner = await self._by_key(actor_id, key, fingerprint)
            if winner is None:
                await self._refuse_if_open(draft, subject, person_id)
                made = await self._drafts.application_of(draft)
                raise Conflict(ALREADY_SUBMITTED, code="already_submitted",
                               application_id=made) from None  # fmt: skip
            return winner
        if agent_staff_id is not None:
            actor = Actor.staff_for_person(agent_staff_id, person_id)
        elif agent_person_id is not None:
            actor = Actor.person_for_person(agent_person_id, person_id)
        else:
            actor = Actor.applicant(person_id, application.enterprise_id)
        record(self._ctx.db, application, Action.SUBMIT, actor, to_state=application.state)
        await accept_if_complete(self._ctx, application)
        return application

    def subject_key(self, draft: Draft, person_id: UUID) -> str | None:
        """Whom the draft's application is for, as a keyed pseudonym, when its bundle happens
        once per subject (None otherwise, or while a field naming the subject is empty)."""
        once = self._drafts.bundle(draft).once_per
        if once is None:
            return None
        if once.fields:
            form = self._drafts.values(draft)
            parts = [_comparable(form.get(key)) for key in once.fields]
            if not all(parts):
                return None
        else:
            parts = [f"enterprise:{draft.enterprise_id}" if draft.enterprise_id
                     else f"person:{person_id}"]  # fmt: skip
        return self._ctx.protector.pseudonym(
            "\x1f".join(parts), audience=f"once:{draft.bundle_code}"
        )

    async def open_for_subject(self, draft: Draft, subject: str | None) -> Application | None:
        """The open application of the draft's bundle for the same subject, if any."""
        if subject is None:
            return None
        found: Application | None = await self._ctx.db.scalar(
            select(Application).where(
                Application.bundle_code == draft.bundle_code,
                Application.subject_key == subject,
                Application.state.in_(OPEN_STATES),
            )
        )
        return found

    async def _refuse_if_open(self, draft: Draft, subject: str | None, person_id: UUID) -> None:
        # Said to whoever applies (the other parent too); which application it is, only to
        # the one whose application it is.
        found = await self.open_for_subject(draft, subject)
        if found is None:
            return
        own = found.person_id == person_id and found.enterprise_id == draft.enterprise_id
        details = {"application_id": found.id} if own else {}
        raise Conflict(SUBJECT_OPEN, code=SUBJECT_OPEN_CODE, **details)

    async def _by_key(self, actor_id: UUID, key: str, fingerprint: str) -> Application | None:
        found = await self._ctx.db.scalar(
            select(Application).where(
                Application.acted_by_id == actor_id, Application.idempotency_key == key
            )
        )
        if found is not None and found.request_fingerprint != fingerprint:
            raise RuleViolation(KEY_REUSED, code="idempotency_key_reused")
        return found

    async def _draft(self, person_id: UUID, draft_id: UUID, enterprise_id: UUID | None) -> Draft:
        draft = await self._ctx.db.get(Draft, draft_id)
        if draft is None or draft.person_id != person_id or draft.enterprise_id != enterprise_id:
            raise NotFound
        if draft.submitted_at is not None:
            # Submitted under another key (a second tab, another device): name what it became.
            made = await self._drafts.application_of(draft)
            raise Conflict(ALREADY_SUBMITTED, code="already_submitted", application_id=made)
        if not self._drafts.reached(draft, DraftStage.REVIEW):
            raise step_missing(draft)
        return draft

    async def _check(
        self, draft: Draft, submission: Submission
    ) -> tuple[list[str], dict[str, str]]:
        """The materials that will follow on commitment and each matter's way of delivery;
        ``RuleViolation`` for what is wrong."""
        needs = await self._materials.needs(draft)
        if any(n.missing for n in needs):
            raise RuleViolation(MATERIALS_MISSING, code="materials_missing")
        deferred = [n.material.code for n in needs if n.to_follow]
        problems: dict[str, str] = {}
        if deferred and not submission.commitment:
            problems["commitment"] = COMMIT_NEEDED
        deliveries, wrong = chosen_deliveries(self._drafts.delivery_choices(draft), submission)
        problems |= wrong
        address = submission.address.strip() if Delivery.MAIL in deliveries.values() else ""
        if Delivery.MAIL in deliveries.values() and not 0 < len(address) <= 200:
            problems["address"] = ADDRESS_NEEDED
        if problems:
            raise RuleViolation(fields=problems)
        return deferred, deliveries

    async def _write(
        self, draft: Draft, submission: Submission, deferred: list[str],
        deliveries: dict[str, str], person_id: UUID, key: str, fingerprint: str,
        agent_staff_id: UUID | None = None, agent_person_id: UUID | None = None,
    ) -> Application:  # fmt: skip
        ctx = self._ctx
        serial = ApplicationSerial()
        ctx.db.add(serial)
        await ctx.db.flush()
        application_id = uuid7()
        form = self._drafts.values(draft)
        address = submission.address.strip() if Delivery.MAIL in deliveries.values() else ""
        application = Application(
            id=application_id,
            number=application_number(serial.id, ctx),
            person_id=person_id,
            enterprise_id=draft.enterprise_id,
            acted_by_kind=str(
                ActorKind.STAFF
                if agent_staff_id
                else ActorKind.PERSON
                if agent_person_id
                else ActorKind.APPLICANT
            ),
            acted_by_id=agent_staff_id or agent_person_id or person_id,
            acting=_acting(draft, agent_staff_id or agent_person_id),
            bundle_code=draft.bundle_code,
            matter_codes=list(self._drafts.selection(draft).selected_codes),
            draft_id=draft.id,
            sealed_form=ctx.protector.seal(
                msgspec.json.encode(form).decode(), context=f"application:{application_id}"
            ),
            proofs=list(draft.proofs),
            deferred_materials=deferred,
            channel=submission.channel,
            deliveries=deliveries,
            delivery=paper_delivery(deliveries),
            sealed_address=ctx.protector.seal(address, context=f"address:{application_id}")
            if address
            else None,
            idempotency_key=key,
            request_fingerprint=fingerprint,
            submitted_at=ctx.clock.now(),
        )
        if deferred:
            names = ", ".join(self._material_names(draft, deferred))
            application.commitment_text = names
        application.state = next_application_state(None, Action.SUBMIT)
        draft.submitted_at = ctx.clock.now()  # closed with the application, in one transaction
        ctx.db.add(application)
        return application

    def _material_names(self, draft: Draft, codes: list[str]) -> list[str]:
        names: dict[str, str] = {}
        for code in self._drafts.selection(draft).selected_codes:
            for material in self._ctx.catalog.matters[code].materials:
                if material.code in codes:
                    names[material.code] = material.name.zh
        return [names[c] for c in codes]
