"""Diagnostics for machines: Terraform-style JSON, GitHub workflow commands, SARIF 2.1.0.

Each function takes the diagnostics of one run (already sorted) and returns text; none
of them reads the clock or the environment, so the same diagnostics give the same bytes.

Formats and where they come from:

* :func:`validate_json`: the shape of ``terraform validate -json`` (``format_version``,
  ``valid``, ``error_count``, ``warning_count``, ``diagnostics[]`` with ``severity``,
  ``summary``, ``detail`` and ``range {filename, start {line, column, byte}, end}``),
  plus agentctl's stable ``code`` and the catalogue ``address`` of each diagnostic.
* :func:`github_annotations`: GitHub Actions workflow commands
  (``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message``), with data
  escaped as the Actions toolkit does (``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``; in
  properties also ``:`` → ``%3A`` and ``,`` → ``%2C``).
* :func:`sarif_log`: SARIF 2.1.0 (OASIS), one rule per code used, one result per
  diagnostic, artifact URIs relative to the project root (``uriBaseId`` PROJECTROOT).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentctl.diagnostics import Diagnostic, Position
from agentctl.diagnostics.codes import all_codes

#: ``format_version`` of :func:`validate_json` output.
VALIDATE_FORMAT_VERSION = "1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _point(p: Position) -> dict[str, int]:
    point = {"line": max(p.line, 1), "column": max(p.column, 1)}
    if p.byte is not None:
        point["byte"] = p.byte
    return point


def _end(p: Position) -> Position:
    return p.end if p.end is not None else p


def diagnostic_range(d: Diagnostic) -> dict[str, Any] | None:
    """Terraform's ``range`` for ``d``: filename, start and end; None without a file."""
    if d.position is None:
        return None
    p = d.position
    return {"filename": p.file, "start": _point(p), "end": _point(_end(p))}


def validate_json(diagnostics: Sequence[Diagnostic]) -> str:
    """Return ``terraform validate -json``-shaped text (2-space indent, sorted keys, LF)."""
    items = []
    for d in diagnostics:
        item: dict[str, Any] = {"severity": d.severity, "code": d.code, "summary": d.summary,
                                "detail": d.detail}
        if d.path:
            item["address"] = d.path
        rng = diagnostic_range(d)
        if rng is not None:
            item["range"] = rng
        items.append(item)
    errors = sum(d.severity == "error" for d in diagnostics)
    doc = {
        "format_version": VALIDATE_FORMAT_VERSION,
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": len(diagnostics) - errors,
        "diagnostics": items,
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def escape_data(text: str) -> str:
    """Escape a workflow command's message (Actions toolkit ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (Actions toolkit ``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _message(d: Diagnostic) -> str:
    text = f"{d.path}: {d.summary}" if d.path else d.summary
    return text + ("\n" + d.detail if d.detail else "")


def github_annotations(diagnostics: Sequence[Diagnostic], prefix: str = "") -> str:
    """One ``::error``/``::warning`` workflow command per diagnostic, LF-terminated.

    ``prefix`` is the project folder relative to the repository root (``""`` when the
    project is the root), prepended to file names so annotations land on the right file.
    """
    lines = []
    for d in diagnostics:
        props: list[tuple[str, str]] = []
        if d.position is not None:
            p, end = d.position, _end(d.position)
            props.append(("file", f"{prefix}{p.file}"))
            if p.line > 0:
                props += [("line", str(p.line)), ("col", str(p.column)),
                          ("endLine", str(end.line)), ("endColumn", str(end.column))]
        props.append(("title", d.code))
        joined = ",".join(f"{k}={escape_property(v)}" for k, v in props)
        lines.append(f"::{d.severity} {joined}::{escape_data(_message(d))}\n")
    return "".join(lines)


def sarif_log(
    diagnostics: Sequence[Diagnostic], *, version: str, project_root: Path | None
) -> str:
    """A SARIF 2.1.0 log with one run of ``agentctl validate``.

    ``tool.driver.rules`` holds one rule per code used (sorted), described by
    :func:`~agentctl.diagnostics.codes.all_codes` (plug-ins' codes included); each result has
    ``ruleId``, ``ruleIndex``, ``level`` (error or warning), ``message.text`` and, when
    the diagnostic has a file, a physical location whose ``artifactLocation.uri`` is
    relative to the project (``uriBaseId`` PROJECTROOT, resolved through
    ``originalUriBaseIds`` to ``project_root`` as a file URI).
    """
    codes = sorted({d.code for d in diagnostics})
    described = all_codes()
    index = {code: i for i, code in enumerate(codes)}
    first: dict[str, Diagnostic] = {}
    for d in diagnostics:
        first.setdefault(d.code, d)
    rules = [
        {"id": code, "name": code,
         "shortDescription": {"text": described.get(code, first[code].summary)},
         "defaultConfiguration": {"level": first[code].severity}}
        for code in codes
    ]
    results = []
    for d in diagnostics:
        result: dict[str, Any] = {
            "ruleId": d.code, "ruleIndex": index[d.code], "level": d.severity,
            "message": {"text": _message(d)},
        }
        if d.position is not None:
            p, end = d.position, _end(d.position)
            physical: dict[str, Any] = {
                "artifactLocation": {"uri": p.file, "uriBaseId": "PROJECTROOT"},
            }
            if p.line > 0:
                physical["region"] = {"startLine": p.line, "startColumn": p.column,
                                      "endLine": end.line, "endColumn": end.column}
            location: dict[str, Any] = {"physicalLocation": physical}
            if d.path:
                location["logicalLocations"] = [{"fullyQualifiedName": d.path}]
            result["locations"] = [location]
        results.append(result)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "agentctl", "version": version, "rules": rules}},
        "results": results,
    }
    if project_root is not None:
        run["originalUriBaseIds"] = {"PROJECTROOT": {"uri": project_root.as_uri() + "/"}}
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2) + "\n"
