"""``python -m app``: serve, migrate, load demo data, run the worker, manage staff accounts.

Each command loads settings once and passes them on.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from app.config import Settings, SettingsError, load_settings
from app.logging import configure_logging


def _migrate(settings: Settings, args: argparse.Namespace) -> None:
    from advanced_alchemy.alembic.commands import AlembicCommands

    from app.db import database_config

    commands = AlembicCommands(sqlalchemy_config=database_config(settings))
    if args.direction == "down":
        commands.downgrade(revision=args.revision or "base")
    elif args.direction == "revision":
        commands.revision(message=args.message, autogenerate=True)
    else:
        commands.upgrade(revision=args.revision or "head")


def _demo(settings: Settings, _args: argparse.Namespace) -> None:
    from app.demo import load_demo_data

    asyncio.run(load_demo_data(settings))


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    # granian, not uvicorn: at saturation it held the shell page's p99 5-7x lower with equal
    # or better throughput (bench/README.md, "Figures on this machine").
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "app.main:create_app",
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=1,  # the embedded Redis and in-process worker belong to one process
        reload=args.reload,
        log_enabled=False,  # our structlog handlers write every line, masked
        log_access=False,  # app.requests logs one line per request, path only
    ).serve()


def _worker(settings: Settings, _args: argparse.Namespace) -> None:
    from app.worker import run_worker

    asyncio.run(run_worker(settings))


def _staff(settings: Settings, args: argparse.Namespace) -> int:
    from app.errors import DomainError, RuleViolation
    from app.identity.staff import StaffCreate
    from app.identity.staff_commands import create_staff_account, disable_staff_account

    try:
        if args.action == "disable":
            at_once = asyncio.run(disable_staff_account(settings, args.username))
            when = "now" if at_once else "at their next request"
            print(f"Disabled {args.username}; their sessions end {when}.")  # noqa: T201
            return 0
        password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
        data = StaffCreate(
            username=args.username,
            display_name=args.name,
            role=args.role,
            department_code=args.department or "",
            password=password,
        )
        created = asyncio.run(create_staff_account(settings, data))
    except RuleViolation as exc:
        for field, message in exc.fields.items() or [("", exc.message)]:
            print(f"{field}: {message}" if field else message, file=sys.stderr)  # noqa: T201
        return 1
    except DomainError as exc:
        print(exc.message, file=sys.stderr)  # noqa: T201
        return 1
    print(f"Created staff account {created.username}.")  # noqa: T201
    if created.initial_password:
        # Shown once, here only; it is never stored or logged in clear.
        print(f"Initial password: {created.initial_password}")  # noqa: T201
    print("At the first sign-in (/staff/sign-in) they set up an authenticator app.")  # noqa: T201
    return 0


def _add_staff_commands(sub: Any) -> None:
    from app.identity.staff_models import StaffRole

    staff = sub.add_parser("staff", help="create or disable staff accounts")
    actions = staff.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create an account; prints an initial password")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True, help="the name shown to colleagues")
    create.add_argument("--role", required=True, choices=[role.value for role in StaffRole])
    create.add_argument("--department", help="department code (required for reviewers)")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the initial password from the first line of stdin instead of generating one",
    )
    disable = actions.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("username")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m app", description="OneThing")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve HTTP on ONETHING_HOST:ONETHING_PORT")
    serve.add_argument("--reload", action="store_true", help="restart on code changes")
    migrate = sub.add_parser("migrate", help="apply (or revert) database migrations")
    migrate.add_argument("direction", nargs="?", choices=["up", "down", "revision"], default="up")
    migrate.add_argument("--revision", help="target revision (default: head / base)")
    migrate.add_argument("--message", default="change", help="message for a new revision")
    sub.add_parser("demo-data", help="load the demo data (idempotent)")
    sub.add_parser("worker", help="run the arq worker as its own process")
    _add_staff_commands(sub)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    configure_logging(settings.log_level, json=settings.log_json)
    if args.command == "staff":
        return _staff(settings, args)
    handlers = {"serve": _serve, "migrate": _migrate, "demo-data": _demo, "worker": _worker}
    handlers[args.command](settings, args)
    return 0
