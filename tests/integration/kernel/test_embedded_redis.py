"""The embedded Redis starts, stops with its owner, and a leftover is reused or stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from app.embedded_redis import EmbeddedRedis, _is_redis_server


def _pid(server: EmbeddedRedis) -> int:
    return int(server.pidfile.read_text())


def test_starts_on_a_private_socket_and_stops_cleanly(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    assert url == f"unix://{tmp_path}/redis/redis.sock"
    assert redis.Redis.from_url(url).ping()
    assert oct(server.socket_path.stat().st_mode & 0o777) == "0o700"
    pid = _pid(server)
    server.stop()
    assert not _is_redis_server(pid)
    assert not server.socket_path.exists()
    assert not server.pidfile.exists()


def test_a_server_left_by_a_killed_app_is_reused(tmp_path: Path) -> None:
    directory = tmp_path / "redis"
    script = (
        "import os, sys; from pathlib import Path; from app.embedded_redis import EmbeddedRedis;"
        f"EmbeddedRedis(Path({str(directory)!r})).start(); os.kill(os.getpid(), 9)"
    )
    killed = subprocess.run([sys.executable, "-c", script], check=False, cwd=Path.cwd())
    assert killed.returncode == -signal.SIGKILL
    leftover = EmbeddedRedis(directory)
    leftover_pid = _pid(leftover)
    assert _is_redis_server(leftover_pid)

    assert leftover.start() == leftover.url
    assert _pid(leftover) == leftover_pid  # reused, not a second server
    leftover.stop()
    assert not _is_redis_server(leftover_pid)


def test_an_unresponsive_leftover_is_stopped_and_replaced(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path / "redis")
    first.start()
    stuck_pid = _pid(first)
    os.kill(stuck_pid, signal.SIGSTOP)  # alive, but answers nothing
    replacement = EmbeddedRedis(tmp_path / "redis", start_timeout=10)
    try:
        started = time.monotonic()
        replacement.start()
        assert time.monotonic() - started < 10
        assert _pid(replacement) != stuck_pid
        # A stopped process ignores SIGTERM: only the start's SIGKILL ends it. The kernel may
        # take a moment to finish a killed process on a busy machine (parallel tests), so
        # the first owner reaps it, as a real app would, before it is looked for.
        assert first._process is not None
        assert first._process.wait(timeout=5) == -signal.SIGKILL
        assert not _is_redis_server(stuck_pid)
    finally:
        replacement.stop()  # also when an assertion failed: no server outlives the test
        if _is_redis_server(stuck_pid):
            os.kill(stuck_pid, signal.SIGKILL)
        if first._process is not None and first._process.returncode is None:
            first._process.wait(timeout=5)


def test_a_stale_pidfile_of_a_dead_process_is_ignored(tmp_path: Path) -> None:
    directory = tmp_path / "redis"
    directory.mkdir()
    (directory / "redis.pid").write_text("999999")
    server = EmbeddedRedis(directory)
    server.start()
    assert _pid(server) != 999999
    server.stop()
