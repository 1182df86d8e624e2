"""What a runtime tells its readers: the facts behind README's runtime matrix.

Each runtime declares a :class:`RuntimeDocs` (``docs`` class attribute); the rows that
follow from its other declarations (transports, credential kinds, skills folder,
service, pinned release) are not repeated here but derived by
:func:`agentctl.runtimes.matrix.runtime_matrix`. Cells are Markdown; ``—`` means the
runtime has nothing for that row.
"""

from __future__ import annotations

from msgspec import Struct

#: The cell of a row a runtime has nothing for.
NOTHING = "—"


class RuntimeDocs(Struct, frozen=True):
    """One runtime's column of the runtime matrix (README "Runtimes").

    ``transports_note`` is appended to the derived transport list (how the config writes
    the transport); ``last_proven`` is the newest CLI release that passed the headless
    acceptance matrix, "" for a runtime without a CLI. ``subagents``, ``commands``,
    ``hooks`` and ``rules`` say where each primitive the runtime declares in its
    ``primitives`` goes.
    """

    instructions: str = "`AGENTS.md`"
    mcp_config: str = NOTHING
    placeholder: str = NOTHING
    transports_note: str = ""
    tool_allow_list: str = NOTHING
    server_approval: str = NOTHING
    endpoint: str = NOTHING
    permissions: str = NOTHING
    effort: str = NOTHING
    model_handle: str = NOTHING
    #: Where each primitive it renders goes (read only when it declares the primitive).
    subagents: str = NOTHING
    commands: str = NOTHING
    hooks: str = NOTHING
    rules: str = NOTHING
    last_proven: str = ""
