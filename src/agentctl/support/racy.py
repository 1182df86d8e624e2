"""Git's racy-timestamp rule, for the caches that take a file's stat for its content.

A file changed within a timestamp tick of the moment its stat was noted can change
again without its stat changing. So a stat is noted only for a file left alone for
:data:`SETTLE_NS` (git's "racy git" problem; see git's ``Documentation/technical/
racy-git.txt``). Used by the plan's stat cache (:mod:`agentctl.plan.statcache`) and the
code fingerprint's noted package digest (:mod:`agentctl.render.fingerprint`).
"""

from __future__ import annotations

#: Two seconds cover the coarsest timestamps in use (FAT's 2 s; ext4 and most others
#: tick in milliseconds).
SETTLE_NS = 2_000_000_000


def too_recent(mtime_ns: int, ctime_ns: int, now_ns: int, settle_ns: int = SETTLE_NS) -> bool:
    """Whether a file with these timestamps (ns) changed less than ``settle_ns`` before
    ``now_ns``: its stat cannot vouch for its content yet."""
    return max(mtime_ns, ctime_ns) > now_ns - settle_ns
