"""Every secret backend through the installed CLI with its real program: ``pass`` with a
real GnuPG key made here, the age file with the ``age`` CLI cross-checking pyrage, a real
subprocess for ``command``, real files for ``file``, the environment for ``env``.

Each storable backend's ``set``/``get``/``rm``; the read-only ones' ``set`` refused; the
unavailable and not-set cases each a clear message, exit 1, nothing written. Canary
values run through every verb and backend and must appear only in the env files.
``.ci/run`` installs the Debian packages (pass, age, gnupg); here a missing one skips.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from agentctl.support.envfile import format_env_file
from tests.conftest import run_cli, tree_bytes

pytestmark = pytest.mark.acceptance

CANARIES = {
    "key-pass": "sk-canary-pass-5e1d",
    "key-age": "sk-canary-age-\"q\" $HOME \\ ünï 77",
    "key-file": "sk-canary-file-0c3b",
    "key-command": "sk-canary-command-9a2f",
    "key-env": "sk-canary-env-41b7",
}
AGE_BY_CLI = "sk-canary-age-cli-3d8e"
PASS_BY_CLI = "sk-canary-pass-cli-6f0a"


def catalogue(secret_dir: Path) -> str:
    return f"""\
credentials:
  - {{name: key-pass, kind: api_key, source: {{backend: pass, entry: fleet/key-pass}}}}
  - {{name: key-age, kind: api_key, source: age}}
  - {{name: key-file, kind: api_key, source: {{backend: file, path: {secret_dir}/key-file}}}}
  - name: key-command
    kind: api_key
    source: {{backend: command, argv: [pass, show, "fleet/{{name}}"]}}
  - {{name: key-env, kind: api_key, source: {{backend: env, var: FLEET_KEY_ENV}}}}
  - {{name: key-spare, kind: api_key, source: {{backend: pass, entry: nowhere/spare}}}}
providers:
""" + "".join(f"""\
  - {{name: p-{n}, backend: anthropic, credential: key-{n}}}
""" for n in ("pass", "age", "file", "command", "env")) + "models:\n" + "".join(f"""\
  - {{name: m-{n}, provider: p-{n}, provider_model: claude-sonnet-4-5}}
""" for n in ("pass", "age", "file", "command", "env")) + "agents:\n" + "".join(f"""\
  - {{name: a-{n}, runtime: claude-code, model: m-{n}, instructions: Work.}}
""" for n in ("pass", "age", "file", "command", "env"))


def _need(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian: apt-get install pass age "
                    "gnupg; .ci/run installs them)")


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A project using every backend, a password store with a real GnuPG key, an age key
    pair from ``age-keygen``, a folder of secret files; yields (root, environment)."""
    _need("pass", "gpg", "age", "age-keygen")
    gnupg = Path(tempfile.mkdtemp(prefix="agpg"))  # short: gpg-agent's socket path
    env = {"GNUPGHOME": str(gnupg), "PASSWORD_STORE_DIR": str(tmp_path / "store"),
           "PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    try:
        subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                        "agentctl test <test@example.invalid>", "default", "default", "never"],
                       env=env, check=True, capture_output=True)
        listed = subprocess.run(["gpg", "--batch", "--with-colons", "--list-secret-keys"],
                                env=env, check=True, capture_output=True, text=True).stdout
        fpr = next(line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr"))
        subprocess.run(["pass", "init", fpr], env=env, check=True, capture_output=True)
        keys = tmp_path / "age-keys.txt"
        subprocess.run(["age-keygen", "-o", str(keys)], check=True, capture_output=True)
        public = subprocess.run(["age-keygen", "-y", str(keys)], check=True,
                                capture_output=True, text=True).stdout.strip()
        secret_dir = tmp_path / "run-secrets"
        secret_dir.mkdir()
        root = tmp_path / "proj"
        (root / "catalogue").mkdir(parents=True)
        (root / "agentctl.yaml").write_text(
            f"name: fleet\nsecrets:\n  age:\n    recipients: [{public}]\n")
        (root / "catalogue" / "all.yaml").write_text(catalogue(secret_dir))
        env |= {"AGENTCTL_AGE_KEY_FILE": str(keys), "AGENTCTL_SECRET_FILE_DIRS": str(secret_dir),
                "AGENTCTL_TRUST_COMMANDS": "pass", "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
                "AGE_PUBLIC": public}
        yield root, env
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env={**os.environ, "GNUPGHOME": str(gnupg)},
                       check=False, capture_output=True)
        shutil.rmtree(gnupg, ignore_errors=True)


def cli(root: Path, env: dict[str, str], *args: str, stdin: str = "",
        outputs: list[str] | None = None) -> tuple[int, str, str]:
    result = run_cli("-C", str(root), *args, env=env, stdin=stdin)
    assert "Traceback" not in result.stderr
    if outputs is not None:
        outputs.append(result.stdout + result.stderr)
    return result.returncode, result.stdout, result.stderr


def test_every_backend_set_get_rm_and_apply(fleet: tuple[Path, dict[str, str]],
                                           tmp_path: Path) -> None:
    root, env = fleet
    seen: list[str] = []
    # storable backends: set through agentctl, read back by the real programs
    for name in ("key-pass", "key-age"):
        code, out, err = cli(root, env, "secrets", "set", name, stdin=CANARIES[name] + "\n",
                             outputs=seen)
        assert code == 0, err
    assert out == "Stored key-age in age file secrets.age.yaml entry 'key-age'.\n"
    shown = subprocess.run(["pass", "show", "fleet/key-pass"], env=env, check=True,
                           capture_output=True, text=True).stdout
    assert shown == CANARIES["key-pass"] + "\n"
    block = yaml.safe_load((root / "secrets.age.yaml").read_text())["secrets"]["key-age"]
    plain = subprocess.run(["age", "-d", "-i", env["AGENTCTL_AGE_KEY_FILE"]], input=block,
                           check=True, capture_output=True, text=True).stdout
    assert json.loads(plain) == {"name": "key-age", "value": CANARIES["key-age"]}

    # read-only backends: values put where their sources point
    (tmp_path / "run-secrets" / "key-file").write_text(CANARIES["key-file"] + "\n")
    subprocess.run(["pass", "insert", "-m", "-f", "fleet/key-command"], env=env, check=True,
                   input=CANARIES["key-command"] + "\n", capture_output=True, text=True)
    env = {**env, "FLEET_KEY_ENV": CANARIES["key-env"]}
    for name, where in (("key-pass", "pass entry 'fleet/key-pass'"),
                        ("key-age", "age file secrets.age.yaml entry 'key-age'"),
                        ("key-file", f"file {tmp_path}/run-secrets/key-file"),
                        ("key-command", "command 'pass show fleet/key-command'"),
                        ("key-env", "env FLEET_KEY_ENV")):
        code, out, _ = cli(root, env, "secrets", "get", name, outputs=seen)
        assert code == 0 and f"{name} is set (from {where}" in out, out
        code, out, _ = cli(root, env, "secrets", "get", name, "--reveal")
        assert code == 0 and out == CANARIES[name] + "\n"

    code, out, err = cli(root, env, "secrets", "status", outputs=seen)
    assert code == 0, out + err
    assert "credentials no agent needs (not looked up)\n  key-spare\n" in out
    code, out, err = cli(root, env, "apply", "-y", outputs=seen)
    assert code == 0, err
    for n in ("pass", "age", "file", "command", "env"):
        header = f"Secrets of agent a-{n}, written by agentctl. Never commit."
        assert (root / f"deploy/env/a-{n}.env").read_bytes() == format_env_file(
            [("ANTHROPIC_API_KEY", CANARIES["key-" + n])], header)
    code, _, _ = cli(root, env, "plan", "--detailed-exitcode", outputs=seen)
    assert code == 0

    # rm where the backend stores; then not set, exit 1, naming the place
    for name, gone in (("key-pass", env["PASSWORD_STORE_DIR"] + "/fleet/key-pass.gpg"),):
        assert cli(root, env, "secrets", "rm", name, outputs=seen)[0] == 0
        assert not Path(gone).exists()
    assert cli(root, env, "secrets", "rm", "key-age", outputs=seen)[0] == 0
    assert "key-age" not in yaml.safe_load((root / "secrets.age.yaml").read_text())["secrets"]
    for name, where in (("key-pass", "pass entry 'fleet/key-pass'"),
                        ("key-age", "age file secrets.age.yaml entry 'key-age'")):
        code, _, err = cli(root, env, "secrets", "get", name, outputs=seen)
        assert code == 1 and f"looked in {where}" in err and "(not set)" in err

    # canaries only ever in env files
    for text in seen:
        for canary in CANARIES.values():
            assert canary not in text
    for rel, data in tree_bytes(root).items():
        if not rel.startswith("deploy/env/"):
            for canary in CANARIES.values():
                assert canary.encode() not in data, rel


def test_values_written_by_the_real_programs_are_read(fleet: tuple[Path, dict[str, str]]
                                                      ) -> None:
    root, env = fleet
    subprocess.run(["pass", "insert", "-m", "-f", "fleet/key-pass"], env=env, check=True,
                   input=PASS_BY_CLI + "\nsecond line: not the password\n", text=True,
                   capture_output=True)
    plain = json.dumps({"name": "key-age", "value": AGE_BY_CLI})
    block = subprocess.run(["age", "-a", "-r", env["AGE_PUBLIC"]], input=plain, check=True,
                           capture_output=True, text=True).stdout
    (root / "secrets.age.yaml").write_text(
        "recipients: []\nsecrets:\n  key-age: |\n" + "".join(
            f"    {line}\n" for line in block.splitlines()))
    for name, value in (("key-pass", PASS_BY_CLI), ("key-age", AGE_BY_CLI)):
        code, out, err = cli(root, env, "secrets", "get", name, "--reveal")
        assert code == 0 and out == value + "\n", err


def test_unavailable_and_not_set_are_clear_and_write_nothing(
        fleet: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, env = fleet
    before = tree_bytes(root)
    cases = [
        # (argv, extra env, stdin, expected in stderr)
        (["secrets", "get", "key-pass"], {"PASSWORD_STORE_DIR": str(tmp_path / "none")}, "",
         "pass is unavailable: the password store"),
        (["secrets", "set", "key-pass"], {"PASSWORD_STORE_DIR": str(tmp_path / "none")},
         "sk-canary-never-1", "cannot store secrets: the password store"),
        (["secrets", "get", "key-age"], {}, "", "looked in age file secrets.age.yaml entry "
         "'key-age' (not set)"),
        (["secrets", "get", "key-pass"], {}, "", "pass entry 'fleet/key-pass'"),
        (["secrets", "get", "key-file"], {}, "", f"file {tmp_path}/run-secrets/key-file "
         "(not set)"),
        (["secrets", "get", "key-file"], {"AGENTCTL_SECRET_FILE_DIRS": ""}, "",
         "is outside the folders agentctl reads secret files from"),
        (["secrets", "set", "key-file"], {}, "sk-canary-never-2",
         "cannot store secrets: no source of credential 'key-file' can store a value"),
        (["secrets", "get", "key-command"], {"AGENTCTL_TRUST_COMMANDS": ""}, "",
         "set AGENTCTL_TRUST_COMMANDS=pass"),
        (["secrets", "get", "key-command"], {}, "", "'pass' exited with status 1"),
        (["secrets", "get", "key-env"], {}, "", "looked in env FLEET_KEY_ENV (not set)"),
    ]
    for argv, extra, stdin, expected in cases:
        code, out, err = cli(root, {**env, **extra}, *argv, stdin=stdin)
        assert code == 1, (argv, out, err)
        assert expected in err, (argv, err)
        assert "sk-canary-never" not in out + err
    # the age file's identity missing, once a value is there
    assert cli(root, env, "secrets", "set", "key-age", stdin="sk-canary-age-x")[0] == 0
    code, _, err = cli(root, {**env, "AGENTCTL_AGE_KEY_FILE": str(tmp_path / "nokey")},
                       "secrets", "get", "key-age")
    assert code == 1 and "age is unavailable: no age identity" in err
    (root / "secrets.age.yaml").unlink()
    assert tree_bytes(root) == before

    code, _, err = cli(root, {**env, "PASSWORD_STORE_DIR": str(tmp_path / "none")}, "plan")
    assert code == 1
    assert "error[E401] agents[a-pass]: credential 'key-pass' (ANTHROPIC_API_KEY, inference)" \
        in err
    assert "error[E405] secret_backends[pass]: secret backend 'pass' is unavailable" in err
    assert "Credentials it was asked for: key-pass." in err
    for name, var in (("key-age", "a-age"), ("key-file", "a-file"), ("key-env", "a-env"),
                      ("key-command", "a-command")):
        assert f"error[E401] agents[{var}]: credential '{name}'" in err
    assert tree_bytes(root) == before


def test_kubernetes_target_keeps_values_in_its_secret_manifests_only(
        fleet: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """The same fleet on the kubernetes target: every backend's value lands in that
    agent's Secret manifest (mode 0600, base64 ``data`` as the API stores it) and nowhere
    else, in no form, outputs included."""
    root, env = fleet
    config = root / "agentctl.yaml"
    config.write_text(config.read_text() + "target: kubernetes\n")
    seen: list[str] = []
    assert cli(root, env, "secrets", "set", "key-age", stdin=CANARIES["key-age"],
               outputs=seen)[0] == 0
    for entry in ("key-pass", "key-command"):
        subprocess.run(["pass", "insert", "-m", "-f", f"fleet/{entry}"], env=env, check=True,
                       input=CANARIES[entry] + "\n", capture_output=True, text=True)
    (tmp_path / "run-secrets" / "key-file").write_text(CANARIES["key-file"] + "\n")
    env = {**env, "FLEET_KEY_ENV": CANARIES["key-env"]}
    code, _, err = cli(root, env, "apply", "-y", outputs=seen)
    assert code == 0, err
    assert cli(root, env, "plan", "--detailed-exitcode", outputs=seen)[0] == 0
    holders: dict[str, set[str]] = {}
    for rel, data in tree_bytes(root).items():
        for name, canary in CANARIES.items():
            assert canary.encode() not in data, rel
            if base64.b64encode(canary.encode()) in data:
                holders.setdefault(name, set()).add(rel)
    for n in ("pass", "age", "file", "command", "env"):
        manifest = f"deploy/kubernetes/secrets/a-{n}.secret.yaml"
        assert holders.pop(f"key-{n}") == {manifest}
        assert (root / manifest).stat().st_mode & 0o777 == 0o600
    assert holders == {}
    for text in seen:
        assert not any(canary in text for canary in CANARIES.values())
