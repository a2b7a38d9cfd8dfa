"""Database wiring: one async engine per app, SQLite pragmas, Alembic through advanced-alchemy."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.config import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def create_engine(settings: Settings, *, serving: bool = False) -> AsyncEngine:
    """The app's engine. SQLite gets WAL, foreign keys and a busy timeout on every connection.

    The composition root's ``create_engine`` wraps this one and hooks the audit mirror on
    (``app.composition.build``). On PostgreSQL, connecting and waiting
    for a pooled connection give up after ``database_connect_timeout_seconds``; a
    ``serving`` engine (the web app's) also gives up on any one statement after
    ``database_statement_timeout_seconds``, so a request never hangs on a server that
    stopped answering (it answers 503). Commands and migrations may run longer statements.
    """
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 15})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {"timeout": settings.database_connect_timeout_seconds}
    if serving:
        # asyncpg's client-side limit: it also ends a wait on a server that went silent
        # (a cut cable, a blackholing firewall), which a server-side statement_timeout cannot.
        connect_args["command_timeout"] = settings.database_statement_timeout_seconds
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10,
        pool_timeout=settings.database_connect_timeout_seconds, connect_args=connect_args,
    )  # fmt: skip


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the in-process worker read while a request writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def database_config(
    settings: Settings,
    engine: AsyncEngine | None = None,
    session_info: dict[str, Any] | None = None,
) -> SQLAlchemyAsyncConfig:
    """advanced-alchemy config used by the Litestar plugin and by the migration commands.

    ``session_info`` lands in every request session's ``info`` (the notice dispatcher).
    """
    return SQLAlchemyAsyncConfig(
        engine_instance=engine or create_engine(settings),
        session_config=AsyncSessionConfig(expire_on_commit=False, info=session_info or {}),
        # POST-redirect-GET: a 303 after a form is a success, so redirects commit too.
        before_send_handler="autocommit_include_redirects",
        # Errors are mapped once per channel in app.web.problems, not by the plugin.
        set_default_exception_handler=False,
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS_DIR),
            version_table_name="alembic_version",
            render_as_batch=True,  # SQLite alters tables by copying them
        ),
    )
