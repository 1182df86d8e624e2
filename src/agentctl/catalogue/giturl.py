"""Which git URLs a skill source may name: the transports agentctl lets git use.

Checked when a catalogue is validated (:class:`~agentctl.catalogue.schema.SkillSource`)
and named in its diagnostics (:mod:`agentctl.catalogue.validation`).
"""

from __future__ import annotations

import re

#: ``scheme://user:secret@host`` — a URL with a password (or token) in its userinfo.
URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]*@")
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
#: URL schemes a git skill source may use (git-clone(1) "GIT URLS"; ``git+ssh`` and
#: ``ssh+git`` are git's aliases of ``ssh``). scp-like ``host:path`` and plain paths too.
GIT_SCHEMES = ("https", "ssh", "git+ssh", "ssh+git", "file")


def git_url_problem(url: str) -> str | None:
    """Why ``url`` is refused as a skill source's ``git``, or None.

    Refused: another transport (``http://``, ``git://``, a ``<helper>::address`` remote
    helper such as ``ext::`` or ``fd::``, which run commands or read descriptors) and a
    leading ``-`` (it would read as an option). Git itself enforces the same list at run
    time (:data:`agentctl.catalogue.skill_sync.GIT_PROTOCOLS`).
    """
    if url.startswith("-"):
        return f"git URL '{url}' starts with '-'"
    if "::" in url:
        helper = url.split("::", 1)[0]
        return f"git URL '{url}' uses the remote helper '{helper}::', which agentctl does not run"
    scheme = _URL_SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in GIT_SCHEMES:
        return f"git URL '{url}' uses {scheme.group(1)}://, which agentctl does not allow"
    return None
