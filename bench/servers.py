"""Start an ASGI server on a free loopback port, wait until it answers, always stop it.

Each server runs in its own session (process group), so stopping it also stops
any worker processes it forked. The group leader is not reaped until the whole
group has been signalled, so its group id cannot be reused by a stranger.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import PROJECT_ROOT, proctree

HOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1
_LOG_TAIL_LINES = 15


class ServerError(RuntimeError):
    """A server exited early or never answered."""


@dataclass(frozen=True)
class Server:
    """One way of serving an ASGI application factory: a server and its event loop."""

    name: str  # the row label
    module: str  # run as ``python -m MODULE``
    flags: tuple[str, ...]  # what sets this way apart (interface, loop, HTTP parser)
    requires: tuple[str, ...]  # modules that must be importable

    @property
    def description(self) -> str:
        """The server and its distinguishing flags, for the report's header."""
        return " ".join([self.module, *self.flags])

    def command(self, factory: str, port: int) -> list[str]:
        """The argv that serves ``factory`` ("module:function") on ``HOST:port``, one worker."""
        common = ["--host", HOST, "--port", str(port), "--workers", "1", "--factory"]
        quiet = ["--no-access-log", "--log-level", "warning"]
        return [sys.executable, "-m", self.module, *common, *self.flags, *quiet, factory]

    def missing_notice(self) -> str | None:
        """Why this server cannot run here, or None when it can."""
        missing = [module for module in self.requires if not _importable(module)]
        if not missing:
            return None
        names = " ".join(missing)
        return (
            f"NOTICE: {self.name} skipped: {names} not importable from {sys.executable}. "
            f"Add it to the project's dev group (uv add --dev {names}), or for a one-off: "
            f"uv pip install --target /tmp/bench-pkgs {names} and run with "
            f"PYTHONPATH=/tmp/bench-pkgs"
        )


def _importable(module: str) -> bool:
    """True when ``module`` can be imported by this interpreter (and so by its children)."""
    return importlib.util.find_spec(module) is not None


SERVERS: tuple[Server, ...] = (
    Server(
        "uvicorn",
        "uvicorn",
        ("--loop", "uvloop", "--http", "httptools"),
        ("uvicorn", "uvloop", "httptools"),
    ),
    Server(
        "uvicorn-asyncio",
        "uvicorn",
        ("--loop", "asyncio", "--http", "httptools"),
        ("uvicorn", "httptools"),
    ),
    Server(
        "granian",
        "granian",
        ("--interface", "asgi", "--loop", "uvloop"),
        ("granian", "uvloop"),
    ),
)
BASELINE = SERVERS[0]


def free_port() -> int:
    """A TCP port on ``HOST`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the benchmark process dies (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _has_exited(pid: int) -> bool:
    """True once ``pid`` (our child) has exited; it stays unreaped (a zombie) until stopped."""
    state = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return state is not None


def _wait_exited(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``pid`` to exit, without reaping it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _has_exited(pid):
            return True
        time.sleep(0.05)
    return _has_exited(pid)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to the server's process group; a group that is gone is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def stop(proc: subprocess.Popen[bytes], known: Sequence[proctree.Process] = ()) -> None:
    """Terminate the server and everything it started (``known``, or found now), then reap it."""
    started = {*known, *proctree.descendants(proc.pid)}
    if proc.returncode is None:
        _signal_group(proc.pid, signal.SIGTERM)
        if not _wait_exited(proc.pid, timeout=10):
            _signal_group(proc.pid, signal.SIGKILL)
            _wait_exited(proc.pid, timeout=5)
        # The leader is a zombie now, so its group id is still ours: sweep leftover workers.
        _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()
    leftovers = proctree.sweep(started)
    if leftovers:
        print(f"NOTICE: stopped {leftovers} process(es) the server had left running")


def _log_tail(log_path: Path) -> str:
    """The last lines the server printed, to explain an early exit."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-_LOG_TAIL_LINES:])


def wait_until_answering(
    proc: subprocess.Popen[bytes], url: str, timeout: float, log_path: Path
) -> None:
    """Poll ``url`` until the server answers any HTTP response; raise if it dies or stalls."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if _has_exited(proc.pid):
                raise ServerError(f"the server exited before answering:\n{_log_tail(log_path)}")
            with contextlib.suppress(httpx.TransportError):
                client.get(url)
                return
            time.sleep(0.1)
    raise ServerError(f"no answer from {url} within {timeout:.0f} s:\n{_log_tail(log_path)}")


@contextlib.contextmanager
def serving(
    command: list[str], port: int, env: Mapping[str, str], log_path: Path, startup_timeout: float
) -> Iterator[str]:
    """Run ``command`` until the block ends; yields the server's base URL once it answers."""
    url = f"http://{HOST}:{port}/"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # the benchmark is single-threaded, so fork is safe
        )
    started: list[proctree.Process] = []
    try:
        wait_until_answering(proc, url, startup_timeout, log_path)
        # Remembered now: a child that outlives a crashed server is no longer found below it.
        started = proctree.descendants(proc.pid)
        yield url
    finally:
        stop(proc, started)
