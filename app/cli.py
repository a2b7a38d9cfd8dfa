"""``python -m app``: serve, migrate, demo data, the worker, staff, OIDC clients, enterprises, keys,
files, audit.

Each command loads settings once and passes them on.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from typing import Any

from advanced_alchemy.alembic.commands import AlembicCommands

import app.composition.models  # noqa: F401
from app.benefits.rules import load_benefits
from app.catalog.loader import CatalogError, load_catalog
from app.commands.audit import add_audit_command, run_audit
from app.commands.key_rotation import reencrypt_person_numbers
from app.commands.oidc import register_client
from app.commands.persons import disable_person
from app.commands.registry import register_enterprise
from app.commands.staff import create_staff_account, disable_staff_account
from app.commands.wallet import UnknownDepartment, expire_licenses, rotate_key
from app.commands.worker_areas import set_worker_areas
from app.composition.build import protector_for
from app.config import Settings, SettingsError, load_settings
from app.db import database_config
from app.demo import load_demo_data
from app.errors import DomainError, RuleViolation
from app.i18n import gettext, set_locale
from app.logging import configure_logging
from app.oidc.keys import format_signing_keys, generate_signing_key
from app.sealed_files import FilesReport, SealedFiles, reseal_files, seal_clear_files
from app.staff.models import StaffRole
from app.staff.service import StaffCreate
from app.storage import LocalFileStorage
from app.worker.running import run_worker


def _migrate(settings: Settings, args: argparse.Namespace) -> None:
    commands = AlembicCommands(sqlalchemy_config=database_config(settings))
    if args.direction == "down":
        commands.downgrade(revision=args.revision or "base")
    elif args.direction == "revision":
        commands.revision(message=args.message, autogenerate=True)
    else:
        commands.upgrade(revision=args.revision or "head")


def _demo(settings: Settings, _args: argparse.Namespace) -> None:
    asyncio.run(load_demo_data(settings))


def _enterprise(settings: Settings, args: argparse.Namespace) -> int:
    set_locale(settings.default_locale)
    try:
        registered = asyncio.run(
            register_enterprise(
                settings,
                credit_code=args.credit_code,
                name=args.name,
                legal_representative_phone=args.legal_rep_phone,
            )
        )
    except DomainError as exc:
        fields = exc.fields if isinstance(exc, RuleViolation) else {}
        for field, message in fields.items() or [("", exc.message)]:
            prefix = f"--{field.replace('_', '-')}: " if field else ""
            print(f"{prefix}{gettext(message)}", file=sys.stderr)  # noqa: T201
        return 1
    # The registered enterprise, never the phone number.
    print(f"{registered.id} {registered.credit_code} {registered.name}")  # noqa: T201
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    # uvicorn in one process with the asyncio loop: it matched granian's throughput and,
    # on a quiet machine, its p99 (bench/README.md), and it stops cleanly on SIGTERM or
    # SIGINT sent to its one process. granian's main process ignored both here, so a
    # `docker stop` would have ended in SIGKILL with no lifespan shutdown.
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        loop="asyncio",
        http="httptools",
        reload=args.reload,
        log_config=None,  # our structlog handler formats uvicorn's records too
        access_log=False,  # app.web.requests logs one line per request, path only
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )


def _worker(settings: Settings, _args: argparse.Namespace) -> None:
    asyncio.run(run_worker(settings))


def _oidc_client(settings: Settings, args: argparse.Namespace) -> int:
    try:
        new = asyncio.run(
            register_client(
                settings, name=args.name, redirect_uris=args.redirect_uri, public=args.public
            )
        )
    except RuleViolation as exc:
        print(f"{exc.message} {exc.details.get('value', '')}".strip(), file=sys.stderr)  # noqa: T201
        return 2
    print(f"client_id: {new.client.client_id}")  # noqa: T201
    if new.secret is not None:
        # The only copy: it is stored hashed. Printed for the operator to hand over securely.
        print(f"client_secret: {new.secret}")  # noqa: T201
        print("The secret is shown only this once.", file=sys.stderr)  # noqa: T201
    else:
        print("public client: no secret; it must use PKCE (S256)", file=sys.stderr)  # noqa: T201
    return 0


def _oidc_key(_settings: Settings, _args: argparse.Namespace) -> int:
    # A new key set for ONETHING_OIDC_SIGNING_KEYS; to rotate, put the new key first and keep
    # the old one after it until the ID tokens it signed have expired.
    print(format_signing_keys([generate_signing_key()]))  # noqa: T201
    return 0


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    report = asyncio.run(reencrypt_person_numbers(settings, batch_size=args.batch_size))
    print(  # noqa: T201
        f"re-encrypted {report.changed} value(s) under key {report.active_key_id!r}"
    )
    files = asyncio.run(_run_on_files(settings, "reseal"))
    print(f"re-sealed {files.changed} of {files.examined} stored file(s)")  # noqa: T201
    if report.unreadable or files.unreadable:
        print(  # noqa: T201
            f"{report.unreadable} value(s) and {files.unreadable} file(s) could not be read with"
            " the configured keys (see the log for the persons and file keys); keep every old"
            " key listed until this reports none.",
            file=sys.stderr,
        )
        return 1
    return 0


async def _run_on_files(settings: Settings, action: str) -> FilesReport:
    storage = LocalFileStorage(settings.var_dir / "files")
    files = SealedFiles(storage, protector_for(settings))
    if action == "seal":
        return await seal_clear_files(files, storage)
    return await reseal_files(files, storage)


def _files(settings: Settings, _args: argparse.Namespace) -> int:
    report = asyncio.run(_run_on_files(settings, "seal"))
    print(f"sealed {report.changed} of {report.examined} stored file(s)")  # noqa: T201
    return 0


def _wallet(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "expire":
        print(f"expired {asyncio.run(expire_licenses(settings))} license(s)")  # noqa: T201
        return 0
    try:
        old, new = asyncio.run(rotate_key(settings, args.department))
    except UnknownDepartment:
        print(f"--department: no department has the code {args.department!r}.", file=sys.stderr)  # noqa: T201
        return 2
    # Key ids only: the private key never leaves the database, where it is encrypted.
    retired = f"; {old} retired (still verifies)" if old else ""
    print(f"{args.department}: new signing key {new}{retired}")  # noqa: T201
    return 0


def _add_wallet_commands(sub: Any) -> None:
    wallet = sub.add_parser("wallet", help="the e-license wallet's signing keys and expiry")
    actions = wallet.add_subparsers(dest="action", required=True)
    rotate = actions.add_parser(
        "rotate-key", help="a new signing key for a department; the old one keeps verifying"
    )
    rotate.add_argument("--department", required=True, help="department code, e.g. health")
    actions.add_parser("expire", help="mark licenses past their validity as expired (idempotent)")


def _add_keys_command(sub: Any) -> None:
    keys = sub.add_parser("keys", help="keys of personal data at rest (ONETHING_DATA_KEYS)")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    reencrypt = keys_sub.add_parser(
        "reencrypt",
        help="re-encrypt phone and ID numbers and re-seal stored files made under an older key"
        " (idempotent)",
    )
    reencrypt.add_argument("--batch-size", type=int, default=500, help="persons per transaction")


def _add_files_command(sub: Any) -> None:
    files = sub.add_parser("files", help="uploaded files in the file storage")
    files_sub = files.add_subparsers(dest="action", required=True)
    files_sub.add_parser(
        "seal", help="seal files still stored in clear (written before sealing; idempotent)"
    )


def _add_oidc_commands(sub: Any) -> None:
    client = sub.add_parser("oidc-client", help="relying parties of the OpenID provider")
    client_sub = client.add_subparsers(dest="action", required=True)
    create = client_sub.add_parser("create", help="register a client; prints its id and secret")
    create.add_argument("--name", required=True, help="the app's name, shown on the consent page")
    create.add_argument(
        "--redirect-uri", action="append", required=True, help="exact redirect URI (repeatable)"
    )
    create.add_argument("--public", action="store_true", help="no secret (mobile or browser app)")
    key = sub.add_parser("oidc-key", help="ID-token signing keys")
    key_sub = key.add_subparsers(dest="action", required=True)
    key_sub.add_parser("generate", help="print a new P-256 key set for ONETHING_OIDC_SIGNING_KEYS")


def _person(settings: Settings, args: argparse.Namespace) -> int:
    try:
        found, at_once = asyncio.run(disable_person(settings, args.phone))
    except RuleViolation:
        print("--phone: not a mainland mobile number.", file=sys.stderr)  # noqa: T201
        return 2
    if not found:
        print("No account has that phone number.", file=sys.stderr)  # noqa: T201
        return 1
    when = "now" if at_once else "at their next request"
    print(f"Disabled; the person's sessions and tokens end {when}.")  # noqa: T201
    return 0


def _staff(settings: Settings, args: argparse.Namespace) -> int:
    # Every model, so that the foreign keys of the staff's security events resolve.

    try:
        if args.action == "areas":
            asyncio.run(set_worker_areas(settings, args.username, args.areas))
            print(f"{args.username} now serves: {', '.join(sorted(set(args.areas)))}")  # noqa: T201
            return 0
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
    areas = actions.add_parser("areas", help="set the areas a field worker serves")
    areas.add_argument("username")
    areas.add_argument("areas", nargs="+", help="area codes (app/assist/areas.py)")


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
    sub.add_parser("catalog-check", help="check the catalog files (exit 2 naming what is wrong)")
    _add_oidc_commands(sub)
    _add_keys_command(sub)
    _add_files_command(sub)
    add_audit_command(sub)
    enterprise = sub.add_parser("enterprise", help="enterprises (until the registry feed exists)")
    enterprise_sub = enterprise.add_subparsers(dest="action", required=True)
    create = enterprise_sub.add_parser("create", help="record an enterprise from the registry")
    create.add_argument("--credit-code", required=True, help="unified social credit code")
    create.add_argument("--name", required=True, help="registered name")
    create.add_argument(
        "--legal-rep-phone",
        required=True,
        help="the legal representative's mobile (has an account)",
    )
    _add_staff_commands(sub)
    _add_wallet_commands(sub)
    person = sub.add_parser("person", help="residents' accounts (administrators)")
    person_sub = person.add_subparsers(dest="action", required=True)
    disable = person_sub.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("--phone", required=True, help="the account's mobile number")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    configure_logging(settings.log_level, json=settings.log_json)
    if args.command in ("serve", "worker", "demo-data", "catalog-check"):
        # A broken catalog stops here with the file, line and field, before anything starts.

        try:
            load_catalog(*([settings.catalog_dir] if settings.catalog_dir else []))
            load_benefits()  # the optional benefits.yaml of the repository's catalog
        except CatalogError as exc:
            print(f"Catalog error: {exc}", file=sys.stderr)  # noqa: T201
            return 2
        if args.command == "catalog-check":
            return 0
    handlers: dict[str, Callable[[Settings, argparse.Namespace], int | None]] = {
        "serve": _serve,
        "migrate": _migrate,
        "demo-data": _demo,
        "worker": _worker,
        "oidc-client": _oidc_client,
        "oidc-key": _oidc_key,
        "enterprise": _enterprise,
        "staff": _staff,
        "keys": _keys,
        "files": _files,
        "person": _person,
        "wallet": _wallet,
        "audit": run_audit,
    }
    return handlers[args.command](settings, args) or 0
