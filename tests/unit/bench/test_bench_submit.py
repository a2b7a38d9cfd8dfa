"""The submissions benchmark skips with a notice when there is no PostgreSQL to measure."""

from __future__ import annotations

import pytest

from bench import bench_submit
from bench.__main__ import BENCHMARKS
from bench.config import BenchConfig


def test_the_submit_benchmark_is_registered() -> None:
    assert BENCHMARKS["submit"] is bench_submit.main


def test_without_postgresql_it_says_it_is_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_submit.main(BenchConfig(), {"DATABASE_URL": "sqlite+aiosqlite:///x.db"}) == 0
    assert "NOTICE: skipped" in capsys.readouterr().out


def test_an_unreachable_postgresql_is_skipped_without_printing_the_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "postgresql://user:secret@127.0.0.1:1/db"
    assert bench_submit.main(BenchConfig(), {"DATABASE_URL": url}) == 0
    out = capsys.readouterr().out
    assert "unreachable" in out
    assert "secret" not in out
