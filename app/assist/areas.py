"""The service areas (片区) that visit requests name and field workers serve.

A fixed list, by design: an area is a district and a street (街道) of the demo city, and a
request, a worker's areas and the supervisor's queue all use its code. Changing the list is
a code change (and a data check: no request or worker may name a code that went away).
"""

from __future__ import annotations

from typing import Final

from app.i18n import N_

AREAS: Final[dict[str, str]] = {
    "furong-dingwangtai": N_("Furong District, Dingwangtai Street"),
    "tianxin-chengnan": N_("Tianxin District, Chengnan Road Street"),
    "yuelu-juzizhou": N_("Yuelu District, Juzizhou Street"),
    "kaifu-qingshuitang": N_("Kaifu District, Qingshuitang Street"),
    "yuhua-dongtang": N_("Yuhua District, Dongtang Street"),
}
