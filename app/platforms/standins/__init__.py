"""Local stand-ins for WeChat's server API and Alipay's open-API gateway (development, tests).

They speak the documented protocols -- errcodes, single-use expiring codes, access tokens,
RSA2-signed gateway answers over the raw ``*_response`` JSON -- so the real adapters in
``app.platforms.wechat`` and ``app.platforms.alipay`` sign a developer in exactly as they
would sign in a resident, only pointed at another base URL. The web app serves them under
``/dev/wechat`` and ``/dev/alipay`` outside production (``app.routes.ops.standins``); the
test suite serves the same classes from a thread (``tests/fakes``). Their state lives in a
``StandInStore``: Redis in the app, so every process agrees; memory in the test fakes.
Codes are sealed (AES-GCM) and self-contained, so only "used" marks, tokens and
subscriptions need the store, and no phone number is kept in clear.
"""

from typing import Final

from app.platforms.standins._store import MemoryStore, RedisStore, StandInStore
from app.platforms.standins._wire import Reply, StandInRequest
from app.platforms.standins.alipay import AlipayStandIn
from app.platforms.standins.wechat import WeChatStandIn

# Where the web app serves them, below its own base URL (app.routes.ops.standins).
WECHAT_PATH: Final = "/dev/wechat"
ALIPAY_PATH: Final = "/dev/alipay"

__all__ = [
    "ALIPAY_PATH",
    "WECHAT_PATH",
    "AlipayStandIn",
    "MemoryStore",
    "RedisStore",
    "Reply",
    "StandInRequest",
    "StandInStore",
    "WeChatStandIn",
]
