"""Real Copier, for templates the cached engine does not mirror or that run code.

Copier runs in a child process with limits (memory, CPU time, wall-clock time), since
its own Jinja has none of :mod:`agentctl.support.jinja_bounds`; answers go in on stdin,
never in argv.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.render.copier_model import Rendered, RenderedFile, TemplateError

if TYPE_CHECKING:
    from agentctl.render.copier_engine import CopierTemplate

COPIER_MEMORY = 2 * 1024 * 1024 * 1024
COPIER_CPU_SECONDS = 60
COPIER_TIMEOUT = 300

# Runs in the child: limits first, then Copier; answers arrive on stdin, never in argv.
_COPIER_CHILD = """
import json, resource, sys
args = json.load(sys.stdin)
for kind, want in ((resource.RLIMIT_AS, args["memory"]), (resource.RLIMIT_CPU, args["cpu"])):
    hard = resource.getrlimit(kind)[1]  # never above a limit the parent already has
    want = want if hard == resource.RLIM_INFINITY else min(want, hard)
    resource.setrlimit(kind, (want, hard))
try:
    import copier
    copier.run_copy(args["src"], args["dst"], data=args["data"], defaults=True,
                    vcs_ref=None, quiet=True, unsafe=args["unsafe"], overwrite=True)
except MemoryError:
    sys.stderr.write("MemoryError: the render needed more than the memory limit")
    sys.exit(3)
except Exception as exc:
    sys.stderr.write(f"{type(exc).__name__}: {exc}")
    sys.exit(2)
"""


def render_with_copier(template: CopierTemplate, data: Mapping[str, str], dst_name: str,
                       *, unsafe: bool) -> Rendered:
    """Render through real Copier (``run_copy``) into a scratch folder and read it back.

    For templates the cached engine does not mirror, and, with ``unsafe=True``, for
    templates with ``_tasks``/``_migrations``/``_jinja_extensions`` (the caller checks
    ``--trust``). Copier runs in a child process limited to :data:`COPIER_MEMORY`,
    :data:`COPIER_CPU_SECONDS` and :data:`COPIER_TIMEOUT`, since its own Jinja has none
    of :mod:`agentctl.support.jinja_bounds`. Raises :class:`TemplateError` with Copier's message
    on failure, or naming the limit it reached.
    """
    with tempfile.TemporaryDirectory(prefix="agentctl-copier-") as tmp:
        dst = Path(tmp) / dst_name
        request = json.dumps({"src": str(template.root), "dst": str(dst), "data": dict(data),
                              "unsafe": unsafe, "memory": COPIER_MEMORY,
                              "cpu": COPIER_CPU_SECONDS})
        try:
            proc = subprocess.run([sys.executable, "-c", _COPIER_CHILD], input=request,
                                  capture_output=True, text=True, timeout=COPIER_TIMEOUT,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise TemplateError(f"copier ran longer than {COPIER_TIMEOUT} s") from None
        if proc.returncode != 0:
            message = proc.stderr.strip().splitlines()[-1:] or ["(no message)"]
            if proc.returncode < 0:
                message = [f"stopped by signal {-proc.returncode} (past its limit of "
                           f"{COPIER_CPU_SECONDS} s of CPU time or "
                           f"{COPIER_MEMORY // 1024 ** 2} MiB of memory)"]
            raise TemplateError(f"copier: {message[0][:500]}")
        out = Rendered()
        for path in sorted(dst.rglob("*")):
            if path.is_file():
                rel = path.relative_to(dst).as_posix()
                out.files[rel] = RenderedFile(path.read_bytes(), os.access(path, os.X_OK))
        return out
