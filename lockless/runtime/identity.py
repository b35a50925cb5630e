"""``IdentityField``: an attribute set once at construction, then read-only.

Pattern 3 stats carry a field such as a worker id that is written in the
constructor and never again; the object is then shared with worker threads.
Declaring it an ``IdentityField`` makes that rule checked: the first
assignment stores the value, any later assignment or ``del`` raises
``AttributeError``. Reads are a plain attribute lookup and need no lock,
because the value never changes after the object is published.

The value is kept in the instance under ``_identity_<name>``; a class with
``__slots__`` must list that name.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class IdentityField(Generic[T]):
    """A descriptor for a write-once attribute: ``worker_id = IdentityField[str]()``."""

    __slots__ = ("_name", "_storage")

    def __init__(self) -> None:
        self._name = "<unbound>"
        self._storage = "_identity_unbound"

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        self._storage = f"_identity_{name}"

    @overload
    def __get__(self, instance: None, owner: type) -> IdentityField[T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object | None, owner: type) -> IdentityField[T] | T:
        if instance is None:
            return self
        try:
            value: T = getattr(instance, self._storage)
        except AttributeError:
            raise AttributeError(
                f"identity field {self._name!r} of {type(instance).__name__} "
                "was never set; set it in the constructor"
            ) from None
        return value

    def __set__(self, instance: object, value: T) -> None:
        if hasattr(instance, self._storage):
            raise AttributeError(
                f"identity field {self._name!r} of {type(instance).__name__} is "
                f"read-only once set (it is {getattr(instance, self._storage)!r}; "
                f"refused {value!r})"
            )
        object.__setattr__(instance, self._storage, value)

    def __delete__(self, instance: Any) -> None:
        raise AttributeError(
            f"identity field {self._name!r} of {type(instance).__name__} "
            "cannot be deleted"
        )
