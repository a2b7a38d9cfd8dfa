"""The SMS gateway's delivery receipts (``POST /hooks/sms/receipts``, see app/notices/receipts.py).

Server to server: no cookies, no session, no CSRF token; the HMAC signature is the only
credential. Answers are problem details like the other machine-facing routes.
"""

from __future__ import annotations

import time
from typing import Any, Final

from litestar import Request, post
from litestar.di import NamedDependency

from app import errors
from app.composition.runtime import Runtime
from app.notices.receipts import (
    RECEIPTS_PATH,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    apply_receipt,
    check_signature,
    read_receipt,
)
from app.web.access import Access
from app.web.requests import client_ip

# A gateway reports every message it took; a burst of notices brings a burst of receipts.
RECEIPTS_PER_MINUTE: Final = 1200


@post(
    RECEIPTS_PATH, opt={"access": Access.PUBLIC}, status_code=204, include_in_schema=False,
    name="sms-receipts",
)  # fmt: skip
async def sms_receipt(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> None:
    """Limit, check the signature, read and apply the receipt (204 also when nothing changed)."""
    secret = runtime.settings.sms_receipt_secret
    if not secret:  # receipts not configured: as if there were no such route
        raise errors.NotFound
    await runtime.limiter.hit(
        f"sms-receipts:{client_ip(request)}", limit=RECEIPTS_PER_MINUTE, window_seconds=60
    )
    body = await request.body()
    check_signature(
        secret,
        path=RECEIPTS_PATH,
        timestamp=request.headers.get(TIMESTAMP_HEADER),
        signature=request.headers.get(SIGNATURE_HEADER),
        body=body,
        now=time.time(),
    )
    await apply_receipt(runtime.deliverer, read_receipt(body))
