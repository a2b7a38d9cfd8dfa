"""Migrations go up and down cleanly, and match the models (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from advanced_alchemy.alembic.commands import AlembicCommands
from sqlalchemy import inspect

from app.composition.build import create_engine
from app.config import Settings
from app.db import database_config
from tests.conftest import make_settings, migrate


def _tables(settings: Settings) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        finally:
            await engine.dispose()
        return set(names)

    return asyncio.run(read())


def test_migrations_go_up_down_and_up_again(tmp_path: Path, fresh_database_url: object) -> None:
    settings = make_settings(tmp_path, fresh_database_url("updown"))  # type: ignore[operator]
    migrate(settings)
    assert {"department", "alembic_version"} <= _tables(settings)
    migrate(settings, "base", down=True)
    assert _tables(settings) <= {"alembic_version"}
    migrate(settings)
    assert "department" in _tables(settings)


def test_models_and_migrations_agree(tmp_path: Path, fresh_database_url: object) -> None:
    """A model change without its migration fails here (``alembic check``)."""
    settings = make_settings(tmp_path, fresh_database_url("drift"))  # type: ignore[operator]
    migrate(settings)
    AlembicCommands(sqlalchemy_config=database_config(settings)).check()
