"""Guardians (监护人): parents of minors, court-appointed guardians of adults without capacity.

A guardianship is an ``Authorization`` naming the guardian as the agent, with a ``basis``
and its proof instead of the ward's confirmation, covering every service and every action:

- **Parent of a minor.** The guardian names the child (phone number and verified name, as for
  relatives: the same answer whether or not found). Both must have verified their real name
  (L2): the household register (``population``) is read for both — household number and
  relation to the head — and for the child their date of birth. The reads are consented and
  logged like any other (the child's read names the guardian as the reader). It holds when
  both are in one household, the child is a son or daughter of the head, the guardian is the
  head or the head's spouse, and the child is under 18; it ends at the child's 18th birthday
  (midnight, China time). The proof kept: the source and the record's date.
- **Court-appointed.** The guardian uploads the court's document; a window clerk or a
  supervisor looks at it in the staff space and confirms it (or not). The proof kept: the
  stored document and the member of staff who checked it. It holds until ended.

The ward cannot revoke a guardianship; the guardian gives it up, or staff end it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.applications.uploads import clean_upload
from app.assist.authorizations import AuthorizationService
from app.assist.models import (
    Authorization,
    AuthorizationEventKind,
    Confirmation,
    GuardianshipBasis,
    Scope,
)
from app.assist.relatives import find_person
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.identity.models import Person
from app.protection import DataProtector
from app.records.service import FieldRequest, Purpose, RecordsService
from app.staff.models import Staff, StaffRole
from app.storage import FileStorage

CHINA = timezone(timedelta(hours=8))
ADULT_AGE = 18
COURT_YEARS = 100  # "until ended": a period long enough never to end by itself
PURPOSE = Purpose("guardianship", "household", "监护关系核验 (guardianship check)")
HOUSEHOLD = ("household_number", "relation_to_head")
CHILD_RELATIONS = frozenset(
    {"子", "女", "长子", "长女", "次子", "次女", "三子", "三女", "养子", "养女"}
)
PARENT_RELATIONS = frozenset({"户主", "妻", "夫"})
ALREADY_DECIDED = N_("This guardianship was already checked.")
CHECKERS = frozenset({StaffRole.WINDOW_CLERK, StaffRole.SUPERVISOR})


def eighteenth_birthday(born: date) -> datetime:
    """Midnight (China time) of the day a person born on ``born`` turns 18, in UTC."""
    try:
        day = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born on 29 February: of age on 1 March
        day = date(born.year + ADULT_AGE, 3, 1)
    return datetime.combine(day, time(), tzinfo=CHINA).astimezone(UTC)


class Guardianships:
    """Proving, checking and listing guardianships, on one session."""

    def __init__(
        self, db: AsyncSession, *, authorizations: AuthorizationService, records: RecordsService,
        protector: DataProtector, storage: FileStorage | None = None,
    ) -> None:  # fmt: skip
        self._db = db
        self._authorizations = authorizations
        self._records = records
        self._protector = protector
        self._storage = storage

    def _new(self, ward: Person, guardian: Person, basis: GuardianshipBasis,
             until: datetime) -> Authorization:  # fmt: skip
        now = self._authorizations.now()
        authorization = Authorization(
            person_id=ward.id, agent_person_id=guardian.id, basis=str(basis),
            bundles=sorted(self._authorizations.catalog.bundles),
            scopes=sorted(str(s) for s in Scope), valid_from=now, valid_until=until,
        )  # fmt: skip
        self._db.add(authorization)
        return authorization

    async def _household(
        self, person: Person, *, reader: Person | None, birth: bool
    ) -> dict[str, str]:
        fields = [*HOUSEHOLD, "birth_date"] if birth else list(HOUSEHOLD)
        requests = [FieldRequest("population", f) for f in fields]
        await self._records.grant_consent(person, PURPOSE, requests)
        read = await self._records.read(
            person, PURPOSE, requests, accessor_person_id=reader.id if reader else None
        )
        return {field: value.value for (_, field), value in read.items()} | {
            "as_of": next((str(v.as_of) for v in read.values()), "")
        }

    async def from_household(self, guardian: Person, phone: str, name: str) -> Authorization | None:
        """A parent's guardianship of their minor child, proven from the household register.

        None when the child is not found or the register does not prove it (the page says
        the same either way).
        """
        ward = await find_person(self._db, self._protector, phone, name)
        if (
            ward is None or ward.id == guardian.id
            or guardian.id_number_index is None or ward.id_number_index is None
        ):  # fmt: skip
            return None
        mine = await self._household(guardian, reader=None, birth=False)
        theirs = await self._household(ward, reader=guardian, birth=True)
        try:
            born = date.fromisoformat(theirs.get("birth_date", ""))
        except ValueError:
            return None
        until = eighteenth_birthday(born)
        if (
            not mine.get("household_number")
            or mine.get("household_number") != theirs.get("household_number")
            or theirs.get("relation_to_head") not in CHILD_RELATIONS
            or mine.get("relation_to_head") not in PARENT_RELATIONS
            or self._authorizations.now() >= until
        ):
            return None
        authorization = self._new(ward, guardian, GuardianshipBasis.PARENT_OF_MINOR, until)
        authorization.proof_note = "population"
        authorization.proof_on = date.fromisoformat(theirs["as_of"]) if theirs["as_of"] else None
        await self._db.flush()
        service = self._authorizations
        service.event(authorization, AuthorizationEventKind.GRANTED, "person", guardian.id,
                      "parent_of_minor")  # fmt: skip
        await service.confirm_as(authorization, Confirmation.HOUSEHOLD_RECORD, "system",
                                 guardian.id)  # fmt: skip
        return authorization

    async def court_appointed(
        self, guardian: Person, phone: str, name: str, *, filename: str, data: bytes,
        max_bytes: int, max_pixels: int,
    ) -> Authorization | None:  # fmt: skip
        """The guardian uploads the court's document; it holds once staff checked it."""
        clean = clean_upload(data, max_bytes=max_bytes, max_pixels=max_pixels, field="document")
        ward = await find_person(self._db, self._protector, phone, name)
        if ward is None or ward.id == guardian.id or self._storage is None:
            return None
        now = self._authorizations.now()
        authorization = self._new(ward, guardian, GuardianshipBasis.COURT_APPOINTED,
                                  now + timedelta(days=365 * COURT_YEARS))  # fmt: skip
        key = f"uploads/{uuid4()}"  # like every stored upload; the type is in the bytes
        await self._storage.put(key, clean.data)
        authorization.proof_upload_key = key
        authorization.proof_note = filename.rsplit(".", 1)[0][:80] or "document"
        await self._db.flush()
        self._authorizations.event(authorization, AuthorizationEventKind.GRANTED, "person",
                                   guardian.id, "court_appointed")  # fmt: skip
        await self._db.flush()
        return authorization

    async def waiting(self, staff: Staff) -> list[Authorization]:
        """Court-appointed guardianships waiting for a check (window clerks, supervisors)."""
        if staff.role not in CHECKERS:
            raise NotFound
        rows = await self._db.scalars(
            select(Authorization)
            .where(
                Authorization.basis == str(GuardianshipBasis.COURT_APPOINTED),
                Authorization.confirmed_at.is_(None),
                Authorization.revoked_at.is_(None),
            )
            .order_by(Authorization.created_at)
        )
        return list(rows)

    async def of_staff(self, staff: Staff, authorization_id: UUID) -> Authorization:
        """One court-appointed guardianship, for a member of staff who checks them."""
        authorization = await self._db.get(Authorization, authorization_id)
        if (
            staff.role not in CHECKERS or authorization is None
            or authorization.basis != str(GuardianshipBasis.COURT_APPOINTED)
        ):  # fmt: skip
            raise NotFound
        return authorization

    async def document(self, staff: Staff, authorization_id: UUID) -> bytes:
        """The court's document as uploaded (cleaned), for the checking member of staff."""
        authorization = await self.of_staff(staff, authorization_id)
        if authorization.proof_upload_key is None or self._storage is None:
            raise NotFound
        return await self._storage.get(authorization.proof_upload_key)

    async def confirm(self, staff: Staff, authorization_id: UUID) -> Authorization:
        """The member of staff saw the court's document: the guardianship holds from now."""
        authorization = await self.of_staff(staff, authorization_id)
        if authorization.confirmed_at is not None or authorization.revoked_at is not None:
            raise Conflict(ALREADY_DECIDED)
        authorization.proof_checked_by_staff_id = staff.id
        authorization.proof_on = self._authorizations.now().astimezone(CHINA).date()
        return await self._authorizations.confirm_as(
            authorization, Confirmation.STAFF_CHECKED, "staff", staff.id
        )

    async def end(self, staff: Staff, authorization_id: UUID, note: str = "") -> Authorization:
        """Staff end a guardianship (refused document, or the court ended it)."""
        authorization = await self.of_staff(staff, authorization_id)
        if authorization.revoked_at is None:
            authorization.revoked_at = self._authorizations.now()
            self._authorizations.event(authorization, AuthorizationEventKind.REVOKED, "staff",
                                       staff.id, note[:200])  # fmt: skip
            await self._db.flush()
        return authorization
