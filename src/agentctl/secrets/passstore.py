"""The ``pass`` backend: the standard Unix password store (passwordstore.org, pass 1.7).

An entry is ``ENTRY.gpg`` under the store (``store`` parameter, else
``PASSWORD_STORE_DIR``, else ``~/.password-store``); ``entry`` defaults to
``agentctl/<credential>``. ``get`` runs ``pass show ENTRY`` and keeps the first line (pass's
own convention: the password is line one); ``set`` runs ``pass insert -m -f ENTRY`` with
the value on stdin, never in argv; ``remove`` runs ``pass rm -f ENTRY``. A store that does
not exist or has no ``.gpg-id`` makes the backend unavailable (``pass init`` fixes it); a
missing ``ENTRY.gpg`` is "not set". gopass reads the same store; its own CLI (gopass.pw,
not Debian's ``gopass`` package, which is a different program) fits a ``command`` source.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agentctl.secrets.base import BackendUnavailable, SourceRef, unknown_params
from agentctl.secrets.process import ProgramFailed, run
from agentctl.support.fsutil import UnsafePathError, check_relative


class PassStore:
    """An entry of a password store. Parameters: ``entry``, ``store``."""

    name = "pass"
    can_store = True
    params = frozenset({"entry", "store"})

    def check(self, params: Mapping[str, Any]) -> list[str]:
        """``entry`` a clean relative path; ``store`` text."""
        problems = unknown_params(params, self.params)
        entry = params.get("entry")
        if entry is not None:
            try:
                check_relative(str(entry))
            except UnsafePathError:
                problems.append(f"entry '{entry}' must be a path inside the store "
                                "(no '..', '.', empty part or backslash)")
        return problems

    def _entry(self, ref: SourceRef) -> str:
        return ref.text("entry") or f"agentctl/{ref.credential}"

    def _store(self, ref: SourceRef) -> Path:
        env = ref.context.environ
        store = ref.text("store") or env.get("PASSWORD_STORE_DIR")
        return Path(os.path.expanduser(store or "~/.password-store"))

    def where(self, ref: SourceRef) -> str:
        """``pass entry 'E' (store S)``."""
        return f"pass entry '{self._entry(ref)}' (store {self._store(ref)})"

    def _ready(self, ref: SourceRef, verb: str) -> tuple[Path, dict[str, str]]:
        store = self._store(ref)
        if not (store / ".gpg-id").is_file():
            raise BackendUnavailable(self.name, (
                f"the password store {store} does not exist or has no .gpg-id; create it "
                "with `pass init GPG-KEY-ID` (or point PASSWORD_STORE_DIR or the source's "
                "`store` at yours)"), verb)
        return store, {**ref.context.environ, "PASSWORD_STORE_DIR": str(store)}

    def _run(self, ref: SourceRef, args: list[str], verb: str,
             stdin: bytes | None = None) -> bytes:
        _, env = self._ready(ref, verb)
        try:
            done = run(["pass", *args], env, stdin=stdin)
        except ProgramFailed as exc:
            raise BackendUnavailable(self.name, f"{exc} (Debian: apt-get install pass)",
                                     verb) from None
        if done.status != 0:
            raise BackendUnavailable(self.name, (
                f"`pass {args[0]}` failed with status {done.status} for entry "
                f"'{self._entry(ref)}'; check that your GnuPG key is present and unlocked "
                "(`gpg --list-secret-keys`, gpg-agent)"), verb)
        return done.stdout

    def get(self, ref: SourceRef) -> str | None:
        """The entry's first line; None when the entry does not exist or is empty."""
        store, _ = self._ready(ref, "read")
        if not (store / f"{self._entry(ref)}.gpg").is_file():
            return None
        out = self._run(ref, ["show", self._entry(ref)], "read")
        try:
            text = out.decode("utf-8")
        except UnicodeDecodeError:
            raise BackendUnavailable(self.name, f"entry '{self._entry(ref)}' is not UTF-8 "
                                     "text") from None
        return text.split("\n", 1)[0].removesuffix("\r") or None

    def set(self, ref: SourceRef, value: str) -> None:
        """``pass insert -m -f ENTRY`` with ``value`` on stdin (one line only)."""
        if "\n" in value or "\r" in value:
            raise BackendUnavailable(self.name, "pass keeps only an entry's first line as "
                                     "its password: store a multi-line value in another "
                                     "backend (keyring, age)", "store")
        self._run(ref, ["insert", "-m", "-f", self._entry(ref)], "store",
                  stdin=value.encode() + b"\n")

    def remove(self, ref: SourceRef) -> bool:
        """``pass rm -f ENTRY``; False when the entry did not exist."""
        store, _ = self._ready(ref, "delete")
        if not (store / f"{self._entry(ref)}.gpg").is_file():
            return False
        self._run(ref, ["rm", "-f", self._entry(ref)], "delete")
        return True
