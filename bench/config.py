"""Benchmark settings, read once from ``BENCH_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# Environment variable -> BenchConfig field.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "BENCH_SECONDS": "seconds",
    "BENCH_WARMUP_SECONDS": "warmup_seconds",
    "BENCH_CONNECTIONS": "connections",
    "BENCH_THREADS": "threads",
    "BENCH_ROUNDS": "rounds",
    "BENCH_MAX_REQUESTS": "max_requests",
    "BENCH_STARTUP_TIMEOUT": "startup_timeout",
    "BENCH_PG_CONNECTIONS": "pg_connections",
    "BENCH_NOTICE_RATE": "notice_rate",
}


class BenchConfigError(ValueError):
    """A ``BENCH_*`` variable holds something other than a positive integer."""


@dataclass(frozen=True, kw_only=True)
class BenchConfig:
    """How long and how hard each measured run pushes; all values are positive integers."""

    seconds: int = 10  # one measured run (wrk -d)
    warmup_seconds: int = 2  # discarded run before the measured ones
    connections: int = 32  # wrk -c
    threads: int = 1  # wrk -t
    rounds: int = 1  # measured runs per target; the median is reported
    max_requests: int = 2_000_000  # hard cap per run, on top of the time limit
    startup_timeout: int = 60  # seconds a server may take to answer its first request
    pg_connections: int = 8  # concurrent asyncpg connections for the PostgreSQL anchor
    notice_rate: int = 10  # state changes a second in bench_notices' steady phase


def _positive_int(name: str, raw: str) -> int:
    """Parse ``raw`` as an integer >= 1 or explain which variable is wrong."""
    try:
        value = int(raw)
    except ValueError:
        raise BenchConfigError(f"{name} must be an integer, not {raw!r}") from None
    if value < 1:
        raise BenchConfigError(f"{name} must be at least 1, not {value}")
    return value


def load_config(environ: Mapping[str, str] | None = None) -> BenchConfig:
    """Build the config from ``environ`` (default ``os.environ``); empty values count as unset."""
    source = os.environ if environ is None else environ
    values = {
        field: _positive_int(name, source[name].strip())
        for name, field in ENVIRONMENT_VARIABLES.items()
        if source.get(name, "").strip()
    }
    return BenchConfig(**values)
