"""Copier's questionnaire as the cached engine mirrors it (``copier/_main.py``
``Worker._ask`` and ``_render_context``, ``copier/_user_data.py``), with ``defaults=True``:
given answers are cast and checked, the rest take their rendered defaults.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from agentctl.catalogue.yamlbounded import AliasBombError, safe_load_bounded
from agentctl.render.copier_model import (
    MissingAnswer,
    Question,
    TemplateError,
    cast_answer,
    cast_to_bool,
    jsonable,
)


class Questionnaire:
    """The answering half of :class:`~agentctl.render.copier_engine.CopierTemplate`.

    Needs, from the template: ``questions``, ``src_path``, the paths Copier puts in the
    context, :meth:`render_string` and :meth:`prepare`.
    """

    questions: dict[str, Question]
    src_path: str
    _root_path: PurePath
    _answers_path: PurePath

    def render_string(self, source: str,
                      context: Mapping[str, Any] | Callable[[], Mapping[str, Any]]) -> str:
        """Render one Jinja string (the template's own)."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Make the Jinja environment (the template's own)."""
        raise NotImplementedError

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
        self.prepare()  # the Jinja environment and its literal markers
        for name, q in self.questions.items():
            made: list[dict[str, Any]] = []

            def context(made: list[dict[str, Any]] = made) -> dict[str, Any]:
                if not made:
                    made.append(self.context(data, user, hidden, dst_name, phase="prompt"))
                return made[0]

            when = q.spec.get("when", True)
            if not cast_to_bool(self._render_value(when, context)):
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
        value = cast_answer(q.type_name, answer, q.name)
        choices = q.spec.get("choices")
        if not choices:
            return value

        if isinstance(choices, str):
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
            allowed.append(cast_answer(q.type_name, self._render_value(choice, context), q.name))
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
            and not self.questions[k].spec.get("secret") and jsonable(v)
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
