"""``agentctl models refresh`` against real loopback providers: upsert, never delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.commands.models import refresh
from agentctl.diagnostics import DiagnosticError
from agentctl.providers.http import RetryPolicy
from tests.conftest import EXAMPLE, ProjectFactory, run_cli
from tests.providers.server import ProviderServer, serve

KEY = "sk-canary-refresh-8c1d2e"
FAST = RetryPolicy(base_delay=0.01, max_delay=0.02)

CATALOGUE = """\
# Inference for the team.
credentials:
  - name: acme-key   # the provider key
    kind: api_key
    env: ACME_KEY
providers:
  - name: acme
    backend: anthropic
    base_url: {url}
    credential: acme-key
models:
  # pinned by hand
  - name: sonnet
    provider: acme
    provider_model: claude-sonnet-4-5
    publisher: anthropic
  - {{name: haiku, provider: acme, provider_model: claude-haiku-4-5}}  # flow style stays
"""


def project(make_project: ProjectFactory, server: ProviderServer) -> Path:
    return make_project({"catalogue/inference.yaml": CATALOGUE.format(url=server.base_url)})


def run_refresh(root: Path, *providers: str, **kw: object) -> int:
    return refresh(root, True, providers=list(providers), policy=FAST,
                   sleep=lambda s: None, **kw)  # type: ignore[arg-type]


def test_refresh_adds_sorted_keeps_comments_and_is_idempotent(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ACME_KEY", KEY)
    server = ProviderServer("anthropic", key=KEY, page_size=2,
                            models=["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5",
                                    "claude-3-7-sonnet"])
    with serve(server):
        root = project(make_project, server)
        path = root / "catalogue/inference.yaml"
        before = path.read_text()
        assert run_refresh(root) == 0
        after = path.read_text()
        head, _, _tail = before.partition("  - {name: haiku")
        assert after == head + (
            # the flow entry gains the reported publisher (ruamel writes one space before
            # the comment of a flow mapping it rewrote; --dry-run shows such changes)
            "  - {name: haiku, provider: acme, provider_model: claude-haiku-4-5, "
            "publisher: anthropic} # flow style stays\n"
            "  - name: claude-3-7-sonnet\n    provider: acme\n    publisher: anthropic\n"
            "  - name: claude-opus-4-1\n    provider: acme\n    publisher: anthropic\n"
        )
        captured = capsys.readouterr()
        assert "acme: 4 listed, 2 added (claude-3-7-sonnet, claude-opus-4-1), 1 updated " \
            "(haiku)" in captured.out
        mtime = path.stat().st_mtime_ns
        assert run_refresh(root) == 0
        assert path.read_text() == after and path.stat().st_mtime_ns == mtime
        assert "No changes" in capsys.readouterr().out


def test_refresh_updates_only_reported_fields(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_KEY", KEY)
    server = ProviderServer("anthropic", key=KEY, models=["claude-haiku-4-5"])
    with serve(server):
        root = project(make_project, server)
        run_refresh(root)
    text = (root / "catalogue/inference.yaml").read_text()
    assert "provider_model: claude-haiku-4-5, publisher: anthropic}" in text
    assert "provider_model: claude-sonnet-4-5\n    publisher: anthropic\n" in text


def test_a_dropped_model_stays(make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ACME_KEY", KEY)
    server = ProviderServer("anthropic", key=KEY, models=["claude-haiku-4-5"])
    with serve(server):
        root = project(make_project, server)
        run_refresh(root)
    text = (root / "catalogue/inference.yaml").read_text()
    assert "provider_model: claude-sonnet-4-5" in text  # sonnet is no longer listed: kept
    assert "1 no longer listed, kept (sonnet)" in capsys.readouterr().out


def test_dry_run_prints_the_diff_and_writes_nothing(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ACME_KEY", KEY)
    server = ProviderServer("anthropic", key=KEY,
                            models=["claude-haiku-4-5", "claude-sonnet-4-5", "claude-new"])
    with serve(server):
        root = project(make_project, server)
        before = (root / "catalogue/inference.yaml").read_bytes()
        run_refresh(root, "acme", dry_run=True)
    out = capsys.readouterr().out
    assert "--- a/catalogue/inference.yaml\n+++ b/catalogue/inference.yaml\n" in out
    assert "+  - name: claude-new\n+    provider: acme\n+    publisher: anthropic\n" in out
    assert "nothing was written" in out
    assert (root / "catalogue/inference.yaml").read_bytes() == before


def test_models_file_option_and_built_in_provider_override(
    make_project: ProjectFactory,
) -> None:
    server = ProviderServer("ollama", key=None, models=["qwen3:4b", "llama3:8b"])
    with serve(server):
        root = make_project({
            # replaces the built-in `ollama` provider by name (no E120)
            "catalogue/providers.yaml": f"providers:\n  - name: ollama\n    backend: ollama\n"
                                        f"    base_url: {server.base_url}\n",
        })
        run_refresh(root, "ollama", models_file=Path("catalogue/models.yaml"))
    assert (root / "catalogue/models.yaml").read_text() == (
        "models:\n- name: llama3:8b\n  provider: ollama\n- name: qwen3:4b\n  provider: ollama\n"
    )


def test_models_file_outside_the_globs_is_refused(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/p.yaml": "providers: []\n"})
    with pytest.raises(DiagnosticError) as info:
        run_refresh(root, "ollama", models_file=Path("elsewhere/models.yaml"))
    assert info.value.errors[0].code == "E605"


def test_built_in_provider_without_credential_says_how_to_add_one(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"catalogue/p.yaml": "providers: []\n"})
    with pytest.raises(DiagnosticError) as info:
        run_refresh(root, "anthropic")
    (err,) = info.value.errors
    assert err.code == "E603" and "names no credential" in err.summary
    assert "credential: <credential>" in err.detail


def test_unknown_provider_did_you_mean(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/p.yaml": "providers: []\n"})
    with pytest.raises(DiagnosticError) as info:
        run_refresh(root, "anthropc")
    assert "Did you mean 'anthropic'?" in info.value.errors[0].detail


def test_cli_429_then_success_completes(make_project: ProjectFactory) -> None:
    server = ProviderServer("anthropic", key=KEY, models=["claude-haiku-4-5", "claude-x"])
    server.failures = [(429, {"Retry-After": "0"}, b'{"error": {"message": "rate"}}')]
    with serve(server):
        root = project(make_project, server)
        proc = run_cli("-C", str(root), "models", "refresh", env={"ACME_KEY": KEY})
    assert proc.returncode == 0, proc.stderr
    text = (root / "catalogue/inference.yaml").read_text()
    assert "  - name: claude-x\n    provider: acme\n" in text
    assert len(server.requests) == 2


def test_cli_401_exits_1_names_the_credential_and_writes_nothing(
    make_project: ProjectFactory,
) -> None:
    server = ProviderServer("anthropic", key="the-right-key-000", models=["claude-x"])
    with serve(server):
        root = project(make_project, server)
        before = (root / "catalogue/inference.yaml").read_bytes()
        proc = run_cli("-C", str(root), "models", "refresh", "acme", env={"ACME_KEY": KEY})
    assert proc.returncode == 1
    assert "error[E602] providers[acme]: provider 'acme' (credential 'acme-key')" in proc.stderr
    assert "401 Unauthorized" in proc.stderr and "Traceback" not in proc.stderr
    assert KEY not in proc.stdout + proc.stderr
    assert (root / "catalogue/inference.yaml").read_bytes() == before


def test_cli_missing_key_names_where_it_looked(make_project: ProjectFactory) -> None:
    server = ProviderServer("anthropic", key=KEY)
    root = project(make_project, server)
    proc = run_cli("-C", str(root), "models", "refresh",
                   env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    assert proc.returncode == 1
    assert "error[E603]" in proc.stderr and "credential 'acme-key'" in proc.stderr
    assert "env ACME_KEY (not set)" in proc.stderr


def test_example_refresh_only_adds_lines(example: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert example.name == "fleet" and EXAMPLE.is_dir()
    monkeypatch.setenv("FLEET_ANTHROPIC_API_KEY", KEY)
    server = ProviderServer("anthropic", key=KEY,
                            models=["claude-sonnet-4-5", "claude-opus-4-1", "claude-brand-new"])
    with serve(server):
        path = example / "catalogue/inference.yaml"
        path.write_text(path.read_text().replace(
            "    backend: anthropic\n",
            f"    backend: anthropic\n    base_url: {server.base_url}\n"))
        run_refresh(example, "anthropic", dry_run=True)
    diff = capsys.readouterr().out.split("+++ b/catalogue/inference.yaml\n", 1)[1]
    changed = [line for line in diff.splitlines() if line[:1] in "+-"]
    assert changed == ["+  - name: claude-brand-new", "+    provider: anthropic",
                       "+    publisher: anthropic"]


def test_version_imports_neither_httpx_nor_ruamel() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom agentctl.cli import main\nsys.argv = ['agentctl', '--version']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'ruamel')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines()[-1] == "[]"


def test_the_built_in_catalogue_is_found_from_a_source_checkout() -> None:
    # From an installed wheel it is agentctl/_builtin_catalogue: tests/acceptance/test_wheel.py.
    from agentctl.catalogue.builtin import builtin_catalogue_files

    assert [p.name for p in builtin_catalogue_files()] == ["providers.yaml"]


def test_one_failing_provider_means_nothing_is_written(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_KEY", KEY)
    good = ProviderServer("anthropic", key=KEY, models=["claude-new"])
    bad = ProviderServer("ollama", key=None)
    bad.failures = [(500, {}, b"{}")] * 10
    with serve(good), serve(bad):
        root = project(make_project, good)
        path = root / "catalogue/inference.yaml"
        path.write_text(path.read_text().replace(
            "models:\n", f"  - {{name: local, backend: ollama, base_url: {bad.base_url}}}\n"
                         "models:\n"))
        before = path.read_bytes()
        with pytest.raises(DiagnosticError) as info:
            run_refresh(root, "acme", "local")
    (err,) = info.value.errors
    assert err.code == "E601" and "provider 'local'" in err.summary
    assert path.read_bytes() == before


def test_several_providers_show_progress_on_a_terminal(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from agentctl.commands import ui

    monkeypatch.setenv("ACME_KEY", KEY)
    monkeypatch.setattr(ui, "use_color", lambda stream: True)  # as on a terminal
    first = ProviderServer("anthropic", key=KEY, models=["claude-haiku-4-5"])
    second = ProviderServer("ollama", key=None, models=["qwen3:4b"])
    with serve(first), serve(second):
        root = project(make_project, first)
        path = root / "catalogue/inference.yaml"
        path.write_text(path.read_text().replace(
            "models:\n", f"  - {{name: local, backend: ollama, base_url: {second.base_url}}}\n"
                         "models:\n"))
        assert run_refresh(root, "acme", "local") == 0
    captured = capsys.readouterr()
    assert "local: 1 listed, 1 added (qwen3:4b)" in captured.out
    assert "  - name: qwen3:4b\n    provider: local\n" in path.read_text()


def test_provider_errors_come_from_the_pipeline_and_only_for_the_refreshed_ones(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unknown backend or credential of a refreshed provider stops the refresh with
    validate's own diagnostics; an error elsewhere in the catalogue (an agent naming a
    model the refresh is about to add) does not."""
    broken = ("providers:\n  - {name: odd, backend: antropic, credential: nokey}\n"
              "  - {name: acme, backend: anthropic, base_url: http://127.0.0.1:9/v1}\n")
    root = make_project({"catalogue/p.yaml": broken})
    with pytest.raises(DiagnosticError) as info:
        run_refresh(root, "odd")
    assert sorted(e.code for e in info.value.errors) == ["E206", "E212"]
    assert all(e.path.startswith("providers[odd]") for e in info.value.errors)
    validate = run_cli("-C", str(root), "validate")
    for err in info.value.errors:
        assert err.format().splitlines()[0] in validate.stderr  # the same diagnostics

    (root / "catalogue/p.yaml").unlink()
    monkeypatch.setenv("ACME_KEY", KEY)
    server = ProviderServer("anthropic", key=KEY, models=["claude-new-1"])
    with serve(server):
        root = project(make_project, server)
        (root / "catalogue/agents.yaml").write_text(
            "agents:\n  - {name: a, runtime: claude-code, model: claude-new-1}\n")
        assert run_cli("-C", str(root), "validate").returncode == 1  # unknown model
        assert run_refresh(root) == 0
        assert "name: claude-new-1" in (root / "catalogue/inference.yaml").read_text()
        assert run_cli("-C", str(root), "validate", env={"ACME_KEY": KEY}).returncode == 0
