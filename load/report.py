"""Read locust's CSV output and write the run's summary (a table and a JSON file)."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

SHED = re.compile(r"\b(429|503)\b")


@dataclass(frozen=True)
class Row:
    """One request kind (locust's name) over the whole run."""

    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float


def _number(raw: str) -> float:
    return float(raw) if raw not in ("", "N/A") else 0.0


def rows(prefix: Path) -> list[Row]:
    """Every request kind in ``{prefix}_stats.csv``, the aggregate last."""
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as source:
        return [
            Row(
                name=r["Name"],
                requests=int(r["Request Count"]),
                failures=int(r["Failure Count"]),
                rps=_number(r["Requests/s"]),
                p50=_number(r["50%"]),
                p95=_number(r["95%"]),
                p99=_number(r["99%"]),
                max=_number(r["Max Response Time"]),
            )
            for r in csv.DictReader(source)
        ]


def failures(prefix: Path) -> tuple[int, int, list[str]]:
    """(shed answers 429/503, other failures, the other failures' messages)."""
    shed, other, messages = 0, 0, []
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return 0, 0, []
    with path.open(encoding="utf-8") as source:
        for r in csv.DictReader(source):
            count = int(r["Occurrences"])
            if SHED.search(r["Error"]):
                shed += count
            else:
                other += count
                messages.append(f"{count} x {r['Name']}: {r['Error'][:160]}")
    return shed, other, messages


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (0 when empty)."""
    if not values:
        return 0.0
    rank = max(0, min(len(values) - 1, math.ceil(share * len(values)) - 1))
    return values[rank]


def table(found: list[Row]) -> str:
    """A Markdown table of every request kind."""
    lines = [
        "| request | count | fail | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in found:
        lines.append(
            f"| {r.name} | {r.requests:,} | {r.failures} | {r.rps:.1f} | {r.p50:.0f} "
            f"| {r.p95:.0f} | {r.p99:.0f} | {r.max:.0f} |"
        )
    return "\n".join(lines)
