"""A real HTTP server on 127.0.0.1 (a free port) in a background thread."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit


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
