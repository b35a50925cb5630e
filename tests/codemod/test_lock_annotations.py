"""A bare class-level annotation of a lock goes with the lock, and only then."""

from __future__ import annotations

import libcst as cst

from lockless.codemod import transform
from lockless.codemod.locks import lock_annotations

STATS_OWNER = """\
import dataclasses
from threading import RLock


@dataclasses.dataclass
class Stats:
    hits: int = 0

    def copy(self):
        return dataclasses.replace(self)


class Tracker:
    _lock: RLock
    _name: str

    def __init__(self):
        self._name = "tracker"
        self._lock = RLock()
        self._stats = Stats()

    def hit(self):
        with self._lock:
            self._stats.hits += 1

    def stats(self):
        with self._lock:
            return self._stats.copy()
"""


def _class(code: str) -> cst.ClassDef:
    statement = cst.parse_module(code).body[0]
    assert isinstance(statement, cst.ClassDef)
    return statement


class TestLockAnnotations:
    """Which statements of a class body declare a lock attribute."""

    def test_only_bare_annotations_of_that_name_in_the_class_body(self) -> None:
        owner = _class(
            "class C:\n"
            "    _lock: Lock\n"
            "    _other: Lock\n"
            "    _lock2: Lock = Lock()\n"
            "    def f(self):\n"
            "        _lock: Lock\n"
        )

        first = owner.body.body[0]
        assert isinstance(first, cst.SimpleStatementLine)

        found = lock_annotations(owner, "_lock")

        assert len(found) == 1
        assert found[0] is first.body[0]

    def test_a_class_without_the_annotation_has_none(self) -> None:
        owner = _class("class C:\n    _lock = Lock()\n")

        assert lock_annotations(owner, "_lock") == []


class TestStatsObjectOwner:
    """The stats-object rewrite drops the annotation and the unused import."""

    def test_annotation_and_lock_import_are_removed(self) -> None:
        result = transform.rewrite_source(STATS_OWNER)

        assert "_lock: RLock" not in result.code
        assert "RLock" not in result.code
        assert "    _name: str\n" in result.code

    def test_everything_else_is_kept_as_written(self) -> None:
        result = transform.rewrite_source(STATS_OWNER)

        assert "class Tracker:\n    _name: str\n\n    def __init__" in result.code
        assert 'self._name = "tracker"\n' in result.code
