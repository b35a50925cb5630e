"""The rewrite_source contract: errors, unchanged input, and the safety net."""

from __future__ import annotations

import pytest

from lockless.codemod import transform
from lockless.codemod.sites import Outcome, RewriteOptions
from lockless.exceptions import InvalidInput, RewriteFailed

COUNTER = (
    "import threading\n\n\n"
    "class C:\n"
    "    def __init__(self):\n"
    "        self._lock = threading.Lock()\n"
    "        self._n = 0\n\n"
    "    def hit(self):\n"
    "        with self._lock:\n"
    "            self._n += 1\n"
)


class TestContract:
    """What rewrite_source returns and raises."""

    def test_code_that_does_not_parse_is_invalid_input_with_its_line(self) -> None:
        with pytest.raises(InvalidInput) as raised:
            transform.rewrite_source("x = 1\ndef broken(:\n", path="bad.py")

        assert raised.value.line == 2
        assert "bad.py" in str(raised.value)

    def test_unchanged_code_is_the_same_object(self) -> None:
        code = "import threading\n\nlock = threading.Lock()\n"

        result = transform.rewrite_source(code)

        assert result.code is code
        assert result.sites == ()

    def test_sites_carry_the_path(self) -> None:
        result = transform.rewrite_source(COUNTER, path="pkg/mod.py")

        assert [s.describe().split(":")[0] for s in result.sites] == ["pkg/mod.py"]
        assert result.sites[0].outcome is Outcome.REWRITTEN

    def test_runtime_module_option_names_the_import(self) -> None:
        options = RewriteOptions(runtime_module="vendored.lockless")

        result = transform.rewrite_source(COUNTER, options=options)

        assert "from vendored.lockless import AtomicCounter" in result.code


class TestSafetyNet:
    """A rewrite that would not parse or not be stable is never returned."""

    def test_unstable_rewrite_raises(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = transform._rewrite_once
        calls = []

        def drifting(module, path, options):  # type: ignore[no-untyped-def]
            code, sites = real(module, path, options)
            calls.append(code)
            return code + f"# pass {len(calls)}\n", sites

        monkeypatch.setattr(transform, "_rewrite_once", drifting)

        with pytest.raises(RewriteFailed, match="second rewrite"):
            transform.rewrite_source(COUNTER)

    def test_rewrite_that_does_not_compile_raises(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(
            transform, "_rewrite_once", lambda module, path, options: ("def (:\n", [])
        )

        with pytest.raises(RewriteFailed, match="does not parse"):
            transform.rewrite_source(COUNTER)
