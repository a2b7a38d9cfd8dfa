"""Which exceptions mean "a backend is down or silent" rather than "a bug".

The database and Redis can go away under a running app: a restart, a failover, a cut
connection, a server that stops answering. Requests caught in that must answer 503 with
``Retry-After`` (the client retries, with its idempotency key where it has one), not 500,
and the log says which backend failed without a stack trace for each request.
"""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# Raised by the drivers themselves, or by SQLAlchemy when the pool has nothing to give.
_FAULTS: tuple[type[BaseException], ...] = (
    PoolTimeoutError,  # no pooled connection freed up within the pool timeout
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,  # the OS: refused, reset, aborted
    TimeoutError,  # asyncpg's command or connect timeout, asyncio timeouts
)
# SQLSTATE classes of PostgreSQL that say "the server, not the statement": 08 connection
# exception, 53 insufficient resources (too many connections), 57 operator intervention
# (admin shutdown, crash shutdown, cannot connect now). asyncpg raises them as they are.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")
_CHAIN_LIMIT = 8
# SQLite says OperationalError for a busy database but also for a missing table (a bug, which
# must stay a 500 with its stack trace): only the first is a fault.
_SQLITE_BUSY = "database is locked"


def backend_fault(exc: BaseException) -> str | None:
    """``"database"``, ``"redis"`` or ``"backend"`` when ``exc`` (or its cause) is such a fault.

    ``"backend"``: a bare timeout or reset that does not say whose it is (asyncpg raises
    the built-in ``TimeoutError`` for its statement limit).
    Causes are followed because layers wrap: advanced-alchemy's ``RepositoryError`` around
    SQLAlchemy's, SQLAlchemy's around asyncpg's. Errors of the data itself (a unique key,
    a check constraint) are not faults: they stay what they were.
    """
    seen: BaseException | None = exc
    for _ in range(_CHAIN_LIMIT):
        if seen is None:
            return None
        if isinstance(seen, (RedisConnectionError, RedisTimeoutError)):
            return "redis"
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return "database"
        if str(getattr(seen, "sqlstate", "") or "")[:2] in _UNAVAILABLE_SQLSTATE_CLASSES:
            return "database"
        if isinstance(seen, OperationalError) and _SQLITE_BUSY in str(seen.orig):
            return "database"  # SQLite's writer lock outlasted the busy timeout
        if isinstance(seen, _FAULTS):
            return "database" if _from_database(seen) else "backend"
        seen = seen.__cause__ or seen.__context__
    return None


def _from_database(exc: BaseException) -> bool:
    module = type(exc).__module__
    return module.startswith(("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3"))
