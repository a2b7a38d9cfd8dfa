"""The app as a real server: ``python -m app migrate``, ``demo-data``, then ``serve``.

The three commands run in a background thread, so that Chromium starts meanwhile; the
first test that needs the URL waits for ``GET /healthz`` to answer 200.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from tests.browser.support import PROJECT_ROOT

# Two cores shared with other work: the app took 46 s to answer under a load average of 10.
STARTUP_TIMEOUT_S = 90.0
SHUTDOWN_TIMEOUT_S = 10.0
COMMAND_TIMEOUT_S = 120.0


class ServerError(RuntimeError):
    """The app could not be prepared or started; the message carries its output."""


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(var_dir: Path, port: int, database_url: str | None) -> dict[str, str]:
    """The child's environment: ours, the ONETHING_* settings, and only non-empty DB/Redis URLs."""
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(name, "").strip():
            env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(
        ONETHING_VAR_DIR=str(var_dir),
        ONETHING_PORT=str(port),
        ONETHING_HOST="127.0.0.1",
        ONETHING_ENV="test",
        ONETHING_LOG_JSON="true",
        # Journeys text a resident twice within a minute (sign-in, then the tablet's code).
        ONETHING_SMS_CODE_RESEND_SECONDS="3",
        PYTHONUNBUFFERED="1",
    )
    return env


def healthy(port: int) -> bool:
    """Whether ``GET /healthz`` answers 200 on ``port``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class AppServer:
    """One app server on a free port, with its own var dir, log and (maybe) database."""

    def __init__(self, root: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "server.log"
        self._env = server_env(root / "var", self.port, database_url)
        self._process: subprocess.Popen[bytes] | None = None
        self._error: str | None = None
        self._stopping = threading.Event()
        self._boot = threading.Thread(target=self._prepare_and_serve, name="app-server-boot")

    def start(self) -> None:
        """Begin migrate, demo-data and serve in the background."""
        self._boot.start()

    def wait_until_ready(self) -> str:
        """Block until ``/healthz`` answers 200; return the base URL or raise ServerError."""
        self._boot.join(timeout=2 * COMMAND_TIMEOUT_S)
        if self._error or self._process is None:
            raise ServerError(self._error or "the server did not start")
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(f"the server exited {self._process.returncode}:\n{self.tail()}")
            if healthy(self.port):
                return self.url
            time.sleep(0.1)
        raise ServerError(
            f"/healthz did not answer 200 in {STARTUP_TIMEOUT_S:.0f} s:\n{self.tail()}"
        )

    def stop(self) -> None:
        """SIGINT, then up to 10 s for a graceful exit, then SIGKILL."""
        self._stopping.set()
        if self._boot.is_alive():
            self._boot.join()
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def command(self, *args: str) -> str:
        """Run ``python -m app <args>`` against this server's data; its output (ServerError if it
        fails). Tests use it for what only the CLI does, such as creating staff accounts."""
        return self._run(*args)

    def tail(self, limit: int = 3000) -> str:
        """The end of the server's log, for failure messages."""
        return self.log.read_text(errors="replace")[-limit:] if self.log.exists() else "(no log)"

    def _prepare_and_serve(self) -> None:
        try:
            for command in ("migrate", "demo-data"):
                if self._stopping.is_set():
                    return
                self._run(command)
            if not self._stopping.is_set():
                with self.log.open("wb") as sink:
                    self._process = self._popen("serve", sink)
        except ServerError as exc:
            self._error = str(exc)

    def _run(self, *args: str) -> str:
        command = " ".join(args)
        try:
            result = subprocess.run(
                [sys.executable, "-m", "app", *args],
                cwd=PROJECT_ROOT,
                env=self._env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ServerError(f"`python -m app {command}` took over {exc.timeout:.0f} s") from exc
        if result.returncode != 0:
            raise ServerError(
                f"`python -m app {command}` exited {result.returncode}:\n{result.stderr[-3000:]}"
            )
        return result.stdout

    def _popen(self, command: str, sink: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "app", command],
            cwd=PROJECT_ROOT,
            env=self._env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
