"""The real app served over loopback HTTP, for tests whose clients need a socket.

Outside parties' stand-ins, the reference mini-program's Node tests, the fuzzer and the
overload test talk to the app as a network client would; the ASGI test client opens no port.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvicorn
from litestar import Litestar

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServedApp:
    """``app`` served by uvicorn in a thread, on an event loop the test can run coroutines on.

    Use it as a context manager: entering waits (a minute at most) until the server listens,
    leaving stops it and its lifespan.
    """

    def __init__(self, app: Litestar, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, loop="none",
                                log_config=None, access_log=False)  # fmt: skip
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self.server.serve(),), daemon=True
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped before it started"
            assert time.monotonic() < deadline, "uvicorn did not start within a minute"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the server's loop (where the runtime's connections live)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)
