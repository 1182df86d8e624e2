"""YAML 1.2 scalars, positions and syntax errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentctl.diagnostics import DiagnosticError
from agentctl.yamlsource import ByteOffsets, SourceFloat, load_yaml, scalar_text


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
