"""``python -m app person disable``: an administrator disables a resident's account.

Disabling ends every web session and mini-program token of the person: sessions in Redis
are removed at once when Redis answers, and in any case the raised session epoch ends
each of them (and each bearer token) at its next use.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker

from app.commands.staff import reachable_redis
from app.composition.build import create_engine, protector_for
from app.config import Settings
from app.identity.models import SecurityEvent, SecurityEventKind
from app.identity.persons import find_by_phone
from app.identity.sessions import SessionStore
from app.phones import validate_phone


async def disable_person(settings: Settings, raw_phone: str) -> tuple[bool, bool]:
    """Disable the account of the person with this phone: (found, sessions ended at once)."""
    phone = validate_phone(raw_phone)
    protector = protector_for(settings)
    engine = create_engine(settings)
    redis = await reachable_redis(settings)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db, db.begin():
            person = await find_by_phone(db, protector, phone)
            if person is None:
                return False, False
            person.disabled_at = person.disabled_at or datetime.now(UTC)
            person.session_epoch += 1
            db.add(
                SecurityEvent(
                    kind=SecurityEventKind.ACCOUNT_DISABLED,
                    person_id=person.id,
                    phone_index=person.phone_index,
                    detail="command line",
                )
            )
        if redis is None:
            return True, False
        sessions = SessionStore(
            redis,
            idle_seconds=settings.session_idle_minutes * 60,
            absolute_seconds=settings.session_absolute_hours * 3600,
        )
        await sessions.end_all(person.id)
        return True, True
    finally:
        if redis is not None:
            await redis.aclose()
        await engine.dispose()
