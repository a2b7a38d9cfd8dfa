"""``python -m bench [NAME ...]``: run the named benchmarks (default: all), in order."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType

from bench import (
    bench_auth,
    bench_form,
    bench_notices,
    bench_pg,
    bench_server,
    bench_submit,
    bench_wallet,
)
from bench.config import BenchConfig, BenchConfigError, load_config

BENCHMARKS: dict[str, Callable[[BenchConfig], int]] = {
    "server": bench_server.main,
    "pg": bench_pg.main,
    "auth": bench_auth.main,
    "form": bench_form.main,
    "wallet": bench_wallet.main,
    "submit": bench_submit.main,
    "notices": bench_notices.main,
}


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM/SIGHUP into SystemExit, so every server is stopped on the way out."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, read the BENCH_* settings, run each benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    try:
        config = load_config()
    except BenchConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    status = 0
    for name in args.names or list(BENCHMARKS):
        status = max(status, BENCHMARKS[name](config))
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped", file=sys.stderr)
        sys.exit(130)
