"""A cached Copier engine: load a Copier template once, render it for many agents.

``copier.run_copy`` costs 35-47 ms and about eight ``git`` subprocesses per call (shared
``reference/gitops.md``); a fleet of a thousand agents would spend 40 s there. This
module reads a template's ``copier.yml`` once, compiles every Jinja template once into
one :class:`jinja2.sandbox.SandboxedEnvironment` configured as Copier 9.19 configures its
own (``copier/_main.py`` ``Worker.jinja_env``: the ``jinja2_ansible_filters`` core filters,
``keep_trailing_newline=True`` unless ``_envops`` says otherwise, the ``pathjoin`` global,
``to_json`` made lenient with paths) and renders it in memory, following
``Worker._ask``/``_render_template``/``_render_path``/``_render_parts``/``_render_file``
step by step, so the output is byte-identical to ``run_copy(src, dst, data=answers,
defaults=True, vcs_ref=None)`` for the features listed in :data:`SUPPORTED_KEYS`
(``tests/render/test_copier_engine.py`` proves it against the real Copier).

Three kinds of template do not take the fast path:

* *unsafe* ones (``_tasks``, ``_migrations``, ``_jinja_extensions``: Copier itself needs
  ``unsafe=True``): :func:`render_with_copier` runs real Copier, and only when the user
  passed ``--trust``;
* *unmirrored* ones (``_external_data``, ``_preserve_symlinks``, the ``{% yield %}`` tag,
  ``!include`` in ``copier.yml``, several ``copier.*`` files): safe, but this engine does
  not reproduce them, so they go through real Copier without asking;
* values Copier draws from the world (``now``, ``make_secret``, ``_copier_conf.vcs_ref``
  and friends) are absent from the context: rendering reads no clock and no randomness.

Import cost: jinja2 and pathspec only, when a template is first loaded; ``copier`` itself
is imported by :func:`render_with_copier` alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Template

    from agentctl.support.jinja_bounds import BoundedEnvironment

#: Copier's default ``_exclude`` (``copier/_template.py`` ``DEFAULT_EXCLUDE``), used when
#: the template sets neither ``_exclude`` nor ``_subdirectory``.
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
_YIELD = re.compile(r"{%-?\s*yield\b")
#: Largest template (all its files) agentctl loads, in bytes.
MAX_TEMPLATE_BYTES = 32 * 1024 * 1024
_MISSING = object()


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


@dataclass(frozen=True)
class RenderedFile:
    """One output file: its bytes and whether its template source is executable."""

    content: bytes
    executable: bool = False


@dataclass
class Rendered:
    """A rendered template: ``files`` by POSIX path relative to the destination.

    ``skip_if_exists`` holds the rendered paths matching ``_skip_if_exists``: Copier
    writes them only when the destination has no such file yet.
    """

    files: dict[str, RenderedFile] = field(default_factory=dict)
    skip_if_exists: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Question:
    """One ``copier.yml`` question (the long form; ``name: value`` is ``default: value``)."""

    name: str
    spec: Mapping[str, Any]

    @property
    def default(self) -> Any:
        """The raw default (maybe a Jinja string), or the missing marker."""
        return self.spec.get("default", _MISSING)

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


def _cast_to_bool(value: Any) -> bool:
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


def _cast(type_name: str, answer: Any, name: str) -> Any:
    """Copier's ``Question.cast_answer`` for one answer (a ``yaml`` answer read with
    :func:`~agentctl.catalogue.yamlsource.safe_load_bounded`: an alias bomb is refused)."""
    import yaml

    from agentctl.catalogue.yamlsource import AliasBombError, safe_load_bounded

    if answer is None and type_name not in {"json", "yaml"}:
        raise TemplateError(f"answer to '{name}' is empty, but the question is a {type_name}",
                            question=name)
    try:
        if type_name == "bool":
            return _cast_to_bool(answer)
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
        raise TemplateError(f"answer {_short(str(answer))} to '{name}' is not a {type_name}: "
                            f"{exc}", question=name) from None


class CopierTemplate:
    """A Copier template folder, loaded once and rendered many times.

    ``root`` is the template folder (holding ``copier.yml``/``copier.yaml``);
    ``src_path`` is what Copier would record as ``_src_path`` in the answers file (the
    string the user would pass to ``copier copy``). Raises :class:`TemplateError` when the
    folder has no readable, well-formed ``copier.yml``.

    Attributes set at load: ``config`` (the ``_``-prefixed settings without the ``_``),
    ``questions`` (in file order), ``unsafe`` (the unsafe settings used), ``unmirrored``
    (why real Copier must render it, or ``""``) and ``digest`` (sha256 over every file of
    the template, for caches).
    """

    def __init__(self, root: Path, src_path: str | None = None) -> None:
        self.root = root.resolve()
        self.src_path = src_path if src_path is not None else str(root)
        raw, self.unmirrored = self._load_config()
        self.config: dict[str, Any] = {}
        self.questions: dict[str, Question] = {}
        for key, value in raw.items():
            if key.startswith("_"):
                self.config[key[1:]] = value
            else:
                self.questions[key] = Question(
                    key, value if isinstance(value, dict) else {"default": value}
                )
        for key in self.config.get("secret_questions", []) or []:
            if key in self.questions:
                self.questions[key] = Question(key, {**self.questions[key].spec, "secret": True})
        self.unsafe = tuple(k for k in UNSAFE_KEYS if self.config.get(k))
        if "{" in str(self.config.get("subdirectory", "")):
            self.unmirrored = "has a templated _subdirectory"
        if not self.unmirrored:
            extra = sorted(set(self.config) - SUPPORTED_KEYS - set(UNSAFE_KEYS))
            if extra:
                self.unmirrored = "uses " + ", ".join(f"_{k}" for k in extra)
        for name, q in self.questions.items():
            if q.type_name not in QUESTION_TYPES:
                raise TemplateError(f"question '{name}' has unknown type '{q.type_name}'",
                                    question=name, file=self.config_name)
        self.templates_suffix: str = (
            DEFAULT_TEMPLATES_SUFFIX if self.config.get("templates_suffix") is None
            else str(self.config["templates_suffix"])
        )
        self.subdirectory = str(self.config.get("subdirectory", "") or "")
        self.exclude: tuple[str, ...] = tuple(
            self.config.get("exclude", DEFAULT_EXCLUDE if not self.subdirectory else [])
        )
        self.skip_if_exists: tuple[str, ...] = tuple(self.config.get("skip_if_exists", ()) or ())
        self.answers_file = str(self.config.get("answers_file", DEFAULT_ANSWERS_FILE))
        self.digest = self._digest()
        self._root_path = PurePath(self.root)
        self._answers_path = PurePath(self.answers_file)
        self._env: BoundedEnvironment | None = None
        self._strings: dict[str, Template] = {}
        self._files: dict[str, Template] = {}
        self._sources: list[tuple[str, bool, bool]] | None = None
        self._markers: tuple[str, ...] = ()
        self._copy_root: Path | None = None
        self._rendering: str | None = None  # the file being rendered, for errors

    config_name = "copier.yml"

    def _load_config(self) -> tuple[dict[str, Any], str]:
        """Read ``copier.yml``; return (raw mapping, reason to leave it to real Copier)."""
        import yaml

        found = sorted(p for p in self.root.glob("copier.*")
                       if p.is_file() and re.match(r"\.ya?ml", p.suffix, re.IGNORECASE))
        if not found:
            raise TemplateError(f"{self.root} holds no copier.yml: it is not a Copier template")
        if len(found) > 1:
            return {}, "has several copier.* files"
        self.config_name = found[0].name
        from agentctl.catalogue.project import read_text
        from agentctl.catalogue.yamlsource import AliasBombError, safe_load_bounded
        from agentctl.diagnostics import DiagnosticError

        try:
            text = read_text(found[0], found[0].name)
        except DiagnosticError as exc:
            raise TemplateError(f"{found[0]}: {exc.diagnostics[0].summary}",
                                file=found[0].name) from None
        if "!include" in text:
            return {}, "uses !include in copier.yml"
        try:
            docs = [d for d in safe_load_bounded(text, all_documents=True) if d]
        except (yaml.YAMLError, AliasBombError) as exc:
            raise TemplateError(f"{found[0]} is not valid YAML: {exc}",
                                file=found[0].name) from None
        if len(docs) > 1:
            return {}, "splits copier.yml into several YAML documents"
        data = docs[0] if docs else {}
        if not isinstance(data, dict):
            raise TemplateError(f"{found[0]} must be a mapping", file=found[0].name)
        return data, ""

    def _digest(self) -> str:
        """sha256 over the template's files, refusing a template over
        :data:`MAX_TEMPLATE_BYTES` (files behind links leaving it are left to
        :meth:`sources`, which refuses them by name)."""
        h = hashlib.sha256()
        total = 0
        for path in sorted(self.root.rglob("*")):
            if path.is_symlink() and not path.resolve().is_relative_to(self.root):
                continue
            if path.is_file() and ".git" not in path.relative_to(self.root).parts:
                total += path.stat().st_size
                if total > MAX_TEMPLATE_BYTES:
                    raise TemplateError(
                        f"the template's files pass {MAX_TEMPLATE_BYTES} bytes at "
                        f"{path.relative_to(self.root).as_posix()}",
                        file=path.relative_to(self.root).as_posix())
                h.update(path.relative_to(self.root).as_posix().encode() + b"\0")
                h.update(path.read_bytes() + b"\0")
                h.update(b"x" if os.access(path, os.X_OK) else b"-")
        return h.hexdigest()

    # Jinja -------------------------------------------------------------------------

    @property
    def env(self) -> BoundedEnvironment:
        """The template's one Jinja environment, configured as Copier's ``jinja_env``."""
        if self._env is None:
            self._env = self._make_env()
        return self._env

    def _make_env(self) -> BoundedEnvironment:
        import jinja2
        from jinja2 import FileSystemLoader

        from agentctl.support.jinja_bounds import BoundedEnvironment

        envops = dict(self.config.get("envops") or {})
        envops.setdefault("keep_trailing_newline", True)
        undefined = envops.get("undefined")
        if undefined:
            if undefined not in ("jinja2.Undefined", "jinja2.StrictUndefined"):
                raise TemplateError(f"unsupported _envops.undefined '{undefined}'",
                                    file=self.config_name)
            envops["undefined"] = getattr(jinja2, undefined.split(".")[1])
        env = BoundedEnvironment(
            loader=FileSystemLoader([str(self.root)]),
            extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
            cache_size=-1,
            **envops,
        )

        def to_json_fallback(value: Any) -> Any:
            if isinstance(value, PurePath):
                return str(value)
            if isinstance(value, Mapping):
                return dict(value)
            raise TypeError(f"{type(value).__name__} is not JSON serializable")

        env.filters["to_json"] = partial(env.filters["to_json"], default=to_json_fallback)
        kinds = {"posix": PurePosixPath, "windows": PureWindowsPath, "native": PurePath}

        def pathjoin(*parts: str, mode: str = "posix") -> str:
            return str(kinds[mode](*parts))

        env.globals["pathjoin"] = pathjoin
        self._markers = tuple(m for m in (
            env.block_start_string, env.variable_start_string, env.comment_start_string,
            env.line_statement_prefix, env.line_comment_prefix) if m)
        return env

    def _string(self, source: str) -> Template:
        """Compile a template string once (paths, defaults, patterns recur per agent)."""
        tpl = self._strings.get(source)
        if tpl is None:
            tpl = self._strings[source] = self.env.from_string(source)
        return tpl

    def literal(self, source: str) -> bool:
        """True when Jinja would return ``source`` unchanged: no block, variable, comment
        or line-statement marker and no newline (Jinja normalises those)."""
        if "\n" in source or "\r" in source:
            return False
        return not any(marker in source for marker in self._markers)

    def render_string(self, source: str,
                      context: Mapping[str, Any] | Callable[[], Mapping[str, Any]]) -> str:
        """Render one Jinja string with ``context`` (or a function making it, called only
        when ``source`` is not literal); errors become :class:`TemplateError`."""
        import jinja2

        from agentctl.support.jinja_bounds import TemplateBoundsError

        if self.literal(source):
            return source
        try:
            return self.env.render_file(self._string(source),
                                        context() if callable(context) else context)
        except (jinja2.TemplateError, TemplateBoundsError) as exc:
            raise TemplateError(f"cannot render {_short(source)}: {exc}") from None

    def sources(self) -> list[tuple[str, bool, bool]]:
        """Every entry under the copy root: (path relative to it, is_dir, executable).

        Walks like Copier's ``scantree`` (following symlinks into folders); a symlink
        pointing outside the template is refused as Copier refuses it.
        """
        if self._sources is None:
            out: list[tuple[str, bool, bool]] = []
            base = self.copy_root()
            for dirpath, dirnames, filenames in os.walk(base, followlinks=True):
                here = Path(dirpath)
                for name in sorted(dirnames) + sorted(filenames):
                    path = here / name
                    if path.is_symlink() and not path.resolve().is_relative_to(self.root):
                        raise TemplateError(f"{path} points outside the template",
                                            file=path.relative_to(self.root).as_posix())
                    rel = path.relative_to(base).as_posix()
                    is_dir = path.is_dir()
                    out.append((rel, is_dir, not is_dir and os.access(path, os.X_OK)))
                    if not is_dir and name.endswith(self.templates_suffix) and (
                        self.templates_suffix
                    ):
                        text = path.read_text("utf-8")
                        if _YIELD.search(text):
                            self.unmirrored = "uses the {% yield %} tag"
                if any(_YIELD.search(n) for n in dirnames + filenames):
                    self.unmirrored = "uses the {% yield %} tag in a path"
            self._sources = out
        return self._sources

    def copy_root(self) -> Path:
        """The folder copied from: the root, or ``_subdirectory`` below it."""
        if self._copy_root is None:
            sub = self.subdirectory
            path = (self.root / sub).resolve()
            if not path.is_relative_to(self.root):
                raise TemplateError(f"_subdirectory '{sub}' leaves the template",
                                    file=self.config_name)
            self._copy_root = path
        return self._copy_root

    def _file(self, rel_to_root: str) -> Template:
        import jinja2

        tpl = self._files.get(rel_to_root)
        if tpl is None:
            try:
                tpl = self._files[rel_to_root] = self.env.get_template(rel_to_root)
            except jinja2.TemplateSyntaxError as exc:
                raise TemplateError(f"line {exc.lineno}: {exc.message}",
                                    file=rel_to_root) from None
        return tpl

    # Answers ---------------------------------------------------------------------

    def answers(self, data: Mapping[str, Any], dst_name: str) -> tuple[dict[str, Any], set[str]]:
        """Copier's questionnaire with ``defaults=True``: (combined answers, hidden names).

        ``data`` plays ``run_copy(data=…)``: its values answer same-named questions (cast to
        the question's type, checked against ``choices`` and ``validator``) and every key
        is available to templates. Unanswered questions take their (rendered) default.
        Raises :class:`MissingAnswer` for a required question with no answer and
        :class:`TemplateError` for an answer Copier would refuse.
        """
        user: dict[str, Any] = {}
        hidden: set[str] = set()
        self.env  # noqa: B018  (sets the literal markers)
        for name, q in self.questions.items():
            made: list[dict[str, Any]] = []

            def context(made: list[dict[str, Any]] = made) -> dict[str, Any]:
                if not made:
                    made.append(self.context(data, user, hidden, dst_name, phase="prompt"))
                return made[0]

            when = q.spec.get("when", True)
            if not _cast_to_bool(self._render_value(when, context)):
                hidden.add(name)
                if q.required and name not in data:
                    continue
            if name in data:
                answer = self._parse(q, data[name], context)
            elif q.required:
                if name in hidden:
                    continue
                raise MissingAnswer(f'question "{name}" has no default and no answer',
                                    question=name)
            else:
                answer = self._parse(q, self._render_value(q.default, context), context)
                if name in hidden or q.spec.get("secret"):
                    user[name] = answer  # Copier validates computed defaults only when asked
                    continue
            self._validate(q, answer, context)
            user[name] = answer
        combined = {**dict(data), **user}
        order = [*data, *(k for k in user if k not in data)]
        return {k: combined[k] for k in order}, hidden

    def _render_value(self, value: Any,
                      context: Mapping[str, Any] | Callable[[], Mapping[str, Any]]) -> Any:
        if isinstance(value, str):
            return self.render_string(value, context)
        if isinstance(value, list):
            return [self._render_value(v, context) for v in value]
        return value

    def _parse(self, q: Question, answer: Any,
               context: Mapping[str, Any] | Callable[[], Mapping[str, Any]]) -> Any:
        if q.spec.get("multiselect"):
            raise TemplateError(f"question '{q.name}' is a multiselect", question=q.name)
        value = _cast(q.type_name, answer, q.name)
        choices = q.spec.get("choices")
        if not choices:
            return value

        if isinstance(choices, str):
            from agentctl.catalogue.yamlsource import AliasBombError, safe_load_bounded

            try:
                choices = safe_load_bounded(self.render_string(choices, context))
            except AliasBombError as exc:
                raise TemplateError(f"choices of '{q.name}': {exc}", question=q.name) from None
        items = list(choices.items()) if isinstance(choices, dict) else list(choices)
        allowed = []
        for item in items:
            choice = item[1] if isinstance(item, (tuple, list)) else item
            if isinstance(choice, dict):
                choice = choice.get("value")
            allowed.append(_cast(q.type_name, self._render_value(choice, context), q.name))
        if value not in allowed:
            raise TemplateError(
                f"answer {value!r} to '{q.name}' is not one of its choices: "
                + ", ".join(repr(a) for a in allowed), question=q.name)
        return value

    def _validate(self, q: Question, answer: Any,
                  context: Mapping[str, Any] | Callable[[], Mapping[str, Any]]) -> None:
        validator = q.spec.get("validator")
        if not validator:
            return
        base = context() if callable(context) else context
        message = self.render_string(str(validator), {**base, q.name: answer}).strip()
        if message:
            raise TemplateError(f"answer to '{q.name}' is refused by the template: {message}",
                                question=q.name)

    def context(self, data: Mapping[str, Any], user: Mapping[str, Any], hidden: set[str],
                dst_name: str, *, phase: str = "render") -> dict[str, Any]:
        """The render context Copier's ``Worker._render_context`` builds, minus world data."""
        combined = {"_src_path": self.src_path, **dict(data), **dict(user)}
        remembered: dict[str, Any] = {"_src_path": self.src_path}
        remembered.update(
            (k, v) for k, v in combined.items()
            if not k.startswith("_") and k not in hidden and k in self.questions
            and not self.questions[k].spec.get("secret") and _jsonable(v)
        )
        conf = {
            "src_path": self._root_path,
            "dst_path": PurePath(dst_name),
            "answers_file": self._answers_path,
            "vcs_ref": None,
            "data": dict(data),
            "defaults": True,
            "quiet": True,
            "overwrite": False,
            "pretend": False,
            "unsafe": False,
            "sep": os.sep,
        }
        return {
            **combined,
            "_copier_answers": remembered,
            "_copier_conf": conf,
            "_folder_name": dst_name,
            "_copier_python": sys.executable,
            "_copier_phase": phase,
        }

    # Render ----------------------------------------------------------------------

    def render(self, data: Mapping[str, str], dst_name: str) -> Rendered:
        """Render the template with answers ``data`` for a destination folder ``dst_name``.

        Returns every file Copier would write into an empty destination, in memory.
        Raises :class:`TemplateError` (or :class:`MissingAnswer`) for bad answers or
        templates, and ``ValueError`` when the template must go through real Copier
        (:attr:`unsafe` or :attr:`unmirrored`): call :func:`render_with_copier` then.
        """
        sources = self.sources()
        if self.unsafe or self.unmirrored:
            raise ValueError("template needs real Copier: "
                             + (", ".join(self.unsafe) or self.unmirrored))
        with self._bounded():
            return self._render(sources, data, dst_name)

    @contextmanager
    def _bounded(self) -> Iterator[None]:
        """One render's loop budget and CPU deadline (:mod:`agentctl.support.jinja_bounds`)."""
        from agentctl.support.jinja_bounds import TemplateTimeout, cpu_deadline

        self.env.reset_budget()
        try:
            with cpu_deadline():
                yield
        except TemplateTimeout as exc:
            raise TemplateError(str(exc), file=self._rendering) from None

    def _render(self, sources: list[tuple[str, bool, bool]], data: Mapping[str, str],
                dst_name: str) -> Rendered:
        self._rendering = None
        answers, hidden = self.answers(data, dst_name)
        context = self.context(data, answers, hidden, dst_name)
        answers_path = self.render_string(self.answers_file, context)
        excluded = _matcher(
            line for pattern in self.exclude
            for line in re.split(r"\r\n|\r|\n", self.render_string(pattern, context))
        )
        skipped = _matcher(self.render_string(p, context) for p in self.skip_if_exists)
        from agentctl.support.jinja_bounds import TemplateBoundsError

        out = Rendered()
        suffix = self.templates_suffix
        prefix = self.copy_root().relative_to(self.root).as_posix()
        all_paths = {rel for rel, _d, _x in sources}
        for rel, is_dir, executable in sources:
            if is_dir:
                continue  # folders exist through their files; empty ones are not kept
            is_template = bool(suffix) and rel.endswith(suffix)
            if suffix and f"{rel}{suffix}" in all_paths:
                continue  # a templated sibling wins (Copier's _render_path)
            path = rel[: -len(suffix)] if is_template else rel
            try:
                dst = self._render_parts(path, context, answers_path)
            except TemplateError as exc:
                raise TemplateError(str(exc), file=exc.file or f"the name of {rel}") from None
            if dst is None or excluded(dst):
                continue
            src_rel = f"{prefix}/{rel}" if prefix != "." else rel
            self._rendering = src_rel
            if is_template or not suffix:
                try:
                    content = self.env.render_file(self._file(src_rel), context).encode()
                except UnicodeDecodeError:
                    if suffix:
                        raise TemplateError("not UTF-8 text", file=src_rel) from None
                    content = (self.root / src_rel).read_bytes()
                except TemplateError:
                    raise
                except TemplateBoundsError as exc:
                    raise TemplateError(str(exc), file=src_rel) from None
                except Exception as exc:
                    raise TemplateError(f"{type(exc).__name__}: {exc}", file=src_rel) from None
            else:
                content = (self.root / src_rel).read_bytes()
            out.files[dst] = RenderedFile(content, executable)
            if skipped(dst):
                out.skip_if_exists.add(dst)
        return out

    def _render_parts(self, path: str, context: Mapping[str, Any],
                      answers_path: str) -> str | None:
        """Render each part of a path (Copier's ``_render_parts``); None when one is empty."""
        parts: list[str] = []
        for part in path.split("/"):
            rendered = self.render_string(part, context)
            if not rendered:
                return None
            if rendered == answers_path:
                return answers_path
            parts.append(rendered)
        return "/".join(parts)


def _short(source: str) -> str:
    """``source`` for a message: quoted, and cut to 80 characters."""
    return repr(source if len(source) <= 80 else source[:77] + "...")


def _jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def _matcher(patterns: Iterator[str] | Any) -> Callable[[str], bool]:
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
    import subprocess
    import tempfile

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
