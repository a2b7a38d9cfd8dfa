"""The load run's own parts (load/): form filling, made-up numbers, reading locust's CSV."""

from __future__ import annotations

import re
from pathlib import Path

from app.numbers import validate_id_number
from load import journey, report

FORM = """
<form id="merged" action="/me/drafts/x/form" method="post">
  <input id="a" type="text" readonly value="from records">
  <select name="applicant.relation" data-kind="select"><option value="">-</option>
    <option value="father">father</option><option value="mother">mother</option></select>
  <input name="child.name" data-kind="text" value="">
  <input name="child.birth_date" data-kind="date" value="">
  <input name="father.id_number" data-kind="id-number" value="">
  <input name="applicant.phone" data-kind="phone" value="">
  <input name="kept" data-kind="text" value="typed before">
  <input type="radio" name="urgent" value="no"><input type="radio" name="urgent" value="yes">
</form>
<form class="upload" action="/me/drafts/x/materials/photo" method="post">
  <input type="file" name="file"></form>
"""


def test_the_form_is_filled_by_kind_and_keeps_what_is_there() -> None:
    page = journey.parse(FORM)
    data = journey.filled(page, 7)

    assert data["applicant.relation"] == "father"
    assert data["child.name"] == "示例"
    assert data["child.birth_date"] == "2026-11-10"
    assert data["urgent"] == "yes"
    assert "kept" not in data
    assert [(f.action, f.files) for f in page.forms if "upload" in f.css] == [
        ("/me/drafts/x/materials/photo", ["file"])
    ]


def test_made_up_numbers_pass_the_apps_own_checks() -> None:
    for serial in (0, 7, 49, 1234, 99_999):
        number = journey.sample_id_number(serial)
        assert validate_id_number(number) == number
        assert re.fullmatch(r"1[3-9]\d{9}", journey.sample_phone(serial))


def test_429_and_503_count_as_shed_and_everything_else_as_a_failure(tmp_path: Path) -> None:
    (tmp_path / "run_failures.csv").write_text(
        "Method,Name,Error,Occurrences\n"
        "GET,page: home,HTTPError('503 Server Error: Service Unavailable'),7\n"
        "POST,submit: submit,HTTPError('429 Client Error: Too Many Requests'),2\n"
        "GET,form: view,HTTPError('500 Server Error: Internal Server Error'),1\n",
        encoding="utf-8",
    )
    shed, other, messages = report.failures(tmp_path / "run")

    assert (shed, other) == (9, 1)
    assert messages == ["1 x form: view: HTTPError('500 Server Error: Internal Server Error')"]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]

    assert report.percentile(values, 0.5) == 50.0
    assert report.percentile(values, 0.99) == 99.0
    assert report.percentile([], 0.99) == 0.0
