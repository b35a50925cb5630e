"""Lock detection: which class attributes hold a lock, through any import style."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lockless.codemod.locks import find_class_locks


def _locks(code: str) -> dict[str, list[tuple[str, str, bool, bool]]]:
    module = cst.parse_module(textwrap.dedent(code))
    return {
        name: [
            (lock.name, lock.kind, lock.on_class, lock.supplied_by_caller)
            for lock in owner.locks.values()
        ]
        for name, owner in find_class_locks(module).items()
    }


class TestImportStyles:
    """The factory is resolved through imports, not matched by its name."""

    @pytest.mark.parametrize(
        ("imports", "call"),
        [
            ("import threading", "threading.Lock()"),
            ("import threading as th", "th.Lock()"),
            ("from threading import Lock", "Lock()"),
            ("from threading import Lock as L", "L()"),
        ],
    )
    def test_lock_found(self, imports: str, call: str) -> None:
        method = f"    def __init__(self):\n        self._lock = {call}\n"
        code = f"{imports}\n\nclass C:\n{method}"

        found = _locks(code)

        assert found == {"C": [("_lock", "Lock", False, False)]}

    def test_rlock_and_asyncio_lock(self) -> None:
        found = _locks(
            """
            import asyncio
            from threading import RLock

            class C:
                def __init__(self):
                    self._r = RLock()
                    self._a = asyncio.Lock()
            """
        )

        assert found == {
            "C": [("_r", "RLock", False, False), ("_a", "asyncio.Lock", False, False)]
        }

    def test_a_local_function_named_lock_is_not_a_lock(self) -> None:
        found = _locks(
            """
            def Lock():
                return object()

            class C:
                def __init__(self):
                    self._lock = Lock()
            """
        )

        assert found == {}


class TestWhereTheLockComesFrom:
    """Class attributes and caller-supplied locks are told apart."""

    def test_class_attribute(self) -> None:
        found = _locks(
            """
            from threading import Lock

            class C:
                __guard = Lock()
            """
        )

        assert found == {"C": [("__guard", "Lock", True, False)]}

    def test_default_or_annotated_parameter_is_supplied_by_the_caller(self) -> None:
        found = _locks(
            """
            import threading

            class C:
                def __init__(self, lock: threading.RLock, other=None):
                    self._lock = lock
                    self._other = other or threading.Lock()
            """
        )

        assert found == {
            "C": [("_lock", "RLock", False, True), ("_other", "Lock", False, True)]
        }
