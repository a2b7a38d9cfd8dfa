"""Personal-data hygiene (issue 9): find ID and phone numbers in clear in what a run leaves.

The suite collects what each test printed and logged, what each app left in Redis (keys,
values, job arguments), and at the end every file under pytest's temporary directory (the
SQLite databases, uploads, server logs) and, on PostgreSQL, every row of the test database.
A number in clear anywhere there fails the run, naming where it was found.

Not scanned, on purpose: the demo stores of the *other* parties (the population registry and
the records exchange write their own TOML files of ID numbers, as those systems would hold
them), and the bodies tests send, which are what a person typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from stdnum.cn import ric

# Digit runs touching letters are parts of ids and hashes, not numbers someone could read.
_PHONE = re.compile(rb"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
_ID_NUMBER = re.compile(rb"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Files of the other parties' demo stores, and compiled or vendored code.
_SKIPPED_NAMES = re.compile(r"\.(toml|pyc|js|css|woff2?|ttf|ttc|otf|map)$")
_SKIPPED_DIRS = ("records", "population", "site-packages", "node_modules", "screenshots")


def find_numbers(data: bytes) -> list[str]:
    """Phone numbers and valid (checksummed) ID numbers in ``data``, as text."""
    found = [m.group().decode() for m in _PHONE.finditer(data)]
    found += [
        number
        for m in _ID_NUMBER.finditer(data)
        if ric.is_valid(number := m.group().decode().upper())
    ]
    return found


def scan_texts(items: Iterable[tuple[str, str | bytes]]) -> list[str]:
    """``where: number`` for every number found in the named texts."""
    found = []
    for where, text in items:
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        found += [f"{where}: {mask(number)}" for number in find_numbers(data)]
    return found


def scan_files(root: Path) -> list[str]:
    """Every file under ``root`` but the other parties' demo stores."""
    return scan_texts((str(path), path.read_bytes()) for path in _files(root))


def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if not path.is_file() or _SKIPPED_NAMES.search(path.name):
            continue
        if any(part in _SKIPPED_DIRS for part in path.relative_to(root).parts):
            continue
        yield path


async def scan_redis(redis: Any) -> list[str]:
    """Every key and value in the Redis database ``redis`` uses."""
    items: list[tuple[str, bytes]] = []
    async for key in redis.scan_iter(count=500):
        where = f"redis {key.decode(errors='replace')}"
        items += [(where, key)] + [(where, value) for value in await _values(redis, key)]
    return scan_texts(items)


async def _values(redis: Any, key: bytes) -> list[bytes]:
    kind = (await redis.type(key)).decode()
    if kind == "string":
        return [await redis.get(key) or b""]
    if kind == "list":
        return list(await redis.lrange(key, 0, -1))
    if kind == "hash":
        return [k + b"=" + v for k, v in (await redis.hgetall(key)).items()]
    if kind == "set":
        return list(await redis.smembers(key))
    if kind == "zset":
        return list(await redis.zrange(key, 0, -1))
    return []  # streams and modules' types: none of ours


def mask(number: str) -> str:
    """The finding as reported: enough to find it, not the number itself."""
    return f"{number[:3]}…{number[-2:]} ({len(number)} digits)"
