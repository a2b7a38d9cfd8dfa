"""Reading a draft's questionnaire answers from a posted form (resident and tablet pages)."""

from __future__ import annotations

from litestar.datastructures import FormMultiDict


def answers_from(form: FormMultiDict) -> tuple[dict[str, list[str]], list[str]]:
    """Questionnaire answers (``q.<key>``, several for multiple choice) and deselected matters."""
    # Not a form Struct: the questions, and so the field names, come from the catalog's
    # bundles, and a Struct's fields are fixed. What the answers may be is checked by
    # ``DraftService.answer`` against the questionnaire itself.
    answers = {k[2:]: form.getall(k) for k in form if k.startswith("q.")}
    keep = set(form.getall("keep", []))
    offered = form.getall("offered", [])
    return answers, [code for code in offered if code not in keep]
