"""The merged-form page (一表申请) of the largest bundle, served as ``make run`` serves it.

The benchmark signs in through the real SMS form, verifies the demo resident's real name,
starts a draft of the bundle whose merged form has the most fields, answers its questions so
that the most matters apply, agrees to the records being read, and then loads
``GET /me/drafts/{id}/form`` — session, draft, unsealing its values, the catalog's merge and
the template — beside the bare Litestar anchor measured in the same run.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import httpx

from bench import PROJECT_ROOT
from bench.bench_auth import CHOSEN, _env, _measure, sign_in
from bench.config import BenchConfig
from bench.loadgen import WRK_MISSING_NOTICE, WrkError, wrk_available
from bench.report import anchored_cells, format_table
from bench.results import Measurement
from bench.servers import ServerError, free_port, serving

# The demo resident of app/demo/population.toml that bench_auth's phone verifies as.
REAL_NAME = ("张伟", "310115198503120418")


def largest_bundle() -> tuple[str, dict[str, list[str]], int]:
    """The person's bundle and answers with the most merged-form fields, and that count."""
    from app.catalog.engine import merged_field_keys, select_matters, visible_questions
    from app.catalog.loader import load_catalog
    from app.records.sources import SubjectKind

    catalog = load_catalog().catalog
    best: tuple[str, dict[str, list[str]], int] = ("", {}, -1)
    for bundle in catalog.bundles.values():
        if not bundle.modelled or bundle.audience is not SubjectKind.PERSON:
            continue
        options = [[o.value for o in q.options] for q in bundle.questions]
        for combo in itertools.islice(itertools.product(*options), 4096):
            answers = {q.key: [v] for q, v in zip(bundle.questions, combo, strict=True)}
            shown = {q.key for q in visible_questions(bundle, answers)}
            answers = {k: v for k, v in answers.items() if k in shown}
            codes = select_matters(bundle, answers).selected_codes
            count = len(merged_field_keys(catalog, codes))
            if count > best[2]:
                best = (bundle.code, answers, count)
    return best


def _prepare_draft(client: httpx.Client, code: str, answers: dict[str, list[str]]) -> str:
    token = client.cookies["csrftoken"]
    name, number = REAL_NAME
    client.post("/me/real-name", data={"name": name, "id_number": number, "_csrf_token": token})
    started = client.post("/me/drafts", data={"bundle": code, "_csrf_token": token})
    if started.status_code != httpx.codes.SEE_OTHER:
        raise ServerError(f"starting a draft answered {started.status_code}")
    draft = started.headers["location"].rsplit("/", 1)[0]
    form: dict[str, list[str] | str] = {f"q.{k}": vs for k, vs in answers.items()}
    form["_csrf_token"] = token
    client.post(f"{draft}/questions", data=form)
    client.post(f"{draft}/notice", data={"_csrf_token": token})
    client.post(f"{draft}/consent", data={"decision": "agree", "_csrf_token": token})
    page = client.get(f"{draft}/form")
    if page.status_code != httpx.codes.OK:
        raise ServerError(f"the form answered {page.status_code}")
    return draft


def _serve(factory: str, config: BenchConfig, environ: Mapping[str, str], *, app: bool,
           bundle: tuple[str, dict[str, list[str]], int]) -> dict[str, Measurement]:  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-form-") as tmp:
        var_dir = Path(tmp) / "var"
        var_dir.mkdir()
        env = _env(var_dir, environ)
        if app:
            for step in ("migrate", "demo-data"):
                subprocess.run([sys.executable, "-m", "app", step], cwd=PROJECT_ROOT, env=env,
                               check=True, capture_output=True)  # fmt: skip
        port = free_port()
        command = CHOSEN.command(factory, port)
        with serving(command, port, env, Path(tmp) / "server.log", config.startup_timeout) as url:
            if not app:
                return {"anchor": _measure(url, config)}
            sid = sign_in(url)
            with httpx.Client(base_url=url, timeout=10.0, cookies={"sid": sid}) as client:
                client.get("/me")
                draft = _prepare_draft(client, bundle[0], bundle[1])
            label = f"app GET form of {bundle[0]} ({bundle[2]} fields)"
            return {label: _measure(f"{url}{draft}/form", config, (f"Cookie: sid={sid}",))}


def main(config: BenchConfig, environ: Mapping[str, str] | None = None) -> int:
    """Run the merged-form benchmark and print its table."""
    print("== bench_form: the largest merged form beside the anchor (uvicorn, asyncio loop) ==")
    if not wrk_available():
        print(WRK_MISSING_NOTICE)
        return 0
    if CHOSEN.missing_notice():
        print(CHOSEN.missing_notice())
        return 0
    source = os.environ if environ is None else environ
    bundle = largest_bundle()
    try:
        results = _serve("bench.anchor_app:create_app", config, source, app=False, bundle=bundle)
        results |= _serve("app.main:create_app", config, source, app=True, bundle=bundle)
    except (ServerError, WrkError, httpx.HTTPError, subprocess.CalledProcessError) as exc:
        print(f"NOTICE: bench_form skipped: {exc}")
        return 1
    anchor = results["anchor"]
    headers = ["target", "req/s", "p99 ms", "errors", "rps/anchor", "p99/anchor"]
    print(
        format_table(headers, [[name, *anchored_cells(m, anchor)] for name, m in results.items()])
    )
    return 0
