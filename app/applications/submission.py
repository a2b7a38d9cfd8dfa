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
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from uuid_utils.compat import uuid7

from app.applications.acceptance import accept_if_complete
from app.applications.calendar import CHINA
from app.applications.case_models import Application, ApplicationSerial, Channel
from app.applications.context import CaseContext
from app.applications.draft_materials import DraftMaterials
from app.applications.drafts import DraftService, step_missing
from app.applications.history import record
from app.applications.models import Draft, DraftStage
from app.applications.states import Action, Actor, ActorKind, next_application_state
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
CHOOSE_DELIVERY = N_("Choose how you want to receive the results.")
ADDRESS_NEEDED = N_("Enter the address to send the results to (up to 200 characters).")
MATERIALS_MISSING = N_("Some required materials are missing. Go back to the materials step.")


class Submission(msgspec.Struct, kw_only=True, frozen=True):
    """What the applicant sends with "submit"; the key makes a retry harmless."""

    draft_id: UUID
    delivery: str
    address: str = ""
    commitment: bool = False
    channel: Channel = Channel.WEB

    def fingerprint(self, enterprise_id: UUID | None) -> str:
        """A digest of the content: the same key with other content is refused."""
        content = msgspec.json.encode([self, str(enterprise_id or "")])
        return hashlib.sha256(content).hexdigest()


def application_number(serial: int, ctx: CaseContext) -> str:
    """``YJS-<date in China>-<serial>``: readable aloud at a window, unique by its serial."""
    return f"YJS-{ctx.clock.now().astimezone(CHINA):%Y%m%d}-{serial:06d}"


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
        deferred = await self._check(draft, submission)
        try:
            async with self._ctx.db.begin_nested():
                application = await self._write(
                    draft,
                    submission,
                    deferred,
                    person_id,
                    key,
                    fingerprint,
                    agent_staff_id,
                    agent_person_id,
                )
                await self._ctx.db.flush()
        except IntegrityError:
            # A concurrent twin won the race (same key) or the draft went with another key:
            # the savepoint is rolled back, and the winner is what this submit made.
            winner = await self._by_key(actor_id, key, fingerprint)
            if winner is None:
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

    async def _check(self, draft: Draft, submission: Submission) -> list[str]:
        """The materials that will follow on commitment; ``RuleViolation`` for what is wrong."""
        needs = await self._materials.needs(draft)
        if any(n.missing for n in needs):
            raise RuleViolation(MATERIALS_MISSING, code="materials_missing")
        deferred = [
            n.material.code
            for n in needs
            if n.material.required and not n.proven and not n.uploads and n.material.may_defer
        ]
        problems: dict[str, str] = {}
        if deferred and not submission.commitment:
            problems["commitment"] = COMMIT_NEEDED
        offered = {str(d) for d in self._drafts.notice(draft).deliveries}
        if submission.delivery not in offered:
            problems["delivery"] = CHOOSE_DELIVERY
        address = submission.address.strip()
        if submission.delivery == Delivery.MAIL and not 0 < len(address) <= 200:
            problems["address"] = ADDRESS_NEEDED
        if problems:
            raise RuleViolation(fields=problems)
        return deferred

    async def _write(
        self, draft: Draft, submission: Submission, deferred: list[str],
        person_id: UUID, key: str, fingerprint: str, agent_staff_id: UUID | None = None,
        agent_person_id: UUID | None = None,
    ) -> Application:  # fmt: skip
        ctx = self._ctx
        serial = ApplicationSerial()
        ctx.db.add(serial)
        await ctx.db.flush()
        application_id = uuid7()
        form = self._drafts.values(draft)
        address = submission.address.strip() if submission.delivery == Delivery.MAIL else ""
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
            delivery=submission.delivery,
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
