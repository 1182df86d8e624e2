"""Schema checks of one value: pydantic errors → located :class:`Diagnostic` values.

:func:`validate_model` checks a YAML value against a pydantic model and turns each
pydantic error into a diagnostic with a stable code (E110-E116, E314), a friendly
summary and a hint, at the value's file:line:column.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from agentctl.catalogue.giturl import GIT_SCHEMES
from agentctl.catalogue.yamlsource import PathKey, SourceFloat, YamlDocument
from agentctl.diagnostics import Diagnostic, did_you_mean

_PATTERN_HINTS = {
    "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$": (
        "use 1-63 lower-case letters, digits and '-', starting and ending with a letter "
        "or digit"
    ),
    "^[a-z0-9](?:[a-z0-9._-]{0,126}[a-z0-9])?$": (
        "use lower-case letters, digits, '.', '_' and '-', starting and ending with a "
        "letter or digit"
    ),
    "^[A-Za-z0-9](?:[A-Za-z0-9._:/@-]{0,254})$": "use letters, digits and . _ : / @ -",
    "^[A-Za-z0-9_.-]{1,128}$": "use 1-128 letters, digits, '_', '-' and '.'",
    "^[A-Za-z_][A-Za-z0-9_]*$": "use letters, digits and '_', not starting with a digit",
}


def yaml_kind(value: Any) -> str:
    """How YAML read ``value``, for a message: ``a boolean``, ``a number``, ``text``…"""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null (nothing)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model that ``loc`` points into, for did-you-mean."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        info = current.model_fields.get(part)
        if info is None:
            break
        current = info.annotation
        for _ in range(4):  # unwrap Optional[list[Model]] and friends
            args = [a for a in typing.get_args(current) if a is not type(None)]
            if isinstance(current, type) and issubclass(current, BaseModel):
                break
            if not args:
                break
            current = args[-1] if typing.get_origin(current) is dict else args[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _format_loc(prefix: str, loc: tuple[Any, ...]) -> str:
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_Friendly = tuple[str, str, str]


def _extra(err: Any, model: type[BaseModel], loc: tuple[Any, ...], leaf: str) -> _Friendly:
    allowed = _fields_at(model, loc[:-1])
    hint = did_you_mean(leaf, allowed).strip()
    detail = (hint + " " if hint else "") + (
        "Allowed keys: " + ", ".join(allowed) + "." if allowed else "Remove it."
    )
    return "E110", f"unknown key '{leaf}'", detail


def _not_text(value: Any, leaf: str) -> _Friendly:
    shown = value.text if isinstance(value, SourceFloat) else value
    if isinstance(value, bool):
        shown = "true" if value else "false"
    detail = "Write text here."
    if isinstance(value, (int, float, bool)):
        detail = (
            f"YAML read this as {yaml_kind(value)}; quote it to keep it as text: "
            f"{leaf}: \"{shown}\"."
        )
    return "E112", f"expected text, got {yaml_kind(value)}", detail


def _pattern(err: Any, value: Any) -> _Friendly:
    pattern = err.get("ctx", {}).get("pattern", "")
    hint = _PATTERN_HINTS.get(pattern, f"it must match {pattern}")
    return "E113", f"'{value}' is not a valid value here", hint[0].upper() + hint[1:] + "."


def _literal(err: Any, value: Any) -> _Friendly:
    expected = err.get("ctx", {}).get("expected", "")
    choices = [c.strip().strip("'") for c in expected.replace(" or ", ", ").split(",")]
    hint = did_you_mean(str(value), choices)
    return "E114", f"'{value}' is not one of {expected}", ("Use one of them." + hint).strip()


def _shape(kind: str, value: Any) -> _Friendly | None:
    """Errors about a value of the wrong YAML shape (bool, list, mapping, number)."""
    if kind == "bool_type":
        return (
            "E112",
            f"expected true or false, got {yaml_kind(value)}",
            "Write true or false (yes/no/on/off are text in YAML 1.2).",
        )
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        want = "a list" if kind == "list_type" else "a mapping"
        return "E112", f"expected {want}, got {yaml_kind(value)}", f"Write {want} here."
    if kind in {"int_type", "float_type"}:
        return "E112", f"expected a number, got {yaml_kind(value)}", "Write a number here."
    return None


def _friendly(err: Any, model: type[BaseModel], loc: tuple[Any, ...]) -> _Friendly:
    """Map one pydantic error to (code, summary, detail)."""
    kind = err["type"]
    value = err.get("input")
    leaf = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        return _extra(err, model, loc, leaf)
    if kind == "missing":
        return "E111", f"missing required key '{leaf}'", f"Add '{leaf}: …' to this entry."
    if kind in {"string_type", "str_type"}:
        return _not_text(value, leaf)
    if kind == "string_pattern_mismatch":
        return _pattern(err, value)
    if kind == "literal_error":
        return _literal(err, value)
    shape = _shape(kind, value)
    if shape is not None:
        return shape
    if kind in {"string_too_short", "too_short"}:
        return "E115", "must not be empty", "Give it a value, or remove the key."
    if kind == "git_transport":
        return "E314", str(err["msg"]), (
            "Use " + ", ".join(f"{s}://" for s in GIT_SCHEMES)
            + ", user@host:path or a local path.")
    message = str(err.get("msg", "invalid value"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return "E116", message, ""


def validate_model(
    model: type[BaseModel],
    data: Any,
    doc: YamlDocument,
    path: PathKey,
    label: str,
) -> tuple[BaseModel | None, list[Diagnostic]]:
    """Validate ``data`` (found at ``path`` in ``doc``) against ``model``.

    Returns the model instance, or None and one diagnostic per pydantic error with its
    file:line:column; ``label`` prefixes the field path (``agents[reviewer]``).
    """
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p == "[key]"))
            code, summary, detail = _friendly(err, model, loc)
            if err["type"] == "missing":
                position = doc.position((*path, *loc[:-1]))
            else:
                # An error about a mapping key itself (pydantic's "[key]") points at the key.
                on_key = err["type"] == "extra_forbidden" or "[key]" in err["loc"]
                position = doc.position((*path, *loc), prefer_key=on_key)
            problems.append(
                Diagnostic("error", code, summary, position, _format_loc(label, loc), detail)
            )
        return None, problems
