"""The size bounds of ARCHITECTURE.md, held for every module of src/agentctl.

A module fits on a few screens (at most :data:`MODULE_LINES` lines); a function does one
thing (at most :data:`FUNCTION_LINES` lines besides its docstring, cyclomatic complexity at most
:data:`COMPLEXITY`, as radon counts it: radon grade C is 11-20).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from radon.complexity import cc_visit

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "agentctl"
MODULE_LINES = 400
FUNCTION_LINES = 60
COMPLEXITY = 15
MODULES = sorted(PACKAGE.rglob("*.py"))


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of ``node`` from its ``def`` to its end, its docstring left out."""
    assert node.end_lineno is not None
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str) and first.end_lineno is not None):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_module_fits_on_a_few_screens(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MODULE_LINES, f"{_name(path)} has {lines} lines (bound {MODULE_LINES})"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_functions_stay_small(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    too_long = [
        f"{node.name} ({_code_lines(node)} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _code_lines(node) > FUNCTION_LINES
    ]
    too_complex = [
        f"{block.fullname} (complexity {block.complexity})"
        for block in cc_visit(source)
        if block.complexity > COMPLEXITY and not hasattr(block, "methods")
    ]
    assert not too_long + too_complex, f"{_name(path)}: " + ", ".join(too_long + too_complex)


def test_the_bound_check_sees_a_big_function() -> None:
    body = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(COMPLEXITY + 1))
    blocks = cc_visit(f"def f(x):\n{body}\n    return -1\n")
    assert blocks[0].complexity > COMPLEXITY
