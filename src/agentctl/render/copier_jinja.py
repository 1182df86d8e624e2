"""The Jinja environment of a Copier template, configured as Copier 9.19 configures its
own (``copier/_main.py`` ``Worker.jinja_env``): the ``jinja2_ansible_filters`` core
filters, ``keep_trailing_newline=True`` unless ``_envops`` says otherwise, the
``pathjoin`` global, ``to_json`` lenient with paths; bounded by
:mod:`agentctl.support.jinja_bounds`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from agentctl.render.copier_model import TemplateError

if TYPE_CHECKING:
    from agentctl.support.jinja_bounds import BoundedEnvironment


def make_env(root: Path, envops_setting: Mapping[str, Any], config_name: str
             ) -> BoundedEnvironment:
    """The environment for the template at ``root`` with its ``_envops``. Raises
    :class:`TemplateError` (naming ``config_name``) for an ``undefined`` it cannot take."""
    import jinja2
    from jinja2 import FileSystemLoader

    from agentctl.support.jinja_bounds import BoundedEnvironment

    envops = dict(envops_setting)
    envops.setdefault("keep_trailing_newline", True)
    undefined = envops.get("undefined")
    if undefined:
        if undefined not in ("jinja2.Undefined", "jinja2.StrictUndefined"):
            raise TemplateError(f"unsupported _envops.undefined '{undefined}'",
                                file=config_name)
        envops["undefined"] = getattr(jinja2, undefined.split(".")[1])
    class ConfinedLoader(FileSystemLoader):
        """Jinja's file loader that refuses a file whose real path leaves ``root`` (a
        link swapped in after the template was loaded)."""

        def get_source(self, environment: jinja2.Environment, template: str
                       ) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            if not Path(filename).resolve().is_relative_to(real_root):
                raise TemplateError(f"{template} points outside the template", file=template)
            return source, filename, uptodate

    real_root = root.resolve()
    env = BoundedEnvironment(
        loader=ConfinedLoader([str(root)]),
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
    return env
