"""The exit codes the CLI gives are the ones its table (and the generated docs page) says."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from agentctl.cli.exitcodes import CHANGES, ERROR, EX_USAGE, EXIT_CODES, OK
from tests.conftest import EXAMPLE_SECRETS, ROOT, run_cli


def hook_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("reference_hook",
                                                  ROOT / "docs/hooks/reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_page_is_generated_from_the_table() -> None:
    page = (ROOT / "docs/reference/exit-codes.md").read_text()
    assert "<!-- reference:exit-codes -->" in page and "| 64 |" not in page
    text = hook_module().expand(page)
    for entry in EXIT_CODES:
        assert f"| {entry.code} | " in text
    assert "sysexits `EX_USAGE`" in text


def test_the_cli_gives_the_tables_codes(example: Path) -> None:
    assert run_cli("-C", str(example), "status", "--json", "true").returncode == EX_USAGE
    assert run_cli("-C", str(example / "missing"), "plan").returncode == ERROR
    done = run_cli("-C", str(example), "plan", "--detailed-exitcode", env=EXAMPLE_SECRETS)
    assert done.returncode == CHANGES
    assert run_cli("-C", str(example), "validate").returncode == OK
