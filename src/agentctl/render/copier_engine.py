"""A cached Copier engine: load a Copier template once, render it for many agents.

``copier.run_copy`` costs 35-47 ms and about eight ``git`` subprocesses per call (shared
``reference/gitops.md``); a fleet of a thousand agents would spend 40 s there. This
module reads a template's ``copier.yml`` once, compiles every Jinja template once into
one sandboxed environment configured as Copier 9.19 configures its own
(:mod:`agentctl.render.copier_jinja`) and renders it in memory, following
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
runs only in the child process of :func:`render_with_copier`. The data model (settings,
questions, casts) is in :mod:`agentctl.render.copier_model`, the questionnaire in
:mod:`agentctl.render.copier_questions`, real Copier in :mod:`agentctl.render.copier_run`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import yaml

from agentctl.catalogue.project import read_text
from agentctl.catalogue.yamlbounded import AliasBombError, safe_load_bounded
from agentctl.diagnostics import DiagnosticError
from agentctl.render.copier_jinja import make_env
from agentctl.render.copier_model import (
    DEFAULT_ANSWERS_FILE,
    DEFAULT_EXCLUDE,
    DEFAULT_TEMPLATES_SUFFIX,
    MAX_TEMPLATE_BYTES,
    QUESTION_TYPES,
    UNSAFE_KEYS,
    YIELD,
    MissingAnswer,
    Rendered,
    RenderedFile,
    TemplateError,
    path_matcher,
    short,
    split_config,
    unmirrored_reason,
)
from agentctl.render.copier_questions import Questionnaire
from agentctl.render.copier_run import render_with_copier

if TYPE_CHECKING:
    from jinja2 import Template

    from agentctl.support.jinja_bounds import BoundedEnvironment

__all__ = ["CopierTemplate", "MissingAnswer", "Rendered", "RenderedFile", "TemplateError",
           "render_with_copier"]


class CopierTemplate(Questionnaire):
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
        self.config, self.questions = split_config(raw)
        self.unsafe = tuple(k for k in UNSAFE_KEYS if self.config.get(k))
        self.unmirrored = self.unmirrored or unmirrored_reason(self.config)
        for name, q in self.questions.items():
            if q.type_name not in QUESTION_TYPES:
                raise TemplateError(f"question '{name}' has unknown type '{q.type_name}'",
                                    question=name, file=self.config_name)
        suffix = self.config.get("templates_suffix")
        self.templates_suffix: str = DEFAULT_TEMPLATES_SUFFIX if suffix is None else str(suffix)
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
        found = sorted(p for p in self.root.glob("copier.*")
                       if p.is_file() and re.match(r"\.ya?ml", p.suffix, re.IGNORECASE))
        if not found:
            raise TemplateError(f"{self.root} holds no copier.yml: it is not a Copier template")
        if len(found) > 1:
            return {}, "has several copier.* files"
        self.config_name = found[0].name
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
        :data:`MAX_TEMPLATE_BYTES`; links in it that point outside it are noted for
        :meth:`render`, which refuses them (Jinja's ``include`` and real Copier reach every
        file of the template, not only those :meth:`sources` copies)."""
        h = hashlib.sha256()
        total = 0
        self._outward: list[str] = []
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if path.is_symlink() and not path.resolve().is_relative_to(self.root):
                self._outward.append(rel)
            elif path.is_file() and ".git" not in rel.split("/"):
                total += path.stat().st_size
                if total > MAX_TEMPLATE_BYTES:
                    raise TemplateError(f"the template's files pass {MAX_TEMPLATE_BYTES} "
                                        f"bytes at {rel}", file=rel)
                h.update(rel.encode() + b"\0")
                h.update(path.read_bytes() + b"\0")
                h.update(b"x" if os.access(path, os.X_OK) else b"-")
        return h.hexdigest()

    # Jinja -------------------------------------------------------------------------

    def prepare(self) -> None:
        """Make the Jinja environment (and its literal markers) now."""
        self.env  # noqa: B018

    @property
    def env(self) -> BoundedEnvironment:
        """The template's one Jinja environment, configured as Copier's ``jinja_env``."""
        if self._env is None:
            self._env = self._make_env()
        return self._env

    def _make_env(self) -> BoundedEnvironment:
        env = make_env(self.root, self.config.get("envops") or {}, self.config_name)
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
            raise TemplateError(f"cannot render {short(source)}: {exc}") from None

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
                        if YIELD.search(text):
                            self.unmirrored = "uses the {% yield %} tag"
                if any(YIELD.search(n) for n in dirnames + filenames):
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

    def render(self, data: Mapping[str, str], dst_name: str) -> Rendered:
        """Render the template with answers ``data`` for a destination folder ``dst_name``.

        Returns every file Copier would write into an empty destination, in memory.
        Raises :class:`TemplateError` (or :class:`MissingAnswer`) for bad answers or
        templates (a link anywhere in the template pointing outside it among them), and
        ``ValueError`` when the template must go through real Copier (:attr:`unsafe` or
        :attr:`unmirrored`): call :func:`render_with_copier` then.
        """
        for rel in self._outward[:1]:
            raise TemplateError(f"{rel} points outside the template", file=rel)
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
        excluded, skipped = self._matchers(context)
        out = Rendered()
        suffix = self.templates_suffix
        all_paths = {rel for rel, _d, _x in sources}
        for rel, is_dir, executable in sources:
            if is_dir or (suffix and f"{rel}{suffix}" in all_paths):
                continue  # folders exist through their files; a templated sibling wins
            is_template = bool(suffix) and rel.endswith(suffix)
            path = rel[: -len(suffix)] if is_template else rel
            dst = self._render_parts(path, context, answers_path, rel)
            if dst is None or excluded(dst):
                continue
            content = self._content(rel, is_template or not suffix, context)
            out.files[dst] = RenderedFile(content, executable)
            if skipped(dst):
                out.skip_if_exists.add(dst)
        return out

    def _matchers(self, context: Mapping[str, Any]
                  ) -> tuple[Callable[[str], bool], Callable[[str], bool]]:
        """(excluded, skipped): ``_exclude`` and ``_skip_if_exists`` rendered and compiled."""
        excluded = path_matcher(
            line for pattern in self.exclude
            for line in re.split(r"\r\n|\r|\n", self.render_string(pattern, context))
        )
        return excluded, path_matcher(self.render_string(p, context)
                                      for p in self.skip_if_exists)

    def _content(self, rel: str, rendered: bool, context: Mapping[str, Any]) -> bytes:
        """The bytes of source ``rel`` (relative to the copy root): rendered through Jinja
        when ``rendered``, else copied. Raises :class:`TemplateError` naming the file."""
        from agentctl.support.jinja_bounds import TemplateBoundsError

        prefix = self.copy_root().relative_to(self.root).as_posix()
        src_rel = f"{prefix}/{rel}" if prefix != "." else rel
        self._rendering = src_rel
        if not rendered:
            return (self.root / src_rel).read_bytes()
        try:
            return self.env.render_file(self._file(src_rel), context).encode()
        except UnicodeDecodeError:
            if self.templates_suffix:
                raise TemplateError("not UTF-8 text", file=src_rel) from None
            return (self.root / src_rel).read_bytes()
        except TemplateError:
            raise
        except TemplateBoundsError as exc:
            raise TemplateError(str(exc), file=src_rel) from None
        except Exception as exc:
            raise TemplateError(f"{type(exc).__name__}: {exc}", file=src_rel) from None

    def _render_parts(self, path: str, context: Mapping[str, Any],
                      answers_path: str, rel: str) -> str | None:
        """Render each part of a path (Copier's ``_render_parts``); None when one is empty.
        Raises :class:`TemplateError` naming source ``rel`` when a part cannot render."""
        parts: list[str] = []
        try:
            for part in path.split("/"):
                rendered = self.render_string(part, context)
                if not rendered:
                    return None
                if rendered == answers_path:
                    return answers_path
                parts.append(rendered)
        except TemplateError as exc:
            raise TemplateError(str(exc), file=exc.file or f"the name of {rel}") from None
        return "/".join(parts)
