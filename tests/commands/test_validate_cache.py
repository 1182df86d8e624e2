"""``validate`` reads the render cache ``plan`` saved, never writes it, and never lets it
hide a change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentctl import render as render_stage
from agentctl.commands import validate
from agentctl.render.pipeline import build


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def validate_json(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = validate.run(root, True, "json")
    return code, capsys.readouterr().out


def test_validate_serves_agents_from_the_cache_plan_saved(
        example: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cold = validate_json(example, capsys)
    assert not (example / ".agentctl").exists()  # validate writes no cache of its own
    assert cold[0] == 0 and json.loads(cold[1])["warning_count"] == 2

    build(example, explicit=True, use_cache=True).save_cache()  # as plan does
    before = files_of(example)

    def no_render(*_args: object) -> None:
        raise AssertionError("rendered an agent the cache holds")

    monkeypatch.setattr(render_stage, "render_agent", no_render)
    assert validate_json(example, capsys) == cold  # same bytes, nothing rendered
    assert validate.run(example, True, "text") == 0
    assert files_of(example) == before  # the cache is read, never written


def test_a_change_after_plan_is_reported_despite_the_cache(
        example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build(example, explicit=True, use_cache=True).save_cache()
    template = example / "templates/ci-fixer/FIXING.md.jinja"
    template.write_text(template.read_text() + "{% if %}\n")
    code, out = validate_json(example, capsys)
    assert code == 1
    found = json.loads(out)["diagnostics"]
    assert any("FIXING.md.jinja" in json.dumps(d) for d in found), found


def test_an_empty_cache_is_not_consulted_when_it_will_not_be_saved(example: Path) -> None:
    # Its keys hash agentctl's code, and nothing could hit.
    assert build(example, explicit=True, use_cache=True, read_only_cache=True).cache is None
    assert build(example, explicit=True, use_cache=True).cache is not None  # plan fills it
    build(example, explicit=True, use_cache=True).save_cache()
    served = build(example, explicit=True, use_cache=True, read_only_cache=True)
    assert served.cache is not None and served.tree.rendered_agents == []
