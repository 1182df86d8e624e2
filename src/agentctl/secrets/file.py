"""The ``file`` backend: a value read from a file, e.g. one an orchestrator mounts
(``/run/secrets/NAME``, systemd's ``$CREDENTIALS_DIRECTORY/NAME``).

The file is read exactly, as bytes decoded as UTF-8, with exactly one trailing newline
(``\\n`` or ``\\r\\n``) stripped, so a file written by ``echo`` and one written by
``printf %s`` give the same value; an empty file is "not set". A relative ``path`` is
confined to the project (no ``..``, no symlink leading out); an absolute one must lie
under an allowed root: ``$CREDENTIALS_DIRECTORY``, ``/run/secrets``, or a folder listed
in ``AGENTCTL_SECRET_FILE_DIRS`` (``:``-separated), after symlinks are resolved. A
catalogue therefore never makes agentctl read a file elsewhere (``~/.ssh/id_ed25519``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agentctl.secrets.base import (
    BackendUnavailable,
    ReadOnly,
    SourceRef,
    UnusableValue,
    unknown_params,
)
from agentctl.support.fsutil import UnsafePathError, check_relative, read_regular

#: Largest secret file read, in bytes.
MAX_FILE_BYTES = 64 * 1024
#: The variable listing extra folders absolute paths may lie under.
DIRS_VAR = "AGENTCTL_SECRET_FILE_DIRS"


def allowed_roots(environ: Mapping[str, str]) -> list[Path]:
    """The folders an absolute ``path`` may lie under, each resolved."""
    roots = [environ.get("CREDENTIALS_DIRECTORY", ""), "/run/secrets",
             *environ.get(DIRS_VAR, "").split(":")]
    return [Path(r).resolve() for r in roots if r and os.path.isabs(r)]


def strip_newline(text: str) -> str:
    """``text`` without exactly one trailing ``\\n`` or ``\\r\\n``."""
    return text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")


class File(ReadOnly):
    """A file's content. Parameter: ``path`` (required)."""

    name = "file"
    can_store = False
    params = frozenset({"path"})

    def check(self, params: Mapping[str, Any]) -> list[str]:
        """``path`` required; a relative one must be a clean path inside the project."""
        problems = unknown_params(params, self.params, frozenset({"path"}))
        path = params.get("path")
        if isinstance(path, str) and not os.path.isabs(path):
            try:
                check_relative(path)
            except UnsafePathError:
                problems.append(f"relative path '{path}' must stay inside the project "
                                "(no '..', '.', empty part or backslash)")
        elif path is not None and not isinstance(path, str):
            problems.append("parameter 'path' must be text")
        return problems

    def where(self, ref: SourceRef) -> str:
        """``file PATH``."""
        return f"file {ref.text('path')}"

    def resolve(self, ref: SourceRef) -> Path:
        """The real path to read. Raises :class:`BackendUnavailable` for a path that
        leads outside the project or the allowed roots."""
        raw = ref.text("path") or ""
        env = ref.context.environ
        if os.path.isabs(raw):
            real = Path(raw).resolve()
            roots = allowed_roots(env)
            if not any(real.is_relative_to(r) for r in roots):
                raise BackendUnavailable(self.name, (
                    f"{raw} is outside the folders agentctl reads secret files from "
                    f"({', '.join(map(str, roots))}); add its folder to {DIRS_VAR}, or "
                    "use a path inside the project"))
            return real
        if ref.context.root is None:
            raise BackendUnavailable(self.name, "a relative path needs a project")
        root = ref.context.root.resolve()
        real = (root / raw).resolve()
        if not real.is_relative_to(root):
            raise BackendUnavailable(self.name, f"{raw} leads outside the project through "
                                     "a symlink; point the source at the file itself")
        return real

    def get(self, ref: SourceRef) -> str | None:
        """The file's text minus one trailing newline; None when missing or empty."""
        real = self.resolve(ref)
        st, data = read_regular(str(real))
        if st is None:
            return None
        if data is None:
            what = "is not a regular file" if not stat.S_ISREG(st.st_mode) else "cannot be read"
            raise BackendUnavailable(self.name, f"{ref.text('path')} {what}; check the "
                                     "mount or its permissions")
        if len(data) > MAX_FILE_BYTES:
            raise UnusableValue(self.name, f"larger than {MAX_FILE_BYTES} bytes; point at "
                                "the secret itself")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnusableValue(self.name, "not UTF-8 text") from None
        return strip_newline(text) or None
