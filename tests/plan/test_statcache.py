"""The plan's stat cache: unchanged files are not read again, and no change is ever hidden."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from agentctl.plan import Plan, StatCache, make_plan
from agentctl.plan import compare as compare_module
from agentctl.plan.ledger import Ledger, ledger_path
from agentctl.plan.statcache import CACHE_FILE, STAMP_FILE
from agentctl.render.pipeline import build
from agentctl.secrets import SecretResolver
from agentctl.support.fsutil import sha256
from tests.plan.test_plan import actions, applied

CLAUDE = "deploy/workspaces/reviewer/CLAUDE.md"


def planned(root: Path, *, save: bool = True) -> Plan:
    """A plan through the project's stat cache (files are noted however recently they
    changed), saved afterwards as ``agentctl plan`` does."""
    built = build(root, explicit=True)
    stats = StatCache(built.project.state_dir / CACHE_FILE, settle_ns=0)
    plan = make_plan(built.project, built.tree, Ledger.load(ledger_path(built.project)),
                     SecretResolver(), inputs=built.inputs(), stats=stats)
    if save:
        stats.save(root)
    return plan


def settled(root: Path) -> None:
    """Apply, then let the clock move on so the files are older than the cache."""
    applied(root)
    time.sleep(0.05)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file plan reads to compare."""
    seen: list[str] = []
    real = compare_module.read_regular

    def counting(path: str) -> tuple[os.stat_result | None, bytes | None]:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(compare_module, "read_regular", counting)
    return seen


def test_unchanged_files_are_not_read_again(example: Path, example_env: dict[str, str],
                                            reads: list[str]) -> None:
    settled(example)
    assert not planned(example).has_changes
    first = len(reads)
    reads.clear()
    assert not planned(example).has_changes
    # Only env files are read again: their hashes are never kept (secret values).
    assert reads and all(path.endswith(".env") for path in reads), reads
    assert len(reads) < first / 2


def test_a_same_size_edit_with_its_mtime_restored_is_seen(example: Path,
                                                          example_env: dict[str, str]) -> None:
    settled(example)
    planned(example)
    path = example / CLAUDE
    before = path.stat()
    text = path.read_bytes()
    path.write_bytes(bytes([text[0] ^ 1]) + text[1:])  # same size, same inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert actions(planned(example)) == {CLAUDE: "drift"}


def test_a_replaced_file_with_same_size_and_mtime_is_seen(example: Path,
                                                          example_env: dict[str, str]) -> None:
    settled(example)
    planned(example)
    path = example / CLAUDE
    before = path.stat()
    text = path.read_bytes()
    other = path.with_name("other")
    other.write_bytes(bytes([text[0] ^ 1]) + text[1:])
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(other, path)
    assert actions(planned(example)) == {CLAUDE: "drift"}


def fake_stat(size: int, mtime: int, ctime: int, ino: int) -> os.stat_result:
    # st_mode, st_ino, st_dev, st_nlink, st_uid, st_gid, st_size, the times in whole
    # seconds, as floats, then in ns (atime, mtime, ctime).
    seconds = (0, mtime // 10**9, ctime // 10**9)
    result = os.stat_result((0o100644, ino, 1, 1, 0, 0, size, *seconds,
                             *(float(s) for s in seconds), 0, mtime, ctime))
    assert (result.st_mtime_ns, result.st_ctime_ns) == (mtime, ctime)
    return result


def test_an_entry_not_older_than_the_cache_is_racy_and_not_trusted() -> None:
    stats = StatCache(settle_ns=0)
    st = fake_stat(10, 5_000, 4_000, 7)
    stats.note("f", st, "abc", now_ns=10_000)
    stats.written_ns = 5_000  # the cache was written in the tick the file last changed
    assert stats.lookup("f", st) is None
    stats.written_ns = 4_999
    assert stats.lookup("f", st) is None
    stats.written_ns = 5_001
    assert stats.lookup("f", st) == "abc"
    # Any of size, mtime, ctime or inode differing is a miss.
    for other in (fake_stat(11, 5_000, 4_000, 7), fake_stat(10, 5_001, 4_000, 7),
                  fake_stat(10, 5_000, 4_001, 7), fake_stat(10, 5_000, 4_000, 8)):
        assert stats.lookup("f", other) is None


def test_a_file_changed_just_before_it_was_read_is_not_noted() -> None:
    stats = StatCache()  # the default settling time: coarse timestamps could hide an edit
    now = time.time_ns()
    stats.note("fresh", fake_stat(1, now - 10**6, now - 10**6, 1), "abc", now_ns=now)
    stats.note("old", fake_stat(1, now - 10**10, now - 10**10, 2), "def", now_ns=now)
    assert set(stats.entries) == {"old"}
    stats.note("old", fake_stat(1, now, now, 2), "ghi", now_ns=now)  # changed: forgotten
    assert stats.entries == {}


def test_a_racy_edit_in_the_tick_of_the_cache_write_is_seen(
        example: Path, example_env: dict[str, str], reads: list[str]) -> None:
    settled(example)
    planned(example)
    path = example / CLAUDE
    cache = example / ".agentctl" / CACHE_FILE
    # The cache claims to have been written in the very tick the file last changed.
    entry = json.loads(cache.read_bytes())["files"][CLAUDE]
    when = max(entry[1], entry[2])
    os.utime(cache, ns=(when, when))
    st = cache.stat()
    (cache.parent / STAMP_FILE).write_text(json.dumps([st.st_ino, st.st_size, when]))
    reads.clear()
    assert not planned(example, save=False).has_changes
    assert str(path) in reads


def test_a_cache_this_machine_did_not_write_is_empty(example: Path,
                                                     example_env: dict[str, str]) -> None:
    settled(example)
    planned(example)
    cache = example / ".agentctl" / CACHE_FILE
    assert StatCache(cache).entries
    copy = cache.with_name("copy")
    shutil.copy2(cache, copy)
    os.replace(copy, cache)  # same bytes and mtime, another inode: as if checked out
    assert StatCache(cache).entries == {}


@pytest.mark.parametrize("garbage", [b"", b"{", b"[]", b'{"format": 1, "files": {"a": 1}}',
                                     b'{"format": 99, "files": {}}'])
def test_a_corrupt_cache_is_empty(tmp_path: Path, garbage: bytes) -> None:
    cache = tmp_path / "stat.json"
    cache.write_bytes(garbage)
    st = cache.stat()
    (tmp_path / STAMP_FILE).write_text(json.dumps([st.st_ino, st.st_size, st.st_mtime_ns]))
    assert StatCache(cache).entries == {}


def test_an_entry_of_the_wrong_types_never_hides_a_change(example: Path,
                                                          example_env: dict[str, str]) -> None:
    settled(example)
    planned(example)
    (example / CLAUDE).write_text("mine\n")
    cache = example / ".agentctl" / CACHE_FILE
    doc = json.loads(cache.read_bytes())
    doc["files"][CLAUDE] = ["1", "2", "3", "4", 5]
    cache.write_text(json.dumps(doc))
    st = cache.stat()
    (cache.parent / STAMP_FILE).write_text(json.dumps([st.st_ino, st.st_size, st.st_mtime_ns]))
    assert actions(planned(example)) == {CLAUDE: "drift"}


@pytest.mark.parametrize("name", ["stat.json", STAMP_FILE])
def test_the_cache_is_never_written_through_a_link(example: Path, example_env: dict[str, str],
                                                   tmp_path: Path, name: str) -> None:
    # A linked state or cache folder is refused by every verb (check_state_dir); a linked
    # cache file or stamp is left alone.
    settled(example)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache_dir = example / ".agentctl" / "cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / name).symlink_to(elsewhere / "target")
    planned(example)
    assert list(elsewhere.iterdir()) == []
    assert (cache_dir / name).is_symlink()


def test_the_hash_kept_is_the_content_read(example: Path, example_env: dict[str, str]) -> None:
    settled(example)
    planned(example)
    doc = json.loads((example / ".agentctl" / CACHE_FILE).read_bytes())
    assert doc["files"][CLAUDE][4] == sha256((example / CLAUDE).read_bytes())
    assert not any(path.endswith(".env") for path in doc["files"])
