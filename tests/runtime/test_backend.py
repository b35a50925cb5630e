"""Backend choice: argument, environment variable, default, and clear errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lockless import (
    AtomicCounter,
    AtomicFloat,
    AtomicTimestamp,
    BackendError,
    available_backends,
    default_backend,
)
from lockless.runtime.backend import BACKEND_NAMES, ENV_VAR, Backend, get_backend


def run_python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter with ``env`` added; return stdout.

    The runtime never prints, logs or warns, so stderr must stay empty.
    """
    import os

    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""
    return result.stdout.strip()


class TestChoice:
    """Which backend a constructor uses."""

    def test_default_is_the_first_available(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(ENV_VAR, raising=False)

        assert default_backend() == available_backends()[0]
        assert AtomicCounter().backend_name == default_backend()

    def test_pure_python_backends_are_always_available(self) -> None:
        assert {"sharded", "locked"} <= set(available_backends())
        assert set(available_backends()) <= set(BACKEND_NAMES)

    def test_cereggii_is_preferred_when_usable(self) -> None:
        if "cereggii" not in available_backends():
            pytest.skip("cereggii is not installed or re-enables the GIL here")

        assert available_backends()[0] == "cereggii"

    def test_environment_variable_overrides_default(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV_VAR, "locked")

        assert default_backend() == "locked"
        assert AtomicCounter().backend_name == "locked"

    def test_argument_overrides_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(ENV_VAR, "locked")

        assert AtomicCounter(backend="sharded").backend_name == "sharded"

    def test_every_backend_provides_all_three_types(self, backend: str) -> None:
        found = get_backend(backend)

        assert isinstance(found, Backend)
        assert found.name == backend
        assert issubclass(found.counter_type, AtomicCounter)
        assert issubclass(found.register_type, AtomicCounter)
        assert issubclass(found.float_type, AtomicFloat)

    def test_atomics_is_never_imported_unless_asked_for(self) -> None:
        code = (
            "import sys, lockless\n"
            "lockless.available_backends()\n"
            "lockless.AtomicCounter().inc()\n"
            "lockless.AtomicTimestamp().touch()\n"
            "print(sorted(m for m in ('atomics', 'cffi') if m in sys.modules))"
        )

        assert run_python(code) == "[]"

    def test_importing_lockless_loads_no_codemod_dependency(self) -> None:
        code = (
            "import sys, lockless\n"
            "print(sorted(m for m in ('libcst', 'jinja2') if m in sys.modules))"
        )

        assert run_python(code) == "[]"

    def test_runtime_is_silent_and_loads_no_logging(self) -> None:
        code = (
            "import sys, lockless\n"
            "for name in lockless.available_backends():\n"
            "    if name == 'atomics':\n"
            "        continue\n"
            "    c = lockless.AtomicCounter(backend=name)\n"
            "    c.inc(); c.add_and_get(2); c.swap(1); c.load()\n"
            "    lockless.AtomicFloat(backend=name).add(1.5)\n"
            "    lockless.AtomicTimestamp(backend=name).touch()\n"
            "    m = lockless.AtomicCircuitBreakerMetrics(backend=name)\n"
            "    m.record_failure(3); m.snapshot(lockless.BreakerState.OPEN)\n"
            "sys.stdout.write(str('logging' in sys.modules))\n"
        )

        assert run_python(code) == "False"

    def test_fallback_without_cereggii(self) -> None:
        # A meta-path entry that refuses cereggii stands for "not installed".
        code = (
            "import sys\n"
            "class Refuse:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'cereggii':\n"
            "            raise ImportError('cereggii is not installed')\n"
            "sys.meta_path.insert(0, Refuse())\n"
            "import lockless\n"
            "print(lockless.default_backend(), lockless.AtomicCounter().backend_name)"
        )

        assert run_python(code) == "sharded sharded"


class TestErrors:
    """Bad names fail at construction with the name and the valid ones."""

    def test_unknown_name_in_argument(self) -> None:
        with pytest.raises(BackendError) as raised:
            AtomicCounter(backend="lockfree")

        message = str(raised.value)
        assert "'lockfree'" in message
        assert all(repr(name) in message for name in BACKEND_NAMES)

    def test_unknown_name_in_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(ENV_VAR, "fast")

        with pytest.raises(BackendError, match=rf"'fast' \(from \${ENV_VAR}\)"):
            AtomicTimestamp()

    def test_known_but_unusable_name(self) -> None:
        code = (
            "import sys\n"
            "sys.modules['cereggii'] = None\n"
            "import lockless\n"
            "try:\n"
            "    lockless.AtomicCounter(backend='cereggii')\n"
            "except lockless.BackendError as error:\n"
            "    print(error)\n"
        )

        message = run_python(code)
        assert "'cereggii'" in message
        assert "not usable" in message
        assert "'sharded'" in message

    def test_backend_error_is_a_value_error(self) -> None:
        assert issubclass(BackendError, ValueError)
