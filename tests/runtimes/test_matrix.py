"""README's runtime matrix is generated from what each runtime declares."""

from __future__ import annotations

import re
from importlib.metadata import EntryPoint, EntryPoints

import pytest

from agentctl import runtimes
from agentctl.runtimes.matrix import ROWS, runtime_matrix
from agentctl.support import plugins
from tests.conftest import ROOT

START, END = "<!-- runtime-matrix:start -->\n", "<!-- runtime-matrix:end -->\n"



def test_readme_table_equals_runtime_matrix(fresh_registry: None) -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(re.escape(START) + "(.*?)" + re.escape(END), readme, re.S)
    assert found, "README.md has no runtime-matrix markers"
    assert found.group(1) == runtime_matrix(), (
        "regenerate the table between the markers from agentctl.runtimes.matrix.runtime_matrix()")


def test_matrix_shape_follows_the_registry(fresh_registry: None) -> None:
    lines = runtime_matrix().splitlines()
    assert lines[0] == "| | " + " | ".join(f"`{n}`" for n in runtimes.listed_runtimes()) + " |"
    assert len(lines) == 2 + len(ROWS)
    assert all(line.count(" | ") == len(runtimes.BUILTIN) for line in lines[2:])


def test_derived_rows_read_the_declarations(fresh_registry: None) -> None:
    cells = [line.removeprefix("| ").removesuffix(" |").split(" | ")
             for line in runtime_matrix().splitlines()[2:]]
    rows = {row[0]: row[1:] for row in cells}
    names = runtimes.listed_runtimes()
    codex = runtimes.get_runtime("codex")
    at = names.index("codex")
    assert rows["skills"][at] == f"`{codex.skills_dir}/`"
    assert rows["inference credential kinds"][at] == ", ".join(codex.credential_envs)
    assert rows["transports"][at] == "stdio, http"
    assert rows[ROWS[-1][0]][at] == f"{codex.docs.last_proven} (pinned: {codex.version})"
    assert rows["service"][names.index("none")] == "no"


def test_a_plugin_runtime_gets_a_column(fresh_registry: None,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = EntryPoint(name="acme", value="agentctl.runtimes.none:NoRuntime",
                        group=runtimes.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "_all", lambda: EntryPoints([plugin]))
    header = runtime_matrix().splitlines()[0]
    assert header.endswith("| `none` | `none` |")  # the plug-in's column, after the built-ins
