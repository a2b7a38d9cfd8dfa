"""Properties of the merged form (一表申请) and the selection (自主选择), on the shipped catalog.

For any bundle and any subset of its matters: every field of every selected matter appears
exactly once, no other field does, a field shared by several matters names all of them,
groups keep their order and fields their first-use order; adding a matter and taking it out
again gives back the same form. For any answers and any deselection: required matters stay,
a matter never stays without a matter it depends on, and deselecting nothing keeps all.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.catalog.engine import merged_form, select_matters
from app.catalog.loader import default_catalog
from app.catalog.schema import Bundle, Catalog, QuestionKind

CATALOG: Catalog = default_catalog().catalog
# Bundles listed but not yet online have no matters (an empty form is a form too, but not
# one to draw matters from).
BUNDLES = sorted(code for code, bundle in CATALOG.bundles.items() if bundle.matters)


@st.composite
def bundle_and_matters(draw: st.DrawFn) -> tuple[Bundle, list[str]]:
    """A bundle and a subset of its matters, in the bundle's order (as a selection gives)."""
    bundle = CATALOG.bundles[draw(st.sampled_from(BUNDLES))]
    codes = [m.matter for m in bundle.matters]
    kept = draw(st.lists(st.booleans(), min_size=len(codes), max_size=len(codes)))
    return bundle, [code for code, keep in zip(codes, kept, strict=True) if keep]


@st.composite
def answers_for(draw: st.DrawFn, bundle: Bundle) -> dict[str, tuple[str, ...]]:
    """Answers to the bundle's questions: one option, or a few for a multiple choice."""
    answers: dict[str, tuple[str, ...]] = {}
    for question in bundle.questions:
        values = [o.value for o in question.options]
        if question.kind is QuestionKind.SINGLE:
            answers[question.key] = (draw(st.sampled_from(values)),)
        else:
            answers[question.key] = tuple(draw(st.lists(st.sampled_from(values), unique=True)))
    return answers


def _keys(codes: list[str]) -> list[str]:
    return [f.definition.key for g in merged_form(CATALOG, codes) for f in g.fields]


@given(bundle_and_matters())
def test_every_field_of_every_selected_matter_appears_exactly_once(
    chosen: tuple[Bundle, list[str]],
) -> None:
    _, codes = chosen
    keys = _keys(codes)
    assert len(keys) == len(set(keys))
    assert set(keys) == {key for code in codes for key in CATALOG.matters[code].fields}


@given(bundle_and_matters())
def test_a_shared_field_names_exactly_the_selected_matters_that_need_it(
    chosen: tuple[Bundle, list[str]],
) -> None:
    _, codes = chosen
    for group in merged_form(CATALOG, codes):
        for field in group.fields:
            needing = [c for c in codes if field.definition.key in CATALOG.matters[c].fields]
            assert list(field.matters) == needing
            assert field.definition.group == group.group.code


@given(bundle_and_matters())
def test_groups_keep_their_order_and_fields_their_first_use(
    chosen: tuple[Bundle, list[str]],
) -> None:
    _, codes = chosen
    form = merged_form(CATALOG, codes)
    orders = [g.group.order for g in form]
    assert orders == sorted(orders)
    first_use = list(dict.fromkeys(k for c in codes for k in CATALOG.matters[c].fields))
    for group in form:
        keys = [f.definition.key for f in group.fields]
        assert keys == [k for k in first_use if CATALOG.fields[k].group == group.group.code]
    assert merged_form(CATALOG, codes) == form  # the same selection, the same form


@given(bundle_and_matters(), st.data())
def test_adding_a_matter_and_taking_it_out_again_restores_the_form(
    chosen: tuple[Bundle, list[str]], data: st.DataObject
) -> None:
    bundle, codes = chosen
    before = merged_form(CATALOG, codes)
    extra = data.draw(st.sampled_from([m.matter for m in bundle.matters]))
    order = [m.matter for m in bundle.matters]
    with_extra = [c for c in order if c in {*codes, extra}]
    grown = merged_form(CATALOG, with_extra)
    grown_keys = {f.definition.key for g in grown for f in g.fields}
    assert set(_keys(codes)) <= grown_keys
    assert merged_form(CATALOG, [c for c in with_extra if c in codes]) == before


@given(st.sampled_from(BUNDLES).flatmap(lambda code: st.tuples(
    st.just(CATALOG.bundles[code]),
    answers_for(CATALOG.bundles[code]),
    st.lists(st.sampled_from([m.matter for m in CATALOG.bundles[code].matters]), unique=True),
)))  # fmt: skip
def test_a_selection_keeps_required_matters_and_the_matters_they_need(
    chosen: tuple[Bundle, dict[str, tuple[str, ...]], list[str]],
) -> None:
    bundle, answers, deselect = chosen
    selection = select_matters(bundle, answers, deselect)
    selected = set(selection.selected_codes)
    applicable = {m.matter for m in selection.applicable}
    assert selected | set(selection.deselected) == applicable
    assert not selected & set(selection.deselected)
    for item in selection.applicable:
        if not item.optional:
            assert item.matter in selected
        if item.matter in selected:
            # A dependency the questionnaire left out counts as done; one deselected may not.
            assert not set(item.depends_on) & set(selection.deselected)
    assert set(selection.deselected) <= set(deselect) | {
        m.matter for m in selection.applicable if m.optional
    }
    # Deselecting nothing keeps every applicable matter: choosing them back restores them.
    assert set(select_matters(bundle, answers, ()).selected_codes) == applicable
