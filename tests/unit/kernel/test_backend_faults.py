"""Which exceptions count as a backend that is down (503) rather than a bug (500)."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from app.errors import Unavailable
from app.faults import backend_fault


class _CannotConnectNow(Exception):
    """Shaped like asyncpg's: a SQLSTATE of class 57 (operator intervention)."""

    sqlstate = "57P03"


def _wrapped(cause: BaseException) -> DBAPIError:
    try:
        raise DBAPIError("SELECT 1", None, cause) from cause
    except DBAPIError as exc:
        return exc


def test_a_server_shutting_down_is_a_database_fault_even_when_wrapped() -> None:
    assert backend_fault(_wrapped(_CannotConnectNow())) == "database"
    busy = OperationalError("INSERT", None, Exception("database is locked"))
    assert backend_fault(busy) == "database"  # SQLite past its busy timeout


def test_redis_connection_errors_and_timeouts_are_faults() -> None:
    assert backend_fault(RedisConnectionError("refused")) == "redis"
    assert backend_fault(TimeoutError()) == "backend"
    assert backend_fault(ConnectionResetError()) == "backend"


def test_errors_of_the_data_or_the_code_are_not_faults() -> None:
    assert backend_fault(IntegrityError("INSERT", None, Exception("duplicate key"))) is None
    assert backend_fault(OperationalError("SELECT", None, Exception("no such table: x"))) is None
    assert backend_fault(ResponseError("WRONGTYPE")) is None
    assert backend_fault(KeyError("x")) is None
    assert backend_fault(Unavailable()) is None  # already a 503 of its own
