"""Loading: project discovery, schema errors with file:line:column, duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.catalogue.load import load_catalogue
from agentctl.catalogue.project import load_project
from agentctl.diagnostics import DiagnosticError
from tests.conftest import ProjectFactory


def errors_of(root: Path) -> list[str]:
    with pytest.raises(DiagnosticError) as info:
        load_catalogue(load_project(root, explicit=True))
    return [d.format() for d in info.value.errors]


def test_project_found_by_walking_up(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "agents: []\n"})
    nested = root / "catalogue"
    assert load_project(nested).root == root


def test_missing_project_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as info:
        load_project(tmp_path, explicit=True)
    assert info.value.errors[0].code == "E001"


def test_unknown_key_with_did_you_mean(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "agents:\n  - name: a\n    runtime: none\n"
                                             "    modle: x\n"})
    (msg,) = errors_of(root)
    assert msg.startswith("catalogue/a.yaml:4:5: error[E110] agents[a].modle: unknown key 'modle'")
    assert "Did you mean 'model'?" in msg


def test_wrong_type_says_quote_it(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "models:\n  - name: m\n    provider: p\n"
                                             "    provider_model: 1.10\n"})
    (msg,) = errors_of(root)
    assert "catalogue/a.yaml:4:21" in msg
    assert 'provider_model: "1.10"' in msg


def test_missing_required_key(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "credentials:\n  - name: c\n"})
    (msg,) = errors_of(root)
    assert "catalogue/a.yaml:2:5: error[E111] credentials[c].kind: missing required key" in msg


def test_bad_enum_value_lists_choices(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "credentials:\n  - name: c\n    kind: apikey\n"})
    (msg,) = errors_of(root)
    assert "E114" in msg and "'apikey'" in msg and "api_key" in msg


def test_invalid_name_pattern(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "agents:\n  - name: Bad_Name\n    runtime: none\n"})
    (msg,) = errors_of(root)
    assert "E113" in msg and "lower-case" in msg


def test_duplicate_name_names_both_places(make_project: ProjectFactory) -> None:
    root = make_project({
        "catalogue/a.yaml": "agents:\n  - name: twin\n    runtime: none\n",
        "catalogue/b.yaml": "\n\nagents:\n  - name: twin\n    runtime: none\n",
    })
    (msg,) = errors_of(root)
    assert msg.startswith("catalogue/b.yaml:4:11: error[E120]")
    assert "also defined at catalogue/a.yaml:2:11" in msg


def test_all_errors_of_all_files_reported_together(make_project: ProjectFactory) -> None:
    root = make_project({
        "catalogue/a.yaml": "agents:\n  - name: a\n    runtime: none\n    bogus: 1\n",
        "catalogue/b.yaml": "credentials:\n  - name: c\n",
        "catalogue/c.yaml": "agents: [\n",
        "catalogue/d.yaml": "agentz: []\n",
    })
    msgs = errors_of(root)
    assert len(msgs) == 4
    assert [m.split(":")[0] for m in msgs] == [
        "catalogue/a.yaml", "catalogue/b.yaml", "catalogue/c.yaml", "catalogue/d.yaml"
    ]
    assert "Did you mean 'agents'?" in msgs[3]


def test_section_must_be_a_list(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "agents:\n  name: a\n"})
    (msg,) = errors_of(root)
    assert "E112" in msg and "list of entries" in msg


def test_no_catalogue_files(make_project: ProjectFactory) -> None:
    root = make_project({})
    msgs = errors_of(root)  # one per default glob (catalogue/**/*.yaml and *.yml)
    assert len(msgs) == 2 and all("E002" in msg for msg in msgs)


def test_yaml_one_one_words_stay_text(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": (
        "mcp_servers:\n  - name: s\n    transport: stdio\n    command: run\n"
        "    env:\n      DEBUG: no\n      SINCE: 2024-05-01\n"
    )})
    cat = load_catalogue(load_project(root, explicit=True))
    assert cat.mcp_servers["s"].entry.env == {"DEBUG": "no", "SINCE": "2024-05-01"}


def test_oversized_file_refused(make_project: ProjectFactory) -> None:
    root = make_project({"catalogue/a.yaml": "# " + "x" * (4 * 1024 * 1024) + "\n"})
    (msg,) = errors_of(root)
    assert "E103" in msg


def test_built_in_providers_are_there_and_a_project_entry_replaces_one(
    make_project: ProjectFactory,
) -> None:
    from agentctl.catalogue.load import load_catalogue as load
    from agentctl.catalogue.project import load_project as project

    root = make_project({"catalogue/a.yaml": "providers: []\n"})
    cat = load(project(root, explicit=True))
    assert sorted(cat.providers) == ["anthropic", "gemini", "ollama", "openai", "openrouter"]
    assert cat.providers["openrouter"].entry.base_url == "https://openrouter.ai/api/v1"
    assert str(cat.providers["anthropic"].pos()).startswith("<agentctl built-in>/providers.yaml:")
    root = make_project({
        "catalogue/a.yaml": "credentials:\n  - {name: k, kind: api_key}\n"
                            "providers:\n  - {name: anthropic, backend: anthropic, credential: k}\n"
    })
    cat = load(project(root, explicit=True))
    assert cat.providers["anthropic"].entry.credential == "k"  # replaced whole, no E120
    assert ("providers", "anthropic") not in cat.builtin


def test_duplicate_project_entry_of_a_built_in_name_is_still_e120(
    make_project: ProjectFactory,
) -> None:
    from agentctl.catalogue.load import load_catalogue as load
    from agentctl.catalogue.project import load_project as project

    root = make_project({
        "catalogue/a.yaml": "providers:\n  - {name: openai, backend: openai}\n",
        "catalogue/b.yaml": "providers:\n  - {name: openai, backend: openai}\n",
    })
    with pytest.raises(DiagnosticError) as info:
        load(project(root, explicit=True))
    (err,) = info.value.errors
    assert err.code == "E120" and "also defined at catalogue/a.yaml:2:12" in err.summary


def test_instruction_files_are_read_while_loading(make_project: ProjectFactory) -> None:
    root = make_project({
        "catalogue/a.yaml": "agents:\n  - {name: a, instructions_file: ../a.md}\n"
                            "  - {name: b, instructions_file: ../missing.md}\n"
                            "  - {name: c, instructions: inline}\n",
        "a.md": "be brief\n",
    })
    cat = load_catalogue(load_project(root, explicit=True))
    assert cat.instructions["a"].text == "be brief\n"
    assert cat.instructions["a"].file == root / "a.md"
    assert root / "a.md" in cat.files  # part of the plan's input digest
    missing = cat.instructions["b"]
    assert missing.text is None and [d.code for d in missing.problems] == ["E214"]
    assert "c" not in cat.instructions
