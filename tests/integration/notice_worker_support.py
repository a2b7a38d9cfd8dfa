"""A real ``python -m app worker`` process for the fault tests, and a private Redis for it.

Each fault test gets its own embedded Redis (so FLUSHALL and a killed worker disturb no
other test) and a database of its own (so its sweep never takes another test's deliveries).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Self

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """``python -m app worker`` against the given database, Redis and SMS gateway."""

    def __init__(self, log_path: Path, env: dict[str, str]) -> None:
        self._log_path = log_path
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @classmethod
    def for_test(
        cls, var_dir: Path, *, database_url: str, redis_url: str, sms_url: str, label: str
    ) -> Self:
        """A worker with a short lease and a sweep every 2 s that queues even fresh rows."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("ONETHING_") and key not in {"DATABASE_URL", "REDIS_URL"}
        }
        env |= {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "ONETHING_VAR_DIR": str(var_dir),
            "ONETHING_ENV": "test",
            "ONETHING_SECRET_KEY": "t" * 48,
            "ONETHING_SMS_GATEWAY_URL": sms_url,
            "ONETHING_NOTICE_LEASE_SECONDS": "4",
            "ONETHING_NOTICE_SWEEP_SECONDS": "2",
            "ONETHING_NOTICE_SWEEP_GRACE_SECONDS": "0",
            "ONETHING_LOG_JSON": "true",
        }
        return cls(var_dir / f"worker-{label}.log", env)

    def add_env(self, **values: str) -> None:
        """Set more environment variables for the process (before ``start``)."""
        self._env |= values

    def start(self) -> None:
        """Start the process (its output goes to a log file beside the var dir)."""
        self._log = self._log_path.open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "app", "worker"],
            cwd=PROJECT_ROOT, env=self._env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def running(self) -> bool:
        """Whether the process is still alive."""
        return self._process is not None and self._process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, whatever it was doing stops mid-way."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=30)
        self._close_log()

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL what does not end in time."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=30)
        self._close_log()

    def logged(self, text: str) -> bool:
        """Whether the worker's log (all of it) contains ``text``."""
        return self._log_path.exists() and text in self._log_path.read_text(errors="replace")

    def log_tail(self) -> str:
        """The end of the worker's log, for a failing assertion's message."""
        return self._log_path.read_text(errors="replace")[-3000:] if self._log_path.exists() else ""

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float, what: str, log: str = ""
) -> None:
    """Poll ``check`` until it holds (generous timeouts: the machine may be loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s\n{log}")


PG_BIN = Path("/usr/lib/postgresql")


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, so restarting it disturbs no other test.

    Made with the server's own ``initdb`` and ``pg_ctl`` as the ``postgres`` user; ``None``
    from ``find`` says why it cannot be made here.
    """

    def __init__(self, bin_dir: Path, directory: Path, port: int) -> None:
        self._bin, self._dir, self.port = bin_dir, directory, port

    @staticmethod
    def unavailable(*, only_with_postgres_url: bool = True) -> str | None:
        """Why no private cluster can be made here, or ``None`` if one can.

        ``only_with_postgres_url``: only in a run on PostgreSQL (the notice tests); the
        general fault tests need a cluster whatever the session's database is.
        """
        if only_with_postgres_url and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            return "DATABASE_URL is not PostgreSQL: the database restart is a PostgreSQL test"
        if not list(PG_BIN.glob("*/bin/pg_ctl")):
            return "no PostgreSQL server binaries (pg_ctl) under /usr/lib/postgresql"
        if os.geteuid() != 0 and _user() != "postgres":
            return "a private cluster needs root (runuser) or the postgres user"
        return None

    @classmethod
    def create(cls, directory: Path) -> Self:
        """``initdb`` a trust-auth cluster in ``directory`` on a free local port."""
        import socket

        bin_dir = sorted(PG_BIN.glob("*/bin/pg_ctl"))[-1].parent
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        directory.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(directory.parent, "postgres")
            shutil.chown(directory, "postgres")
        cluster = cls(bin_dir, directory, port)
        cluster._run("initdb", "-D", str(directory / "data"), "-A", "trust", "-U", "postgres")
        return cluster

    @property
    def admin_url(self) -> str:
        """The cluster's ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start and wait until it takes connections."""
        self._ctl("start")

    def restart(self) -> None:
        """Stop (fast: cut every connection) and start again, waiting for both."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        """Stop it (fast)."""
        self._ctl("stop", "-m", "fast")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self._dir / "data"), "-l", str(self._dir / "log"),
                  "-w", "-t", "120", "-o", options, action, *extra)  # fmt: skip

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=180)


@contextmanager
def private_cluster(*, only_with_postgres_url: bool = True) -> Iterator[PrivatePostgres]:
    """A started private cluster, stopped and deleted afterwards (skips if none can be made)."""
    import pytest

    reason = PrivatePostgres.unavailable(only_with_postgres_url=only_with_postgres_url)
    if reason:
        pytest.skip(reason)
    # Not under pytest's tmp dir: the postgres user cannot enter root's.
    directory = Path(tempfile.mkdtemp(prefix="onething-pg-"))
    try:
        cluster = PrivatePostgres.create(directory / "cluster")
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name
