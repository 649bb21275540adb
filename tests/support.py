"""Item types that exercise the contract: integers that are not ``int``, and traps."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, SupportsIndex

from core import distributions


@dataclass(frozen=True)
class Implementation:
    """One implementation of the contract (core.distributions.IMPLEMENTATIONS), loaded."""

    spec: distributions.Implementation
    module: ModuleType

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def package(self) -> str | None:
        """The package users import (it has ``__version__`` and ``python -m``), if any."""
        return distributions.package_of(self.spec)

    @property
    def distribution(self) -> str | None:
        return self.spec.distribution

    @property
    def has_fallback(self) -> bool:
        return self.spec.has_fallback

    @property
    def compiled(self) -> bool:
        return self.spec.compiled

    @property
    def add(self) -> Callable[[Iterable[Any]], int]:
        return self.module.add  # type: ignore[no-any-return]

    @property
    def empty_list_error(self) -> type[ValueError]:
        return self.module.EmptyListError  # type: ignore[no-any-return]


def expected_sum(values: Iterable[SupportsIndex]) -> int:
    """The contract's definition of the result: the sum of the items' int values.

    On Python 3.9 operator.index() returns an int subclass unchanged, and summing it would
    call its own __add__/__radd__; int.__index__ takes the plain int value first.
    """
    return sum(int.__index__(operator.index(value)) for value in values)


class Index:
    """Not an int, but usable as one: it has ``__index__``."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return f"Index({self.value})"


class MyInt(int):
    """An int subclass that lies about arithmetic: only its int value may count."""

    def __add__(self, other: object) -> int:
        return 1000

    def __radd__(self, other: object) -> int:
        return 1000

    def __int__(self) -> int:
        return 1000


class NotAnInteger:
    """Has no ``__index__``."""


class IndexError_(Exception):
    """Raised from an ``__index__`` method."""


class RaisingIndex:
    """Its ``__index__`` raises; the exception must propagate unchanged."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __index__(self) -> int:
        raise self.error


class Mutating:
    """An item whose ``__index__`` first does something to the container being summed."""

    def __init__(self, value: int, action: Callable[[], object]) -> None:
        self.value = value
        self.action = action

    def __index__(self) -> int:
        self.action()
        return self.value
