"""``agentctl render --out DIR``: prunes what it wrote there before, keeps what others put
there, refuses a non-empty folder it did not write, and ``--check`` ignores its manifest."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli, tree_bytes


def drop_agent(example: Path, name: str) -> None:
    agents = example / "catalogue/agents.yaml"
    text = agents.read_text()
    start = text.index(f"  - name: {name}\n")
    end = text.find("\n  - name: ", start + 1)
    agents.write_text(text[:start] + (text[end + 1:] if end != -1 else ""))


def test_render_out_prunes_the_files_of_agents_gone_since(example: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "preview"
    first = run_cli("-C", str(example), "render", "--out", str(out))
    assert first.returncode == 0, first.stderr
    manifest = json.loads((out / ".agentctl-render.json").read_text())
    assert "workspaces/test-fixer/AGENTS.md" in manifest["files"]
    assert set(manifest["files"]) == set(tree_bytes(out)) - {".agentctl-render.json"}
    (out / "notes.txt").write_text("mine\n")  # someone's own file: never touched
    (out / "workspaces/test-fixer/scratch.txt").write_text("mine too\n")

    drop_agent(example, "docs-writer")
    second = run_cli("-C", str(example), "render", "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert not (out / "workspaces/docs-writer").exists()
    assert "removed " in second.stdout and "an earlier render wrote there" in second.stdout
    assert (out / "notes.txt").read_text() == "mine\n"
    assert (out / "workspaces/test-fixer/scratch.txt").exists()
    assert "docs-writer" not in (out / "compose.yaml").read_text()
    # What is left is exactly a fresh render, plus the user's two files.
    fresh = tmp_path / "fresh"
    assert run_cli("-C", str(example), "render", "--out", str(fresh)).returncode == 0
    left = tree_bytes(out)
    assert left.pop("notes.txt") and left.pop("workspaces/test-fixer/scratch.txt")
    assert left == tree_bytes(fresh)
    check = run_cli("-C", str(example), "render", "--check", "--out", str(fresh))
    assert check.returncode == 0, check.stdout  # the manifest is not a stale file


def test_render_out_refuses_a_folder_it_did_not_write(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "someone"
    out.mkdir()
    (out / "keep.txt").write_text("keep\n")
    done = run_cli("-C", str(example), "render", "--out", str(out))
    assert done.returncode == 1
    assert (f"error[E730] --out: {out} is not empty and render did not write it (no "
            ".agentctl-render.json)") in done.stderr
    assert "Point --out at a new or empty folder" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    (out / ".agentctl-render.json").write_text('{"files": "nope"}')
    done = run_cli("-C", str(example), "render", "--out", str(out))
    assert done.returncode == 1 and "is unreadable or not one render wrote" in done.stderr


def test_a_manifest_naming_paths_outside_is_not_followed(example: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "preview"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    assert run_cli("-C", str(example), "render", "--out", str(out)).returncode == 0
    manifest = out / ".agentctl-render.json"
    doc = json.loads(manifest.read_text())
    doc["files"] += ["../victim.txt", str(victim)]
    manifest.write_text(json.dumps(doc))
    assert run_cli("-C", str(example), "render", "--out", str(out)).returncode == 0
    assert victim.read_text() == "keep\n"
