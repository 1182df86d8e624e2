"""Copier's data model as the cached engine mirrors it (Copier 9.19): settings it knows,
errors, rendered files, questions and how an answer is cast to its question's type
(``copier/_template.py``, ``copier/_user_data.py``, ``copier/_tools.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import yaml
from msgspec import Struct, field

from agentctl.catalogue.yamlbounded import AliasBombError, safe_load_bounded

DEFAULT_EXCLUDE = (
    "copier.yaml", "copier.yml", "~*", "*.py[co]", "__pycache__", ".git", ".DS_Store", ".svn",
)
DEFAULT_TEMPLATES_SUFFIX = ".jinja"
DEFAULT_ANSWERS_FILE = ".copier-answers.yml"
#: ``copier.yml`` settings this engine mirrors exactly.
SUPPORTED_KEYS = frozenset({
    "subdirectory", "exclude", "skip_if_exists", "templates_suffix", "answers_file", "envops",
    "min_copier_version", "secret_questions", "message_before_copy", "message_after_copy",
    "message_before_update", "message_after_update", "version",
})
#: Settings for which Copier itself demands ``unsafe=True`` (``Worker._check_unsafe``).
UNSAFE_KEYS = ("tasks", "migrations", "jinja_extensions")
#: Question types Copier casts answers to (``copier/_user_data.py`` ``CAST_STR_TO_NATIVE``).
QUESTION_TYPES = ("bool", "float", "int", "json", "str", "yaml", "path")
YIELD = re.compile(r"{%-?\s*yield\b")
#: Largest template (all its files) agentctl loads, in bytes.
MAX_TEMPLATE_BYTES = 32 * 1024 * 1024
MISSING = object()


class TemplateError(Exception):
    """A template cannot be loaded or rendered with the given answers.

    ``question`` names the offending question when there is one; ``file`` the template
    file (relative to the template root) being rendered when the error happened.
    """

    def __init__(self, message: str, *, question: str | None = None,
                 file: str | None = None) -> None:
        super().__init__(message)
        self.question = question
        self.file = file


class MissingAnswer(TemplateError):
    """A question has no default and the caller gave no answer for it."""


class RenderedFile(Struct, frozen=True):
    """One output file: its bytes and whether its template source is executable."""

    content: bytes
    executable: bool = False


class Rendered(Struct):
    """A rendered template: ``files`` by POSIX path relative to the destination.

    ``skip_if_exists`` holds the rendered paths matching ``_skip_if_exists``: Copier
    writes them only when the destination has no such file yet.
    """

    files: dict[str, RenderedFile] = field(default_factory=dict)
    skip_if_exists: set[str] = field(default_factory=set)


class Question(Struct, frozen=True):
    """One ``copier.yml`` question (the long form; ``name: value`` is ``default: value``)."""

    name: str
    spec: Mapping[str, Any]

    @property
    def default(self) -> Any:
        """The raw default (maybe a Jinja string), or the missing marker."""
        return self.spec.get("default", MISSING)

    @property
    def required(self) -> bool:
        """True when the question has no default: an answer must be given."""
        return "default" not in self.spec

    @property
    def type_name(self) -> str:
        """The declared type, or Copier's inference from the default's Python type."""
        declared = self.spec.get("type") or ""
        if declared:
            return str(declared)
        inferred = type(self.spec.get("default")).__name__
        return inferred if inferred in QUESTION_TYPES else "yaml"


def cast_to_bool(value: Any) -> bool:
    """Copier's ``cast_to_bool`` (``copier/_tools.py``)."""
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        lower = value.strip().lower()
        if not lower:
            return False
        if lower in {"y", "yes", "t", "true", "on"}:
            return True
        if lower in {"n", "no", "f", "false", "off", "~", "null", "none"}:
            return False
    return bool(value)


def _cast_to_str(value: Any) -> str:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (float, int)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode()
    raise ValueError(f"Could not convert {value} to string")


def cast_answer(type_name: str, answer: Any, name: str) -> Any:
    """Copier's ``Question.cast_answer`` for one answer (a ``yaml`` answer read with
    :func:`~agentctl.catalogue.yamlbounded.safe_load_bounded`: an alias bomb is refused)."""
    if answer is None and type_name not in {"json", "yaml"}:
        raise TemplateError(f"answer to '{name}' is empty, but the question is a {type_name}",
                            question=name)
    try:
        if type_name == "bool":
            return cast_to_bool(answer)
        if type_name == "float":
            return float(answer)
        if type_name == "int":
            return int(answer)
        if type_name == "json":
            return json.loads(answer)
        if type_name == "str":
            return _cast_to_str(answer)
        if type_name == "yaml":
            return safe_load_bounded(answer)
        return str(answer)  # path
    except (TypeError, AttributeError):
        if type_name in {"json", "yaml"}:
            return answer
        raise TemplateError(f"answer {answer!r} to '{name}' is not a {type_name}",
                            question=name) from None
    except AliasBombError as exc:
        raise TemplateError(f"answer to '{name}': {exc}", question=name) from None
    except (ValueError, yaml.YAMLError) as exc:
        raise TemplateError(f"answer {short(str(answer))} to '{name}' is not a {type_name}: "
                            f"{exc}", question=name) from None


def short(source: str) -> str:
    """``source`` for a message: quoted, and cut to 80 characters."""
    return repr(source if len(source) <= 80 else source[:77] + "...")


def jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def path_matcher(patterns: Iterator[str] | Any) -> Callable[[str], bool]:
    """Copier's ``_path_matcher``: gitignore-style patterns, NFD-normalised (memoised:
    the same rendered patterns recur for every agent)."""
    return _compiled_matcher(tuple(patterns))


@lru_cache(maxsize=256)
def _compiled_matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    from unicodedata import normalize

    import pathspec

    spec = pathspec.PathSpec.from_lines("gitignore", (normalize("NFD", p) for p in patterns))

    @lru_cache(maxsize=4096)
    def match(path: str) -> bool:
        return bool(spec.match_file(path))

    return match


#: Limits of the child process real Copier runs in: address space (bytes), CPU seconds,
#: and wall-clock seconds (a task may wait on the network).


def split_config(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Question]]:
    """``copier.yml``'s mapping → (settings without their ``_``, questions in file order;
    ``_secret_questions`` marks its questions secret)."""
    config: dict[str, Any] = {}
    questions: dict[str, Question] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            config[key[1:]] = value
        else:
            questions[key] = Question(key, value if isinstance(value, dict) else {"default": value})
    for key in config.get("secret_questions", []) or []:
        if key in questions:
            questions[key] = Question(key, {**questions[key].spec, "secret": True})
    return config, questions


def unmirrored_reason(config: Mapping[str, Any]) -> str:
    """Why settings ``config`` need real Copier (a templated ``_subdirectory``, a setting
    this engine does not mirror), or ``""``."""
    if "{" in str(config.get("subdirectory", "")):
        return "has a templated _subdirectory"
    extra = sorted(set(config) - SUPPORTED_KEYS - set(UNSAFE_KEYS))
    return "uses " + ", ".join(f"_{k}" for k in extra) if extra else ""
