"""The test suite under pytest-xdist: what each worker gets of its own, and what runs together.

``make test`` runs ``pytest -n auto --dist loadgroup``. Each worker is a pytest session of its
own, so the session fixtures of tests/conftest.py already give it its own temporary directory,
SQLite files and PostgreSQL databases (named after the worker), and its own search for
personal numbers at the end, reported to the controller. This plugin adds:

- a Redis database number per worker (the REDIS_URL's number + the worker's index), since the
  app's keys have fixed names: one worker's ``_forget_rate_limits`` would otherwise delete
  another's sign-in codes, and its arq worker would take the other's jobs;
- the ``browser`` group: every test under tests/browser runs on one worker, in file order,
  against one server and one Chromium (package-scoped in tests/browser/conftest.py), and the
  journeys that count demo data see only each other's changes;
- a refusal to run when the grouping would silently skip or scatter tests.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

BROWSER_GROUP = "browser"
_BROWSER_TESTS = Path(__file__).parent / "browser"
# Schedulers that key their work by test id (the others send tests by index).
_BY_ID = ("loadgroup", "loadfile", "loadscope")


def worker_redis_url(url: str, index: int) -> str:
    """``url`` moved from its database number (0 when it names none) to that number + ``index``."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    # redis-py reads ``?db=`` before the path; a unix:// URL has only ``?db=``.
    path_db = "" if parts.scheme == "unix" else parts.path.strip("/")
    base = int(query.pop("db", None) or path_db or 0)
    if parts.scheme == "unix":
        query["db"] = str(base + index)
        return f"unix://{parts.netloc}{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{base + index}", query=urlencode(query)))


def pytest_configure(config: pytest.Config) -> None:
    """In a worker, point REDIS_URL at the worker's own database number.

    Everything reads REDIS_URL from the environment (the fixtures, the servers and arq workers
    that tests start), so changing it here, before collection, reaches them all.
    """
    workerinput = getattr(config, "workerinput", None)
    url = os.environ.get("REDIS_URL", "").strip()
    if workerinput is None or not url:
        return
    worker = str(workerinput["workerid"])
    own = worker_redis_url(url, int(worker.removeprefix("gw")))
    _check_redis_database(own, worker)
    os.environ["REDIS_URL"] = own


def _check_redis_database(url: str, worker: str) -> None:
    """Refuse to start on a database number the server does not have (16 by default)."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import ResponseError

    client = Redis.from_url(url)
    try:
        client.ping()
    except ResponseError as exc:  # "DB index is out of range"
        raise pytest.UsageError(
            f"REDIS_URL: worker {worker} would use {url}, which this Redis refuses ({exc}); "
            "run fewer workers (PYTEST_WORKERS=…) or start from a lower database number"
        ) from exc
    except RedisConnectionError:
        pass  # a Redis that is down fails the tests that use it, as in a serial run
    finally:
        client.close()


@pytest.hookimpl(tryfirst=True)  # before xdist's worker turns the marks into id suffixes
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put every test under tests/browser in the ``browser`` group (one worker, file order)."""
    for item in items:
        if item.path.is_relative_to(_BROWSER_TESTS):
            item.add_marker(pytest.mark.xdist_group(BROWSER_GROUP))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Refuse a run that a scheduler keyed by test id would silently cut short or scatter.

    Two tests with one id run once; a browser test without its ``@browser`` suffix (added by
    xdist in the worker) runs on any worker. Both happened with a pytest that xdist did not
    yet follow: see the pin in pyproject.toml.
    """
    dist = node.config.getvalue("dist")
    if dist not in _BY_ID:
        return
    problems = [f"{nodeid} is the id of {n} tests" for nodeid, n in Counter(ids).items() if n > 1]
    if dist == "loadgroup":
        problems += [
            f"{nodeid} lacks the @{BROWSER_GROUP} group suffix"
            for nodeid in ids
            if nodeid.startswith("tests/browser/") and not nodeid.endswith(f"@{BROWSER_GROUP}")
        ]
    if problems:
        raise pytest.UsageError(
            f"--dist {dist} would skip or scatter these tests:\n" + "\n".join(problems[:20])
        )
