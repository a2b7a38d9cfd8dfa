"""Plain-text tables for the benchmark reports."""

from __future__ import annotations

from collections.abc import Sequence

from bench.results import Measurement


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-align the first two columns, right-align the rest, two spaces between."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        aligned = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(aligned).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def ratio(value: float, anchor: float) -> str:
    """``value / anchor`` as ``0.42x``, or a dash when there is no anchor to divide by."""
    if anchor <= 0:
        return "-"
    return f"{value / anchor:.2f}x"


def measurement_cells(result: Measurement) -> list[str]:
    """requests/s, p99 (ms) and errors, formatted for a table row."""
    return [f"{result.requests_per_second:,.0f}", f"{result.p99_ms:.2f}", str(result.errors)]


def anchored_cells(result: Measurement, anchor: Measurement | None) -> list[str]:
    """Measurement cells followed by the rps and p99 ratios against ``anchor``."""
    if anchor is None:
        return [*measurement_cells(result), "-", "-"]
    return [
        *measurement_cells(result),
        ratio(result.requests_per_second, anchor.requests_per_second),
        ratio(result.p99_ms, anchor.p99_ms),
    ]
