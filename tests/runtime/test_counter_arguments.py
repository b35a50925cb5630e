"""What counts as an integer argument, the same on every backend.

Every backend takes what ``cereggii.AtomicInt64`` takes: anything
``operator.index`` accepts, held as a plain ``int``. Anything else raises
``TypeError`` naming the value and changes nothing.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

import pytest

from lockless import AtomicCounter


class Level(enum.IntEnum):
    HIGH = 3


class Count(int):
    pass


class Indexable:
    """Not an int, but usable as one through ``__index__``."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return f"Indexable({self.value})"


# (argument, the plain int it stands for)
INTEGERS = [
    pytest.param(True, 1, id="True"),
    pytest.param(False, 0, id="False"),
    pytest.param(Level.HIGH, 3, id="IntEnum"),
    pytest.param(Count(4), 4, id="int-subclass"),
    pytest.param(Indexable(5), 5, id="__index__"),
]

NON_INTEGERS = [
    pytest.param(1.5, id="float"),
    pytest.param(2.0, id="integral-float"),
    pytest.param("3", id="str"),
    pytest.param(None, id="None"),
    pytest.param(Decimal(2), id="Decimal"),
    pytest.param(Fraction(2, 1), id="Fraction"),
]

Operation = Callable[[AtomicCounter, Any], object]

# Each operation that takes an integer, called with the argument under test.
OPERATIONS: dict[str, Operation] = {
    "add": lambda counter, arg: counter.add(arg),
    "add_and_get": lambda counter, arg: counter.add_and_get(arg),
    "fetch_add": lambda counter, arg: counter.fetch_add(arg),
    "handle.add": lambda counter, arg: counter.handle().add(arg),
    "store": lambda counter, arg: counter.store(arg),
    "swap": lambda counter, arg: counter.swap(arg),
    "compare_and_set new": lambda counter, arg: counter.compare_and_set(10, arg),
    "compare_and_set expected": lambda counter, arg: counter.compare_and_set(arg, 0),
}
ADDING = {"add", "add_and_get", "fetch_add", "handle.add"}

# On cereggii these are the atomic's own C methods (documented in counter.py):
# their error messages are cereggii's, and a None amount counts as 1.
# A handle is the counter itself there.
CEREGGII_BOUND = {"add", "add_and_get", "fetch_add", "handle.add", "store", "swap"}


def expected_value(operation: str, plain: int) -> int:
    """The value a counter starting at 10 holds after ``operation`` with ``plain``."""
    if operation in ADDING:
        return 10 + plain
    if operation == "compare_and_set expected":
        return 0 if plain == 10 else 10
    return plain


class TestIntegersAreTaken:
    @pytest.mark.parametrize("operation", OPERATIONS)
    @pytest.mark.parametrize(("argument", "plain"), INTEGERS)
    def test_operation_takes_it_as_a_plain_int(
        self, backend: str, operation: str, argument: Any, plain: int
    ) -> None:
        counter = AtomicCounter(10, backend=backend)

        OPERATIONS[operation](counter, argument)

        value = counter.load()
        assert value == expected_value(operation, plain)
        assert type(value) is int

    @pytest.mark.parametrize(("argument", "plain"), INTEGERS)
    def test_initial_value_is_a_plain_int(
        self, backend: str, argument: Any, plain: int
    ) -> None:
        value = AtomicCounter(argument, backend=backend).load()

        assert value == plain
        assert type(value) is int

    @pytest.mark.parametrize(("argument", "plain"), INTEGERS)
    def test_compare_and_set_matches_an_equal_integer(
        self, backend: str, argument: Any, plain: int
    ) -> None:
        counter = AtomicCounter(plain, backend=backend)

        assert counter.compare_and_set(argument, 42) is True
        assert counter.load() == 42


class TestOtherValuesAreRefused:
    @pytest.mark.parametrize("operation", OPERATIONS)
    @pytest.mark.parametrize("argument", NON_INTEGERS)
    def test_operation_raises_type_error_and_changes_nothing(
        self, backend: str, operation: str, argument: Any
    ) -> None:
        bound_on_cereggii = backend == "cereggii" and operation in CEREGGII_BOUND
        if bound_on_cereggii and argument is None and operation in ADDING:
            pytest.skip("cereggii's own add methods count a None amount as 1")
        counter = AtomicCounter(10, backend=backend)

        with pytest.raises(TypeError) as raised:
            OPERATIONS[operation](counter, argument)

        assert counter.load() == 10
        if not bound_on_cereggii:
            assert repr(argument) in str(raised.value)

    @pytest.mark.parametrize("argument", NON_INTEGERS)
    def test_initial_value_raises_type_error(self, backend: str, argument: Any) -> None:
        with pytest.raises(TypeError, match="initial value") as raised:
            AtomicCounter(argument, backend=backend)

        assert repr(argument) in str(raised.value)


class TestSameAsCereggii:
    """The rule is cereggii's own, checked against the installed cereggii."""

    @pytest.mark.parametrize(
        "argument",
        [*(p.values[0] for p in INTEGERS), *(p.values[0] for p in NON_INTEGERS)],
    )
    def test_store_accepts_what_cereggii_accepts(
        self, backend: str, argument: Any
    ) -> None:
        cereggii = pytest.importorskip("cereggii")
        atom = cereggii.AtomicInt64(0)
        counter = AtomicCounter(0, backend=backend)

        outcomes: list[object] = []
        for store, load in ((atom.set, atom.get), (counter.store, counter.load)):
            try:
                store(argument)
            except TypeError:
                outcomes.append("TypeError")
            else:
                outcomes.append(load())

        assert outcomes[0] == outcomes[1]
