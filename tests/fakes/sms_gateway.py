"""A local SMS gateway: ``POST /messages`` JSON, one message per ``Idempotency-Key``.

Counts what a phone would receive, so tests can say "sent once". ``fail_next`` makes the
next requests answer the given HTTP statuses (503 busy, 400 refused …); ``delay`` makes each
message slow (a sender killed meanwhile leaves it taken but unrecorded).

``receipt`` writes the delivery receipt (回执) the gateway posts back for a message it took,
signed as docs/notices.md describes (written here from the documentation, not with the
app's code, so a test fails when the two disagree).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any, Self

from tests.fakes._http import LocalServer, Reply, Request


class FakeSmsGateway:
    """The SMS gateway, served on 127.0.0.1."""

    def __init__(self) -> None:
        self.fail_next: list[int] = []
        self.delay = 0.0  # seconds each message takes, so a test can kill a sender mid-send
        self.requests = 0
        self.answered = 0  # requests that have had their reply
        self.arrivals: dict[str, float] = {}  # key -> time.perf_counter() of its first request
        self._sent: dict[str, dict[str, Any]] = {}  # idempotency key -> message
        self._lock = threading.Lock()
        self.server = LocalServer(self._handle)

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()

    @property
    def base_url(self) -> str:
        """Where the gateway adapter should post."""
        return self.server.base_url

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The messages phones received (a repeated key is one message)."""
        with self._lock:
            return list(self._sent.values())

    def receipt(
        self, key: str, status: str, *, secret: str, code: str = "",
        timestamp: int | None = None, taken: bool = True,
    ) -> tuple[bytes, dict[str, str]]:  # fmt: skip
        """The body and headers of the receipt for the message under ``key``.

        ``taken=False`` allows a key the gateway never saw (a receipt for an unknown message).
        """
        if taken:
            with self._lock:
                assert key in self._sent, f"the gateway took no message under {key}"
        moment = int(time.time()) if timestamp is None else timestamp
        report: dict[str, str] = {
            "key": key, "status": status, "at": datetime.fromtimestamp(moment, UTC).isoformat()
        }  # fmt: skip
        if code:
            report["code"] = code
        body = json.dumps(report).encode()
        digest = hashlib.sha256(body).hexdigest()
        signed = f"POST\n/hooks/sms/receipts\n{moment}\n{digest}".encode()
        signature = base64.b64encode(hmac.new(secret.encode(), signed, "sha256").digest())
        headers = {
            "Content-Type": "application/json",
            "X-Sms-Timestamp": str(moment),
            "X-Sms-Signature": signature.decode(),
        }
        return body, headers

    def _handle(self, request: Request) -> Reply:
        if request.path != "/messages" or request.method != "POST":
            return Reply(404, "text/plain", b"not found")
        with self._lock:
            self.requests += 1
        if self.delay:
            time.sleep(self.delay)  # the server's own thread: other requests go on
        with self._lock:
            if self.fail_next:
                return Reply(self.fail_next.pop(0), "application/json", b'{"error":"failed"}')
            try:
                message = json.loads(request.body)
                if not (message["to"] and message["template"]):
                    raise ValueError("to and template are required")
            except (ValueError, KeyError, TypeError):
                return Reply(400, "application/json", b'{"error":"bad request"}')
            key = request.headers.get("Idempotency-Key") or f"unkeyed-{self.requests}"
            self._sent.setdefault(key, message)
            self.arrivals.setdefault(key, time.perf_counter())
            self.answered += 1
            return Reply(202, "application/json", json.dumps({"id": key}).encode())
