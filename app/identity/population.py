"""The population record source (人口库): does the record with this ID number carry this name?

``HttpPopulationRecords`` speaks this JSON protocol to ``ONETHING_POPULATION_RECORDS_URL``::

    POST {base}/population/v1/verifications
    Content-Type: application/json
    {"name": "张伟", "idNumber": "310115198503120410"}

    200 {"match": true}    the record with that ID number carries that name
    200 {"match": false}   no record with that number, or it carries another name
    400                    the request is malformed (both fields are required strings)

Only yes or no comes back: the source never says whose a number is, nor why it did not
match. Any other answer, a body without a boolean ``match``, a network error or a timeout
is ``Unavailable``: the person tries again later and nothing is stored.

``DemoPopulationRecords``, the embedded default (refused in production), reads the
fictional records of ``app/demo/population.toml``.
"""

from __future__ import annotations

import tomllib
import unicodedata
from pathlib import Path
from typing import Protocol

import httpx
import msgspec
import structlog

from app.errors import Unavailable
from app.numbers import normalize_id_number

log = structlog.get_logger(__name__)

DEMO_RECORDS = Path(__file__).resolve().parent.parent / "demo" / "population.toml"
VERIFICATIONS_PATH = "/population/v1/verifications"


class PopulationRecords(Protocol):
    """Matches a name and an ID number against the population records."""

    async def verify(self, name: str, id_number: str) -> bool:
        """True when the record with ``id_number`` carries ``name``; ``Unavailable`` if unsure."""


def normalize_name(raw: str) -> str:
    """NFKC (full-width to half-width) without surrounding whitespace: how names are compared."""
    return unicodedata.normalize("NFKC", raw).strip()


class _Answer(msgspec.Struct):
    match: bool


class HttpPopulationRecords:
    """The population source over HTTP (the protocol in this module's docstring)."""

    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self._url = base_url.rstrip("/") + VERIFICATIONS_PATH
        self._http = http

    async def verify(self, name: str, id_number: str) -> bool:
        """Ask the source; every failure is ``Unavailable`` (never logged with the values)."""
        body = {"name": name, "idNumber": id_number}
        try:
            response = await self._http.post(self._url, json=body)
        except httpx.HTTPError as exc:
            log.warning("population records unreachable", error=type(exc).__name__)
            raise Unavailable from exc
        if response.status_code != 200:
            log.warning("population records refused", status=response.status_code)
            raise Unavailable
        try:
            return msgspec.json.decode(response.content, type=_Answer).match
        except msgspec.DecodeError:
            log.warning("population records answer malformed")
            raise Unavailable from None


class DemoRecord(msgspec.Struct, kw_only=True):
    """One fictional person of the demo population records."""

    name: str
    id_number: str


class _DemoFile(msgspec.Struct):
    record: list[DemoRecord]


class DemoPopulationRecords:
    """Fictional records read once from a TOML file (development and demo only)."""

    def __init__(self, path: Path = DEMO_RECORDS) -> None:
        data = msgspec.convert(tomllib.loads(path.read_text("utf-8")), _DemoFile)
        self._names = {
            normalize_id_number(item.id_number): normalize_name(item.name) for item in data.record
        }

    async def verify(self, name: str, id_number: str) -> bool:
        """True when the demo record with ``id_number`` carries ``name``."""
        return self._names.get(normalize_id_number(id_number)) == normalize_name(name)
