"""Load generation with ``wrk`` on loopback: bounded in time and request count.

``wrk`` runs with ``--latency``; its text report is parsed for requests/s, the
99th percentile latency and error counts. A small Lua script stops each wrk
thread after its share of ``BENCH_MAX_REQUESTS``, so a run ends at whichever
limit comes first; a run that hangs is killed after ``BENCH_SECONDS + 30`` s.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from bench.config import BenchConfig
from bench.results import Measurement

WRK = "/usr/bin/wrk"
WRK_MISSING_NOTICE = (
    "NOTICE: wrk not found at /usr/bin/wrk, so the HTTP benchmarks are skipped. "
    "Install it with: apt-get install -y wrk"
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Each wrk thread has its own Lua state: stop it after its share of the cap.
_STOP_SCRIPT = """\
local limit = {limit}
local count = 0
function response(status, headers, body)
  count = count + 1
  if count >= limit then
    wrk.thread:stop()
  end
end
"""

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_P99 = re.compile(r"^\s*99(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


class WrkError(RuntimeError):
    """wrk failed, or printed a report this module cannot read."""


def wrk_available() -> bool:
    """True when the wrk binary is installed where Debian puts it."""
    return Path(WRK).is_file() and shutil.which(WRK) is not None


def parse_wrk_report(report: str) -> Measurement:
    """Read requests/s, p99 latency and errors from wrk's ``--latency`` report."""
    rps, p99, total = _RPS.search(report), _P99.search(report), _TOTAL.search(report)
    if rps is None or p99 is None or total is None:
        raise WrkError(f"cannot read the wrk report:\n{report}")
    errors = sum(int(n) for n in _NON_2XX.findall(report))
    for socket_errors in _SOCKET.findall(report):
        errors += sum(int(n) for n in socket_errors)
    return Measurement(
        requests=int(total.group(1)),
        requests_per_second=float(rps.group(1)),
        p99_ms=float(p99.group(1)) * _UNIT_MS[p99.group(2)],
        errors=errors,
    )


def _require_loopback(url: str) -> None:
    """Refuse to send load anywhere but this machine."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"load is only ever sent to loopback, not to {host!r}")


def wrk_command(
    url: str, seconds: int, config: BenchConfig, script: Path, headers: tuple[str, ...] = ()
) -> list[str]:
    """The wrk argv for one run of ``seconds`` against ``url`` (``headers``: "Name: value")."""
    return [
        WRK,
        *(part for header in headers for part in ("-H", header)),
        f"-t{config.threads}",
        f"-c{config.connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(script),
        url,
    ]


def _post_lines(json_body: str) -> str:
    """Lua lines that make every request a POST of ``json_body``."""
    quoted = json_body.replace("\\", "\\\\").replace('"', '\\"')
    return (
        'wrk.method = "POST"\n'
        f'wrk.body = "{quoted}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )


def run_wrk(
    url: str,
    seconds: int,
    config: BenchConfig,
    headers: tuple[str, ...] = (),
    *,
    json_body: str | None = None,
) -> Measurement:
    """Load ``url`` for ``seconds`` (or until the request cap) and return the figures.

    With ``json_body`` every request is a POST of that JSON document.
    """
    _require_loopback(url)
    limit = max(1, config.max_requests // config.threads)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "stop.lua"
        prefix = _post_lines(json_body) if json_body is not None else ""
        script.write_text(prefix + _STOP_SCRIPT.format(limit=limit), encoding="utf-8")
        completed = subprocess.run(
            wrk_command(url, seconds, config, script, headers),
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=False,
        )
    if completed.returncode != 0:
        raise WrkError(f"wrk exited with {completed.returncode}: {completed.stderr.strip()}")
    return parse_wrk_report(completed.stdout)
