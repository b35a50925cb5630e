"""Which amounts are known to be ints, and which names in a method only hold ints."""

from __future__ import annotations

import libcst as cst
import pytest

from lockless.codemod.int_amounts import int_names, is_int

METHOD = """\
def record(self, items, n: int, k=3, f: float = 1, x=0.5, *rest, **extra):
    errors = 0
    for item in items:
        errors += 1
    size = len(items)
    mixed = 0
    mixed += 0.5
    scaled = 0
    scaled *= 2
    a, b = 1, 2
    later = 1
    later = n / 2
"""


def _names() -> set[str]:
    function = cst.parse_module(METHOD).body[0]
    assert isinstance(function, cst.FunctionDef)
    return int_names(function)


def test_int_names_are_int_parameters_and_int_only_locals() -> None:
    assert _names() == {"n", "k", "errors", "size"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("1", True),
        ("-errors", True),
        ("size * n + k - 1", True),
        ("len(items)", True),
        ("(errors + 2) * 3", True),
        ("x", False),
        ("errors / 2", False),
        ("0.5", False),
        ("int(x)", False),
        ("self.other", False),
        ("errors + f", False),
        ("len(*items)", False),
    ],
)
def test_is_int(code: str, expected: bool) -> None:
    assert is_int(cst.parse_expression(code), _names()) is expected
