"""A file that does not parse is reported at the line Python itself names."""

from __future__ import annotations

import sys

import pytest

from lockless.codemod.transform import rewrite_source
from lockless.exceptions import InvalidInput

HEADER = "import threading\nlock = threading.Lock()\n"


class TestSyntaxErrorLines:
    """InvalidInput carries the line of the error, not where the parser gave up."""

    @pytest.mark.parametrize(
        ("body", "line", "words"),
        [
            ("def f(:\n    pass\n\n\n", 3, "invalid syntax"),
            # Before 3.10 Python itself names the end of the file here.
            ("x = (\n1,\n\n", 3, "never closed")
            if sys.version_info >= (3, 10)
            else ("x = (\n1,\n\n", 5, "unexpected EOF"),
            ("class A:\n    def f(self):\n        pass\n  x = 1\n", 6, "unindent"),
        ],
    )
    def test_line_and_reason(self, body: str, line: int, words: str) -> None:
        code = HEADER + body

        with pytest.raises(InvalidInput) as raised:
            rewrite_source(code, path="broken.py")

        assert raised.value.line == line
        assert str(raised.value).startswith(f"broken.py:{line}: cannot parse:")
        assert words in str(raised.value)
