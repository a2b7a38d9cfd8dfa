"""``python -m app audit verify|purge``: check the chain, or purge what is past retention."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from app.audit.service import Purged, Verdict, purge, verify
from app.composition.build import create_engine
from app.config import Settings


def add_audit_command(sub: Any) -> None:
    """Register ``audit verify`` and ``audit purge`` on the CLI's subparsers."""
    audit = sub.add_parser("audit", help="the hash-chained audit log (docs/SECURITY.md)")
    actions = audit.add_subparsers(dest="action", required=True)
    actions.add_parser("verify", help="check every link; exit 1 naming the first wrong event")
    actions.add_parser(
        "purge", help="delete events older than ONETHING_AUDIT_RETENTION_DAYS (idempotent)"
    )


def run_audit(settings: Settings, args: argparse.Namespace) -> int:
    """The ``audit`` command; its exit code."""
    if args.action == "purge":
        purged = asyncio.run(purge_audit_log(settings))
        print(  # noqa: T201
            f"purged {purged.deleted} event(s) older than {settings.audit_retention_days} days;"
            f" the chain now starts after event {purged.anchor_id}"
        )
        return 0
    verdict = asyncio.run(verify_audit_log(settings))
    if not verdict.ok:
        print(f"audit log BROKEN: event {verdict.broken_at} {verdict.reason}", file=sys.stderr)  # noqa: T201
        return 1
    # The head's hash, for the operator to note somewhere else: a chain rewritten from the
    # start would verify, but would no longer end in the hash noted earlier.
    print(  # noqa: T201
        f"audit log OK: {verdict.checked} event(s) checked;"
        f" head event {verdict.head_id} hash {verdict.head_hash}"
    )
    return 0


async def verify_audit_log(settings: Settings) -> Verdict:
    """Verify the chain of the configured database."""
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine)() as db:
            return await verify(db)
    finally:
        await engine.dispose()


async def purge_audit_log(settings: Settings) -> Purged:
    """Purge the configured database's chain by the retention setting."""
    engine = create_engine(settings)
    try:
        async with async_sessionmaker(engine)() as db, db.begin():
            return await purge(db, retention_days=settings.audit_retention_days)
    finally:
        await engine.dispose()
