"""The ``age`` backend: an age-encrypted secrets file committed beside the catalogue
(age v1, age-encryption.org/v1, through pyrage, the Python binding of rage).

The file (agentctl.yaml ``secrets.age.file``, default ``secrets.age.yaml``; a source's
``file`` overrides it; always inside the project) is YAML::

    recipients:            # age public keys every value is encrypted to
      - age1...
    secrets:
      anthropic-api: |     # one ASCII-armored age block per name
        -----BEGIN AGE ENCRYPTED FILE-----
        ...

A diff of the file shows which names changed, never a value. Each block's plaintext is
``{"name": NAME, "value": VALUE}`` (JSON), so a block moved under another name is refused
rather than read. age does not authenticate who encrypted a block (anyone holding the
public recipients can write one): review changes to the file like code.

Decrypting needs an identity (``AGE-SECRET-KEY-1…``): ``AGENTCTL_AGE_KEY`` (the key text),
else the file ``AGENTCTL_AGE_KEY_FILE``, else ``$XDG_CONFIG_HOME/agentctl/age/keys.txt``
(``~/.config/…``), in the ``age-keygen`` format. ``set`` encrypts to the recipients (the
file's and agentctl.yaml's ``secrets.age.recipients``) and needs no private key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from agentctl.secrets.base import BackendUnavailable, SourceRef, unknown_params
from agentctl.support.fsutil import UnsafePathError, atomic_write, check_relative, confined

HEADER = ("# agentctl secrets, age-encrypted: one armored block per name, the name bound\n"
          "# inside. Edit with `agentctl secrets set NAME` / `agentctl secrets rm NAME`.\n")
MAX_FILE_BYTES = 4 * 1024 * 1024


def identity_text(environ: Mapping[str, str]) -> tuple[str, str]:
    """``(keys text, where it came from)``. Raises :class:`BackendUnavailable` when no
    identity is configured."""
    if environ.get("AGENTCTL_AGE_KEY"):
        return environ["AGENTCTL_AGE_KEY"], "AGENTCTL_AGE_KEY"
    config = environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    path = environ.get("AGENTCTL_AGE_KEY_FILE") or os.path.join(config, "agentctl/age/keys.txt")
    try:
        return Path(path).read_text(encoding="utf-8"), path
    except (OSError, UnicodeDecodeError):
        raise BackendUnavailable("age", (
            f"no age identity: set AGENTCTL_AGE_KEY to the key (AGE-SECRET-KEY-1…), "
            f"AGENTCTL_AGE_KEY_FILE to a key file, or create {path} with `age-keygen -o`"
        )) from None


def identities(environ: Mapping[str, str]) -> list[Any]:
    """The x25519 identities configured (comment lines skipped)."""
    from pyrage import x25519

    text, where = identity_text(environ)
    keys = [line.strip() for line in text.splitlines()
            if line.strip().startswith("AGE-SECRET-KEY-")]
    try:
        found = [x25519.Identity.from_str(k) for k in keys]
    except Exception:
        found = []
    if not found:
        raise BackendUnavailable("age", f"{where} holds no valid age identity "
                                 "(AGE-SECRET-KEY-1… lines, as `age-keygen` writes)")
    return found


class AgeFile:
    """An entry of the age-encrypted secrets file. Parameters: ``key`` (entry name,
    default: the credential's name), ``file`` (path inside the project)."""

    name = "age"
    can_store = True
    params = frozenset({"key", "file"})

    def check(self, params: Mapping[str, Any]) -> list[str]:
        """``file`` must be a clean relative path inside the project."""
        problems = unknown_params(params, self.params)
        if "file" in params:
            try:
                check_relative(str(params["file"]))
            except UnsafePathError:
                problems.append(f"file '{params['file']}' must be a path inside the project")
        return problems

    def _key(self, ref: SourceRef) -> str:
        return ref.text("key") or ref.credential

    def _rel(self, ref: SourceRef) -> str:
        return ref.text("file") or ref.context.age_file

    def where(self, ref: SourceRef) -> str:
        """``age file F entry 'K'``."""
        return f"age file {self._rel(ref)} entry '{self._key(ref)}'"

    def _path(self, ref: SourceRef, verb: str) -> Path:
        if ref.context.root is None:
            raise BackendUnavailable(self.name, "the age file needs a project", verb)
        try:
            return confined(ref.context.root, self._rel(ref))
        except UnsafePathError as exc:
            raise BackendUnavailable(self.name, str(exc), verb) from None

    def _load(self, ref: SourceRef, verb: str) -> dict[str, Any]:
        path = self._path(ref, verb)
        try:
            data = path.read_bytes() if path.exists() else b""
        except OSError as exc:
            raise BackendUnavailable(self.name, f"{self._rel(ref)}: {exc.strerror}", verb) from None
        if len(data) > MAX_FILE_BYTES:
            raise BackendUnavailable(self.name, f"{self._rel(ref)} is too large", verb)
        try:
            doc = yaml.safe_load(data) if data else {}
        except yaml.YAMLError:
            doc = None
        doc = doc or {}
        if not (isinstance(doc, dict) and isinstance(doc.get("secrets", {}), dict)
                and isinstance(doc.get("recipients", []), list)):
            raise BackendUnavailable(self.name, f"{self._rel(ref)} is not an agentctl age "
                                     "file (a mapping with `recipients` and `secrets`)", verb)
        return {"recipients": [str(r) for r in doc.get("recipients") or []],
                "secrets": {str(k): str(v) for k, v in (doc.get("secrets") or {}).items()}}

    def get(self, ref: SourceRef) -> str | None:
        """The decrypted value; None when the file or its entry does not exist."""
        import pyrage

        block = self._load(ref, "read")["secrets"].get(self._key(ref))
        if block is None:
            return None
        try:
            plain = pyrage.decrypt(block.encode(), identities(ref.context.environ))
            bound = json.loads(plain)
        except (pyrage.DecryptError, ValueError):
            raise BackendUnavailable(self.name, (
                f"entry '{self._key(ref)}' of {self._rel(ref)} cannot be decrypted with "
                "your identity: it was not encrypted to your key (add your public key to "
                "`recipients` and have a key holder set it again)")) from None
        if not isinstance(bound, dict) or bound.get("name") != self._key(ref):
            raise BackendUnavailable(self.name, (
                f"entry '{self._key(ref)}' of {self._rel(ref)} holds another name's block "
                "(moved or copied in the file); set it again with `agentctl secrets set`"))
        value = bound.get("value")
        return value if isinstance(value, str) and value else None

    def _recipients(self, ref: SourceRef, listed: list[str]) -> list[Any]:
        from pyrage import x25519

        keys = sorted(set(listed) | set(ref.context.age_recipients))
        try:
            found = [x25519.Recipient.from_str(k) for k in keys]
        except Exception:
            raise BackendUnavailable(self.name, f"{self._rel(ref)} or agentctl.yaml lists "
                                     "a recipient that is not an age public key (age1…)",
                                     "store") from None
        if not found:
            raise BackendUnavailable(self.name, (
                f"no recipients to encrypt to: list age public keys under `recipients:` in "
                f"{self._rel(ref)} or agentctl.yaml's `secrets.age.recipients` "
                "(`age-keygen -y keys.txt` prints yours)"), "store")
        return found

    def set(self, ref: SourceRef, value: str) -> None:
        """Encrypt ``value`` (bound to its name) to every recipient; other blocks stay
        byte for byte."""
        import pyrage

        doc = self._load(ref, "store")
        plain = json.dumps({"name": self._key(ref), "value": value}).encode()
        block = pyrage.encrypt(plain, self._recipients(ref, doc["recipients"]), armored=True)
        doc["secrets"][self._key(ref)] = block.decode("ascii")
        self._write(ref, doc, "store")

    def remove(self, ref: SourceRef) -> bool:
        """Drop the entry's block; False when there was none."""
        doc = self._load(ref, "delete")
        if doc["secrets"].pop(self._key(ref), None) is None:
            return False
        self._write(ref, doc, "delete")
        return True

    def _write(self, ref: SourceRef, doc: dict[str, Any], verb: str) -> None:
        lines = [HEADER, "recipients:\n"] if doc["recipients"] else [HEADER, "recipients: []\n"]
        lines += [f"  - {json.dumps(r)}\n" for r in doc["recipients"]]
        lines.append("secrets:\n" if doc["secrets"] else "secrets: {}\n")
        for name in sorted(doc["secrets"]):
            lines.append(f"  {json.dumps(name)}: |\n")
            lines += [f"    {line}\n" for line in doc["secrets"][name].strip().splitlines()]
        try:
            atomic_write(self._path(ref, verb), "".join(lines).encode(), 0o644)
        except OSError as exc:
            raise BackendUnavailable(self.name, f"cannot write {self._rel(ref)}: "
                                     f"{exc.strerror}", verb) from None
