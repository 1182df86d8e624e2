"""README.md stays short and points into the docs; what tests elsewhere read from it stays."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = ROOT / "README.md"


def test_readme_is_short_and_its_links_resolve() -> None:
    text = README.read_text()
    assert len(text.encode()) < 10_000, "the README stays under 10 KB"
    assert len(text.splitlines()) <= 120, "the README fits on two screens"
    links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text)
    assert "docs/index.md" in links and "bench/README.md" in links
    for link in links:
        assert (ROOT / link).exists(), link


def test_readme_keeps_the_two_setup_commands_and_what_other_tests_read() -> None:
    text = README.read_text()
    install = text.split("## Install\n", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^make \w+", install, flags=re.M)
    assert commands == ["make example", "make test"]
    # tests/acceptance/test_runtimes_cli.py and the runtime matrix check read these
    assert "agentctl run reviewer -- mcp list" in text.split("## Check a workspace", 1)[1]
    assert "\n## Runtimes\n" in text


def test_moved_sections_have_a_home() -> None:
    bench = (ROOT / "bench/README.md").read_text()
    assert "## Performance" in bench and "## Start-up time" in bench
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    assert "make acceptance-latest" in contributing and "## Adding a runtime" in contributing
