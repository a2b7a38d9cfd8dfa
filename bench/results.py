"""One measured run, and the median of several."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Measurement:
    """Throughput and tail latency of one run against one target."""

    requests: int  # completed requests (or queries)
    requests_per_second: float
    p99_ms: float
    errors: int = 0  # non-2xx/3xx responses plus socket errors


def median(runs: Sequence[Measurement]) -> Measurement:
    """Field-by-field median of ``runs`` (the single run itself when there is one)."""
    if not runs:
        raise ValueError("median of no runs")
    return Measurement(
        requests=round(statistics.median(r.requests for r in runs)),
        requests_per_second=statistics.median(r.requests_per_second for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        errors=sum(r.errors for r in runs),
    )
