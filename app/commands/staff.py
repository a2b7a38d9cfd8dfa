"""The staff commands of ``python -m app staff``: the same service as the admin page.

They run outside the app, so each opens its own engine. Disabling also ends the live
sessions in Redis when Redis can be reached now; when it cannot (the embedded Redis of a
stopped app), the raised session epoch still ends each session at its next request.
"""

from __future__ import annotations

import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.composition.build import create_engine
from app.config import Environment, Settings
from app.embedded_redis import EmbeddedRedis
from app.identity.sessions import SessionStore
from app.protection import Keyring, load_protection_keys
from app.staff.service import StaffCreate, StaffService

log = structlog.get_logger(__name__)


class CreatedAccount(msgspec.Struct, kw_only=True):
    """What the command prints: the username and, when generated, the initial password."""

    username: str
    initial_password: str | None


async def create_staff_account(settings: Settings, data: StaffCreate) -> CreatedAccount:
    """Create an account (``RuleViolation`` says what is wrong) and commit it."""
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db, db.begin():
            created = await StaffService(db, keyring=_keyring(settings)).create(
                data, actor="command line"
            )
            return CreatedAccount(
                username=created.staff.username, initial_password=created.initial_password
            )
    finally:
        await engine.dispose()


async def disable_staff_account(settings: Settings, username: str) -> bool:
    """Disable an account; True when its sessions were also removed from Redis at once."""
    engine = create_engine(settings)
    redis = await reachable_redis(settings)
    try:
        sessions = (
            SessionStore(
                redis,
                idle_seconds=settings.session_idle_minutes * 60,
                absolute_seconds=settings.session_absolute_hours * 3600,
            )
            if redis is not None
            else None
        )
        async with async_sessionmaker(engine, expire_on_commit=False)() as db, db.begin():
            service = StaffService(db, keyring=_keyring(settings), sessions=sessions)
            await service.disable(username, actor="command line")
        return sessions is not None
    finally:
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def _keyring(settings: Settings) -> Keyring:
    keys = load_protection_keys(
        settings.data_keys, settings.var_dir, production=settings.env is Environment.PRODUCTION
    )
    return Keyring(keys.encryption_keys, keys.active_key_id)


async def reachable_redis(settings: Settings) -> Redis | None:
    """The app's Redis if it answers now, else None (commands never start the embedded one)."""
    url = settings.redis_url or EmbeddedRedis(settings.var_dir / "redis").url
    redis: Redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        await redis.ping()
    except (RedisError, OSError):
        await redis.aclose()
        log.warning("redis not reachable: sessions end at their next request instead")
        return None
    return redis
