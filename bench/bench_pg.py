"""The PostgreSQL anchor on its own: bare asyncpg ``SELECT 1`` throughput and p99."""

from __future__ import annotations

import os
from collections.abc import Mapping

from bench.config import BenchConfig
from bench.pg_anchor import run_pg_anchor
from bench.report import format_table, measurement_cells
from bench.results import median


def main(config: BenchConfig, environ: Mapping[str, str] | None = None) -> int:
    """Measure and print the anchor, or the notice saying why it is skipped."""
    print("== bench_pg: PostgreSQL anchor (asyncpg SELECT 1) ==")
    runs = run_pg_anchor(config, os.environ if environ is None else environ)
    if runs is None:
        return 0
    print(
        f"{config.pg_connections} connections, {config.warmup_seconds} s warm-up, "
        f"{config.rounds} x {config.seconds} s measured (median)"
    )
    headers = ["anchor", "driver", "queries/s", "p99 ms", "errors"]
    print(format_table(headers, [["SELECT 1", "asyncpg", *measurement_cells(median(runs))]]))
    return 0
