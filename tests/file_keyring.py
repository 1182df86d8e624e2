"""A keyring backend that keeps entries in a JSON file, for tests that run the installed
``agentctl`` in a subprocess (an in-memory keyring does not outlive the process).

Select it with ``PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring``, the repository
root on ``PYTHONPATH`` and ``AGENTCTL_TEST_KEYRING`` naming the file. The acceptance
suite uses the real Secret Service instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    """Entries in the JSON file ``$AGENTCTL_TEST_KEYRING`` as ``{"service\\0user": value}``."""

    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ["AGENTCTL_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        path = self._path()
        return dict(json.loads(path.read_text())) if path.exists() else {}

    def _save(self, data: dict[str, str]) -> None:
        self._path().write_text(json.dumps(data))

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("no such entry")
        self._save(data)
