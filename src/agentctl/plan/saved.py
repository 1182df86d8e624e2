"""A plan saved by ``plan --out FILE``, read back by ``apply FILE``.

The file is read once (:func:`read_saved_plan`, never through a link); the fresh plan
apply makes is then held against it (:meth:`SavedPlan.check`): made from other inputs,
or against another state (ledger, files on disk, the set of changes), the saved plan is
refused, as Terraform refuses a stale plan file.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

from msgspec import Struct

from agentctl.plan.model import FORMAT_VERSION, Plan
from agentctl.support.fsutil import read_regular


class ApplyRefused(Exception):
    """Apply will not start (drift without --force, lock held, a stale or unreadable
    saved plan). Nothing was written."""


class SavedPlan(Struct, frozen=True):
    """A saved plan's JSON document (see :meth:`Plan.to_json`) and where it was read."""

    path: Path
    doc: dict[str, Any]

    @property
    def target(self) -> str | None:
        """The deployment target the plan was made for (None when it names none)."""
        target = self.doc.get("target")
        return target if isinstance(target, str) else None

    def check(self, plan: Plan) -> None:
        """Raise :class:`ApplyRefused` unless ``plan`` (made now) has the saved plan's
        inputs digest, state digest and (path, action) changes."""
        if self.doc.get("inputs_digest") != plan.inputs_digest:
            raise ApplyRefused(
                f"{self.path} was made from different catalogue inputs; run "
                "`agentctl plan --out FILE` again"
            )
        saved_changes = self.doc.get("changes")
        fingerprint = sorted(
            (c["path"], c["action"]) for c in saved_changes
        ) if isinstance(saved_changes, list) else None
        if self.doc.get("state_digest") != plan.state_digest \
                or fingerprint != plan.fingerprint():
            raise ApplyRefused(
                f"the workspaces or ledger changed since {self.path} was made; run "
                "`agentctl plan --out FILE` again"
            )


def read_saved_plan(path: Path) -> SavedPlan:
    """Read the plan file at ``path`` (a regular file, never through a link).

    Raises :class:`ApplyRefused` when it cannot be read, is not JSON, nests too deep, or
    is not an agentctl plan of ``format_version`` 1.0.
    """
    try:
        st, raw = read_regular(str(path))
        if st is None:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        if raw is None:
            raise OSError(errno.EINVAL, "not a regular file")
        doc = json.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ApplyRefused(f"cannot read plan file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ApplyRefused(f"cannot read plan file {path}: {exc}") from None
    except RecursionError:
        raise ApplyRefused(f"cannot read plan file {path}: it nests deeper than any plan "
                           "agentctl writes; make it again with `agentctl plan --out FILE`"
                           ) from None
    if not isinstance(doc, dict) or doc.get("format_version") != FORMAT_VERSION:
        raise ApplyRefused(f"{path} is not an agentctl plan (format_version 1.0)")
    return SavedPlan(path, doc)
