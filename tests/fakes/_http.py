"""A real HTTP server on 127.0.0.1 (a free port) in a background thread."""

from __future__ import annotations

import asyncio
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, TypeVar
from urllib.parse import parse_qs, urlsplit

from app.platforms.standins import StandInRequest

T = TypeVar("T")


class Request(NamedTuple):
    """What a client sent, as the protocol fakes read it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None


class Reply(NamedTuple):
    """What the fake answers."""

    status: int
    content_type: str
    body: bytes


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) is expected; anything else is printed.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    """Serves ``handle`` until ``stop``; ``stall_seconds`` makes every answer late."""

    def __init__(self, handle: Callable[[Request], Reply]) -> None:
        self._handle = handle
        self.stall_seconds = 0.0
        # Exceptions raised by the fake itself: a test fixture asserts there are none.
        self.failures: list[str] = []
        self._released = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Begin serving in the background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Release stalled answers, stop serving and close the socket."""
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                query = parse_qs(url.query, keep_blank_values=True)
                request = Request(self.command, url.path, query, self.headers, body)
                if server.stall_seconds:
                    server._released.wait(server.stall_seconds)
                try:
                    reply = server._handle(request)
                except Exception:
                    server.failures.append(traceback.format_exc())
                    reply = Reply(500, "text/plain", b"fake server failure")
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean; the fakes record what matters

        return Handler


class LoopThread:
    """An event loop in a thread of its own, for the app's async stand-ins.

    The stand-in's state is touched only from this loop, whichever HTTP thread or test
    asks, so each of its store operations stays atomic as on Redis.
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result (also from async tests)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def stop(self) -> None:
        """Stop the loop and its thread."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


def serve_standin(
    handle: Callable[[StandInRequest], Awaitable[Reply]], loop: LoopThread
) -> LocalServer:
    """A ``LocalServer`` that hands each request to an app stand-in on ``loop``."""

    async def answer(request: StandInRequest) -> Reply:
        # The stand-ins' Reply has the same three fields as this module's.
        return Reply(*await handle(request))

    def handle_sync(request: Request) -> Reply:
        standin_request = StandInRequest(
            method=request.method,
            path=request.path,
            query={name: values[0] for name, values in request.query.items()},
            content_type=request.headers.get("Content-Type", ""),
            body=request.body,
        )
        return loop.run(answer(standin_request))

    return LocalServer(handle_sync)
