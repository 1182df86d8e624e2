"""Incremental rendering: exactly the agents whose inputs changed are rendered again."""

from __future__ import annotations

from pathlib import Path

from agentctl.render.pipeline import build
from tests.conftest import example_agents


def snapshot(root: Path, **kwargs: bool) -> tuple[dict[str, tuple[bytes, int]], list[str]]:
    built = build(root, explicit=True, **kwargs)
    built.save_cache()  # as plan does
    tree = built.tree
    files = {p: (s.content, s.mode) for p, s in tree.files.items()}
    return files, tree.rendered_agents


def test_cache_hit_gives_the_same_bytes_as_a_cold_render(example: Path) -> None:
    cold, rendered = snapshot(example)
    assert len(rendered) == len(example_agents())
    first, rendered_first = snapshot(example, use_cache=True)
    assert rendered_first == rendered  # empty cache: everything rendered
    assert (example / ".agentctl/cache/render.json").is_file()
    assert (example / ".agentctl/cache/.gitignore").read_text().endswith("*\n")
    warm, rendered_warm = snapshot(example, use_cache=True)
    assert rendered_warm == []  # every agent came from the cache
    assert warm == cold == first


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_one_changed_input_re_renders_exactly_its_agent(example: Path) -> None:
    snapshot(example, use_cache=True)
    edit(example / "templates/ci-fixer/FIXING.md.jinja", "smallest", "least")
    files, rendered = snapshot(example, use_cache=True)
    assert rendered == ["test-fixer"]
    assert b"the least change" in files["workspaces/test-fixer/FIXING.md"][0]

    edit(example / "skills/release-notes/scripts/collect.sh", "#!", "#!")  # same bytes
    assert snapshot(example, use_cache=True)[1] == []
    script = example / "skills/release-notes/scripts/collect.sh"
    script.write_bytes(script.read_bytes() + b"# changed\n")
    files, rendered = snapshot(example, use_cache=True)
    assert rendered == ["release-manager"]  # the only agent with that skill
    assert files["workspaces/release-manager/.claude/skills/release-notes/scripts/collect.sh"][
        0].endswith(b"# changed\n")

    edit(example / "catalogue/agents.yaml", "route them to an owner", "route them")
    assert snapshot(example, use_cache=True)[1] == ["triager"]

    own = example / "templates/service/gemini-cli"
    own.mkdir(parents=True)
    (own / "copier.yml").write_text("x: 1\n")
    (own / "service.yaml.jinja").write_text("image: {{ image }}\n")
    assert snapshot(example, use_cache=True)[1] == ["docs-writer"]

    cold, _ = snapshot(example)
    assert snapshot(example, use_cache=True)[0] == cold


def test_a_corrupt_cache_is_an_empty_cache(example: Path) -> None:
    snapshot(example, use_cache=True)
    (example / ".agentctl/cache/render.json").write_text("{not json")
    files, rendered = snapshot(example, use_cache=True)
    assert len(rendered) == len(example_agents())
    assert files == snapshot(example)[0]


def test_compose_file_from_the_cache_equals_a_cold_render(example: Path) -> None:
    cold, _ = snapshot(example)
    snapshot(example, use_cache=True)
    edit(example / "catalogue/agents.yaml", "route them to an owner", "route them")
    warm, rendered = snapshot(example, use_cache=True)
    assert rendered == ["triager"]
    assert warm["compose.yaml"] == cold["compose.yaml"]  # the service did not change
    cold_after, _ = snapshot(example)
    assert warm == cold_after


def test_a_cache_that_arrived_from_elsewhere_is_never_read(example: Path,
                                                           tmp_path: Path) -> None:
    """A pull request can commit .agentctl/cache/ (it is only git-ignored): a crafted cache
    would put bytes into workspaces that the catalogue does not produce. Only the file
    this agentctl wrote here (its stamp: inode, size, mtime in ns) is trusted."""
    import base64
    import json
    import shutil

    snapshot(example, use_cache=True)
    cache = example / ".agentctl/cache/render.json"
    doc = json.loads(cache.read_text())
    files = doc["agents"]["compose/reviewer"]["files"]
    files["AGENTS.md"][0] = base64.b64encode(b"crafted instructions\n").decode()
    crafted = json.dumps(doc)
    clone = tmp_path / "clone"  # as a checkout of a commit holding the crafted cache
    shutil.copytree(example, clone)
    (clone / ".agentctl/cache/render.json").write_text(crafted)
    tree, rendered = snapshot(clone, use_cache=True)
    assert len(rendered) == len(example_agents())
    assert b"crafted" not in tree["workspaces/reviewer/AGENTS.md"][0]
    cache.write_text(crafted)  # edited in place: same inode, another mtime and size
    tree, rendered = snapshot(example, use_cache=True)
    assert len(rendered) == len(example_agents())
    assert b"crafted" not in tree["workspaces/reviewer/AGENTS.md"][0]
    assert snapshot(example, use_cache=True)[1] == []  # written again by agentctl: trusted
