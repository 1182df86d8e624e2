"""Bounds on templates: what a render may make and how long it may run.

Byte-identical output below the bounds is held by ``tests/render/test_copier_engine.py``,
which renders the copier corpus through this environment and real Copier.
"""

from __future__ import annotations

import pytest

from agentctl.support.jinja_bounds import (
    MAX_LOOP_ITEMS,
    MAX_OUTPUT,
    MAX_VALUE,
    BoundedEnvironment,
    TemplateBoundsError,
    TemplateTimeout,
    cpu_deadline,
)


def render(source: str, **context: object) -> str:
    env = BoundedEnvironment(keep_trailing_newline=True)
    return env.render_file(env.from_string(source), context)


@pytest.mark.parametrize(("source", "says"), [
    ("{{ 'x' * 3000000000 }}", "'*' would make 3000000000"),
    ("{{ [0] * 3000000000 }}", "'*' would make 3000000000"),
    ("{% set ns = namespace(s='x' * 9000000) %}{{ ns.s + ns.s }}", "'+' would make"),
    ("{% set s = 'x' * 9000000 %}{{ s ~ s }}", "'~' made"),
    ("{{ 'x'|center(3000000000) }}", "'center' filter was given 3000000000"),
    ("{{ [1, 2]|slice(3000000000)|list }}", "'slice' filter was given"),
    ("{{ 'x'.ljust(3000000000) }}", "ljust(3000000000)"),
    ("{{ 'x'.zfill(3000000000) }}", "zfill(3000000000)"),
    ("{{ '%3000000000s' % 'x' }}", "'%' width of 3000000000"),
    ("{{ '%*s' % (3000000000, 'x') }}", "'%*' width"),
    ("{{ '%3000000000s'|format('x') }}", "'%' width of 3000000000"),
    ("{{ '{:>3000000000}'.format('x') }}", "format width of 3000000000"),
    ("{{ '{:>{w}}'.format('x', w=3000000000) }}", "format width from an argument"),
    ("{{ 10 ** 1000000 }}", "too large to write"),
    ("{% set l = [1] %}{% for i in range(40) %}{{ l.extend(l) }}{% endfor %}", "extend()"),
])
def test_values_over_the_bound_are_refused_before_they_are_made(source: str,
                                                                 says: str) -> None:
    with pytest.raises(TemplateBoundsError) as info:
        render(source)
    assert says in str(info.value)
    assert str(MAX_VALUE) in str(info.value) or "too large" in str(info.value)


@pytest.mark.parametrize("source", [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% set r = range(100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
    "{% set s = 'x' * 2000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
])
def test_nested_loops_stop_at_the_loop_budget(source: str) -> None:
    with pytest.raises(TemplateBoundsError, match=f"more than {MAX_LOOP_ITEMS} times"):
        render(source)


def test_the_loop_budget_is_per_render() -> None:
    env = BoundedEnvironment()
    template = env.from_string(
        "{% for i in range(6) %}{% for j in range(100000) %}{% endfor %}{% endfor %}done")
    assert env.render_file(template, {}) == "done"
    env.reset_budget()
    assert env.render_file(template, {}) == "done"  # a second agent's render starts afresh
    with pytest.raises(TemplateBoundsError):
        env.render_file(template, {})  # without a reset, the two renders share one budget


def test_output_is_bounded_per_file() -> None:
    with pytest.raises(TemplateBoundsError, match=f"limit of {MAX_OUTPUT} characters"):
        render("{% for i in range(20000) %}{{ 'x' * 1000 }}{% endfor %}")


def test_ordinary_templates_render_as_in_the_plain_sandbox() -> None:
    from jinja2.sandbox import SandboxedEnvironment

    source = ("{% for i in range(3) %}{{ i }}/{{ loop.length }}/{{ loop.revindex }} "
              "{% else %}none{% endfor %}{{ '%5s|' % 'a' }}{{ '{:>4}'.format(7) }}"
              "{{ 1700000000|string }}{{ range(3)|list }}{{ 'a' ~ 'b' }}{{ [1] + [2] }}"
              "{{ 2 ** 10 }}{{ 'x'|center(5) }}{% for k, v in d|dictsort %}{{ k }}={{ v }}"
              "{% endfor %}{% for c in 'ab' if c != 'a' %}{{ c }}{% endfor %}\n")
    context = {"d": {"b": 2, "a": 1}}
    plain = SandboxedEnvironment(keep_trailing_newline=True).from_string(source)
    assert render(source, **context) == plain.render(context)


def test_the_sandbox_still_refuses_python_internals() -> None:
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        render("{{ ''.__class__.__mro__ }}")


def test_cpu_deadline_stops_a_busy_render() -> None:
    env = BoundedEnvironment()
    template = env.from_string(
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}")
    with pytest.raises(TemplateTimeout), cpu_deadline(0.2):
        env.render_file(template, {})
