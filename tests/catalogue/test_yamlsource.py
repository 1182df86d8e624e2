"""YAML 1.2 scalars, positions and syntax errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentctl.catalogue.yamlsource import ByteOffsets, SourceFloat, load_yaml, scalar_text
from agentctl.diagnostics import DiagnosticError


def test_yaml_11_coercions_do_not_apply() -> None:
    doc = load_yaml("a: no\nb: 2024-05-01\nc: 1.10\nd: 0755\ne: on\nf: true\n", "x.yaml")
    assert doc.data["a"] == "no"
    assert doc.data["b"] == "2024-05-01"
    assert doc.data["d"] == "0755"
    assert doc.data["e"] == "on"
    assert doc.data["f"] is True
    assert isinstance(doc.data["c"], SourceFloat)
    assert scalar_text(doc.data["c"]) == "1.10"


def test_positions_of_values_and_keys() -> None:
    doc = load_yaml("agents:\n  - name: a\n    model: m\n", "cat.yaml")
    assert str(doc.position(("agents", 0, "model"))) == "cat.yaml:3:12"
    assert str(doc.position(("agents", 0, "model"), prefer_key=True)) == "cat.yaml:3:5"
    # An unknown path falls back to its nearest known parent.
    assert str(doc.position(("agents", 0, "nope"))) == "cat.yaml:2:5"


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(DiagnosticError) as info:
        load_yaml("a: 1\nb: c: d\n", "bad.yaml")
    (diag,) = info.value.diagnostics
    assert diag.code == "E100"
    assert str(diag.position) == "bad.yaml:2:5"
    assert "quoted" in diag.detail


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(DiagnosticError) as info:
        load_yaml("name: a\nname: b\n", "dup.yaml")
    (diag,) = info.value.diagnostics
    assert diag.code == "E102"
    assert str(diag.position) == "dup.yaml:2:1"
    assert "line 1" in diag.summary


def test_anchors_and_merge_keys_work() -> None:
    doc = load_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n", "m.yaml")
    assert doc.data["child"] == {"x": 1, "y": 2}


# Text read from a file is valid UTF-8: no lone surrogates.
@given(st.text(st.characters(exclude_categories=("Cs",))), st.data())
def test_byte_offsets_match_encoding_the_prefix(text: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(text)))
    expected = len(text[:index].encode("utf-8"))
    assert ByteOffsets(text).byte(index) == expected


def _laughs(levels: int, indent: str = "") -> str:
    """A billion-laughs document: each level lists the one before it ten times."""
    lines = [f"{indent}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_stops_at_the_alias_that_passes_the_budget() -> None:
    with pytest.raises(DiagnosticError) as info:
        load_yaml(_laughs(9), "bomb.yaml")
    (diag,) = info.value.diagnostics
    assert diag.code == "E107"
    # l4 stands for 111,111 nodes: building it passes MAX_ALIAS_NODES (100,000).
    assert str(diag.position) == "bomb.yaml:5:1"


def test_aliases_under_the_budget_build_whole_copies() -> None:
    doc = load_yaml(_laughs(4), "ok.yaml")
    assert len(doc.data["l3"]) == 10 and doc.data["l3"][0] == doc.data["l2"]
    doc.data["l3"][0].append("x")  # copies, not shared references
    assert doc.data["l2"][-1] != "x"


def test_merge_keys_yield_to_the_mappings_own_keys() -> None:
    doc = load_yaml("agents:\n  - &d {name: one, runtime: none}\n"
                    "  - {<<: *d, name: two}\n", "m.yaml")
    assert doc.data["agents"][1] == {"runtime": "none", "name": "two"}
    with pytest.raises(DiagnosticError) as info:
        load_yaml("a: {<<: {x: 1}, y: 1, y: 2}\n", "m.yaml")
    assert [d.code for d in info.value.diagnostics] == ["E102"]


@pytest.mark.parametrize("text", ["a: !!python/object/apply:os.system [ls]\n",
                                  "a: !!set {x, y}\n", "a: !custom {x: 1}\n"])
def test_tags_on_collections_are_refused(text: str) -> None:
    with pytest.raises(DiagnosticError) as info:
        load_yaml(text, "t.yaml")
    (diag,) = info.value.diagnostics
    assert diag.code == "E100" and "is not allowed" in diag.summary
    assert str(diag.position) == "t.yaml:1:4"


def test_a_list_as_a_key_is_refused_at_the_key() -> None:
    with pytest.raises(DiagnosticError) as info:
        load_yaml("a:\n  ? [x, y]\n  : z\n", "k.yaml")
    (diag,) = info.value.diagnostics
    assert diag.code == "E108" and str(diag.position) == "k.yaml:2:5"


def test_an_aliased_key_is_refused_at_its_value() -> None:
    with pytest.raises(DiagnosticError) as info:
        load_yaml("a:\n  x: &big [1, 2]\n  ? *big\n  : z\n", "k.yaml")
    (diag,) = info.value.diagnostics
    assert diag.code == "E108" and str(diag.position) == "k.yaml:4:5"


def test_safe_load_bounded_reads_as_pyyaml_and_refuses_bombs() -> None:
    import yaml

    from agentctl.catalogue.yamlbounded import AliasBombError, safe_load_bounded

    text = "a: &x {k: [1, 2]}\nb: *x\nc: yes\nd: 2024-05-01\n"
    assert safe_load_bounded(text) == yaml.safe_load(text)  # YAML 1.1, as Copier reads it
    assert safe_load_bounded("a: 1\n---\nb: 2\n", all_documents=True) == [{"a": 1}, {"b": 2}]
    with pytest.raises(yaml.YAMLError):
        safe_load_bounded("a: 1\n---\nb: 2\n")  # one document, as yaml.safe_load wants
    with pytest.raises(AliasBombError):
        safe_load_bounded(_laughs(9))
