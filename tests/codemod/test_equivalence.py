"""Any sequence of calls gives the same answers before and after the rewrite."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import ModuleType

import pytest
from golden_cases import load, rewrite
from hypothesis import given, settings
from hypothesis import strategies as st

SOURCE = """\
import copy
import threading
from dataclasses import dataclass


@dataclass
class Stats:
    ok: int = 0
    failed: int = 0
    bytes_sent: int = 0
    queued: int = 0


class Owner:
    def __init__(self, start=0):
        self._lock = threading.Lock()
        self._stats = Stats()
        self._pending = []
        self._seq_lock = threading.RLock()
        self._seq = start
        self._level = 0.0

    def done(self, ok, size: int):
        with self._lock:
            if ok:
                self._stats.ok += 1
            else:
                self._stats.failed += 1
            self._stats.bytes_sent += size

    def next_id(self):
        with self._seq_lock:
            self._seq += 1
            return self._seq

    def give_back(self, n: int):
        with self._seq_lock:
            self._seq -= n

    def level(self, x):
        with self._seq_lock:
            self._level += x

    def stats(self):
        with self._lock:
            self._stats.queued = len(self._pending)
            return copy.copy(self._stats)

    def reading(self):
        return self._seq, self._level
"""

CALLS = st.lists(
    st.one_of(
        st.tuples(st.just("done"), st.booleans(), st.integers(0, 1000)),
        st.tuples(st.just("next_id")),
        st.tuples(st.just("give_back"), st.integers(-5, 5)),
        st.tuples(st.just("level"), st.sampled_from([0.5, -0.25, 1.0, 2.0])),
        st.tuples(st.just("stats")),
        st.tuples(st.just("reading")),
    ),
    max_size=40,
)


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, ModuleType]:
    folder: Path = tmp_path_factory.mktemp("equivalence")
    rewritten, sites = rewrite(SOURCE, "owner.py")
    assert [s.outcome.value for s in sites] == ["rewritten", "rewritten"]
    (folder / "original.py").write_text(SOURCE)
    (folder / "rewritten.py").write_text(rewritten)
    return (
        load(folder / "original.py", "equivalence_original"),
        load(folder / "rewritten.py", "equivalence_rewritten"),
    )


def _answers(
    module: ModuleType, start: int, calls: list[tuple[object, ...]]
) -> list[object]:
    owner = module.Owner(start)
    answers: list[object] = []
    for name, *args in calls:
        answer = getattr(owner, str(name))(*args)
        if dataclasses.is_dataclass(answer):
            answer = (type(answer).__name__, dataclasses.asdict(answer))
        answers.append(answer)
    return answers


class TestSequentialEquivalence:
    """One thread, random calls: every answer of the rewrite equals the original's."""

    @settings(max_examples=60, deadline=None)
    @given(start=st.integers(-100, 100), calls=CALLS)
    def test_same_answers(
        self,
        modules: tuple[ModuleType, ModuleType],
        start: int,
        calls: list[tuple[object, ...]],
    ) -> None:
        original, rewritten = modules

        assert _answers(rewritten, start, calls) == _answers(original, start, calls)
