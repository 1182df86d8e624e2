"""Bounds on the work one Jinja render may do: output size, value size, loops, CPU time.

Workspace and service templates come from the catalogue, which agentctl treats as
hostile input. Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment` (Copier's own
choice, ``copier/_main.py`` ``Worker.jinja_env``) keeps templates away from Python
internals and caps each ``range()`` at ``MAX_RANGE`` items, but not the size of what
they build: ``{{ 'x' * 3000000000 }}`` allocates 3 GB, ``s ~ s`` doubles, and nested
loops multiply. :class:`BoundedEnvironment` adds, without changing a byte of what a
template within the limits renders:

* values: ``*``, ``+``, ``**`` and ``%`` (intercepted operators, Jinja's sandbox hook
  ``call_binop``), ``~`` (a code-generator hook), ``str.format`` widths and the filters'
  size arguments are checked before a value over :data:`MAX_VALUE` characters or items
  is made, and results of filters and calls are checked after;
* loops: every ``{% for %}`` iteration of one render draws from one budget of
  :data:`MAX_LOOP_ITEMS` (a code-generator hook wraps each loop's iterable), so nested
  loops over ``range()`` or anything else stop after a second, not hours later;
* output: a rendered file is streamed (``Template.generate``, the same chunks
  ``render`` joins) and refused past :data:`MAX_OUTPUT` characters;
* time: :func:`cpu_deadline` stops a render that uses more than :data:`CPU_SECONDS` of
  CPU time (``ITIMER_VIRTUAL``), the backstop for loops over large values.

Every refusal raises :class:`TemplateBoundsError` (or :class:`TemplateTimeout`), which
the engine reports naming the template and file.
"""

from __future__ import annotations

import functools
import re
import signal
import string
import threading
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import SandboxedEnvironment

#: Largest string (characters) or collection (items) a template may make.
MAX_VALUE = 16 * 1024 * 1024
#: Largest file (characters) one template file may render.
MAX_OUTPUT = 16 * 1024 * 1024
#: ``{% for %}`` iterations one render may run in all, nested loops included.
MAX_LOOP_ITEMS = 1_000_000
#: CPU seconds one agent's render of one template may take.
CPU_SECONDS = 5.0
#: Methods of str/bytes/list whose integer argument is the size of the result.
_SIZED_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


class TemplateBoundsError(Exception):
    """A render would make a value or an output larger than the bounds allow."""


class TemplateTimeout(BaseException):
    """A render ran past :data:`CPU_SECONDS` of CPU time.

    A ``BaseException``, because it is raised from a signal handler anywhere inside
    Jinja, whose own ``except Exception`` clauses must not swallow it.
    """


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set)) else 0


def _refuse(what: str) -> TemplateBoundsError:
    return TemplateBoundsError(f"{what}; a template may make at most {MAX_VALUE} characters "
                               "or items in one value")


def check_value(value: Any, what: str = "a value") -> Any:
    """Return ``value``, or raise :class:`TemplateBoundsError` when it is over the limit."""
    if _size(value) > MAX_VALUE:
        raise _refuse(f"{what} {_size(value)} characters or items")
    return value


def _check_percent(fmt: str, args: Any) -> None:
    """Refuse ``fmt % args`` when a width or precision would be over the limit."""
    values = list(args) if isinstance(args, tuple) else [args]
    for width, precision in _PERCENT_SPEC.findall(fmt):
        for part in (width, precision):
            if part == "*":
                if any(isinstance(v, int) and abs(v) > MAX_VALUE for v in values):
                    raise _refuse("a '%*' width would make more")
            elif part and int(part) > MAX_VALUE:
                raise _refuse(f"a '%' width of {part} would make {part}")


def _check_format(fmt: str, args: Any, kwargs: Any) -> None:
    """Refuse ``fmt.format(...)`` when a field's width would be over the limit."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format raises its own error
    for _text, _name, spec, _conv in fields:
        if not spec:
            continue
        widths = [int(n) for n in _NUMBER.findall(spec)]
        if any(w > MAX_VALUE for w in widths):
            raise _refuse(f"a format width of {max(widths)} would make {max(widths)}")
        if "{" in spec:  # the width comes from an argument
            values = [*args, *kwargs.values()] if isinstance(kwargs, dict) else list(args)
            if any(isinstance(v, int) and abs(v) > MAX_VALUE for v in values):
                raise _refuse("a format width from an argument would make more")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        for count, seq in ((left, right), (right, left)):
            if isinstance(count, int) and _size(seq) and count * _size(seq) > MAX_VALUE:
                raise _refuse(f"'*' would make {count * _size(seq)}")
    elif operator == "+":
        if _size(left) + _size(right) > MAX_VALUE:
            raise _refuse(f"'+' would make {_size(left) + _size(right)}")
    elif operator == "**":
        if (isinstance(right, int) and right > 10_000 and isinstance(left, (int, float))
                and abs(left) > 1):
            raise TemplateBoundsError(f"'** {right}' makes a number too large to write")
    elif operator == "%" and isinstance(left, str):
        _check_percent(left, right)


class _Budget:
    """Loop iterations left in the current render."""

    def __init__(self) -> None:
        self.left = MAX_LOOP_ITEMS


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator with ``~`` and loops checked.

    ``a ~ b`` becomes ``environment.checked_concat(a ~ b)``; ``{% for x in it %}`` loops
    over ``environment.counted_loop(it)``, which yields the same items in the same order.
    """

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_concat(")
        super().visit_Concat(node, frame)
        self.write(")")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        node.iter = nodes.Call(nodes.EnvironmentAttribute("counted_loop"), [node.iter], [],
                               None, None, lineno=node.iter.lineno)
        super().visit_For(node, frame)


class BoundedEnvironment(SandboxedEnvironment):
    """A :class:`~jinja2.sandbox.SandboxedEnvironment` with the bounds of this module.

    Everything below the bounds behaves exactly as the plain sandbox; see the module
    docstring for what is checked. Call :meth:`render_file` to render with the output
    bound and :func:`cpu_deadline` around a whole render for the time bound.
    """

    intercepted_binops = frozenset({"*", "+", "**", "%"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._budget = _Budget()
        for name, fn in list(self.filters.items()):
            self.filters[name] = _bounded_filter(fn, name)

    def reset_budget(self) -> None:
        """Start a new render's loop budget."""
        self._budget = _Budget()

    def counted_loop(self, iterable: Any) -> Iterator[Any]:
        """The items of ``iterable``, each drawn from the render's loop budget."""
        budget = self._budget
        for item in iterable:
            budget.left -= 1
            if budget.left < 0:
                raise TemplateBoundsError(
                    f"loops run more than {MAX_LOOP_ITEMS} times in one render")
            yield item

    def checked_concat(self, value: Any) -> Any:
        """The result of ``~``, checked."""
        return check_value(value, "'~' made")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """The sandbox's operator hook: check sizes before the operation runs."""
        _check_binop(operator, left, right)
        return check_value(super().call_binop(context, operator, left, right),
                           f"'{operator}' made")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """The sandbox's call hook: check sized methods before, every result after."""
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, (str, bytes, list, bytearray)):
            widths = [a for a in (*args, *kwargs.values()) if isinstance(a, int)]
            if name in _SIZED_METHODS and widths and max(widths) > MAX_VALUE:
                raise _refuse(f"{name}({max(widths)}) would make {max(widths)}")
            if name == "extend" and args and _size(owner) + _size(args[0]) > MAX_VALUE:
                raise _refuse(f"extend() would make {_size(owner) + _size(args[0])}")
        result = SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)
        if owner is not None:
            check_value(owner, f"{name}() made")
        return check_value(result, f"{name or 'a call'}() made")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format``/``format_map`` as the sandbox wraps them, widths checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            if value.__name__ == "format_map":
                _check_format(fmt, (), args[0] if args else {})
            else:
                _check_format(fmt, args, kwargs)
            return typing.cast(str, check_value(wrapped(*args, **kwargs), "format() made"))

        return checked

    def render_file(self, template: Any, context: Any) -> str:
        """``template.render(context)``, refused once the output passes :data:`MAX_OUTPUT`."""
        parts: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateBoundsError(
                    f"output passes the limit of {MAX_OUTPUT} characters per file")
            parts.append(chunk)
        return "".join(parts)


def _bounded_filter(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``fn`` with its size arguments and its result checked (the value itself is not an
    argument: ``{{ 1700000000 | string }}`` is fine, ``center(3000000000)`` is not)."""
    skip = 2 if getattr(fn, "jinja_pass_arg", None) is not None else 1

    @functools.wraps(fn)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        sizes = [abs(a) for a in (*args[skip:], *kwargs.values())
                 if isinstance(a, int) and not isinstance(a, bool)]
        if sizes and max(sizes) > MAX_VALUE:
            raise _refuse(f"the '{name}' filter was given {max(sizes)}")
        if name == "format" and len(args) >= skip and isinstance(args[skip - 1], str):
            _check_percent(args[skip - 1], tuple(args[skip:]) or kwargs)
        return check_value(fn(*args, **kwargs), f"the '{name}' filter made")

    return bounded


_active = threading.local()


@contextmanager
def cpu_deadline(seconds: float = CPU_SECONDS) -> Iterator[None]:
    """Raise :class:`TemplateTimeout` once the block used ``seconds`` of CPU time.

    Uses ``ITIMER_VIRTUAL`` (CPU time of this process, so a loaded machine does not trip
    it). Only the main thread can take signals: elsewhere, or where the platform has no
    interval timers, or inside another deadline, the block runs unbounded by time.
    """
    if (getattr(_active, "on", False) or threading.current_thread() is not threading.main_thread()
            or not hasattr(signal, "setitimer")):
        yield
        return

    def expired(_signum: int, _frame: Any) -> None:
        raise TemplateTimeout(f"the render used more than {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGVTALRM, expired)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    _active.on = True
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
        _active.on = False
