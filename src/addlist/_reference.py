"""The pure-Python reference implementation of the addList contract.

It is the executable specification that the C and Rust modules are tested against, and
the fallback that ``import addlist`` uses when the compiled module cannot be loaded.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any, SupportsIndex

from ._errors import EmptyListError

__all__ = ["EmptyListError", "add"]


def add(values: Iterable[SupportsIndex], /) -> int:
    """Return the exact sum of ``values`` as an ``int``.

    Items may be ``int``, ``bool``, int subclasses or anything with ``__index__``.
    Raises ``EmptyListError`` for an empty input and ``TypeError`` naming the position
    and type of the first item that is not an integer.
    """
    total = 0
    position = 0
    # Not enumerate(): its result tuple would keep each item alive while the next is read.
    for item in values:
        if type(item) is int:
            total += item
        elif not _has_index(type(item)):
            msg = f"add(): item {position} is {_type_attribute(type(item), '__name__')}, not an integer"
            raise TypeError(msg)
        else:
            # int.__int__ turns an int subclass (operator.index returns one on Python 3.9)
            # into an exact int, so an overridden __add__/__radd__ cannot change the sum.
            total += int.__int__(operator.index(item))
        # Released before the next item is read, as C and Rust do: the item's finalizer
        # (when this was its last reference) may change the list.
        del item
        position += 1
    if position == 0:
        msg = "add(): the input is empty, there is nothing to sum"
        raise EmptyListError(msg)
    return total


def _type_attribute(cls: type, name: str) -> Any:
    """`cls.__name__` (or `__mro__`, `__dict__`) as `type` defines it: an attribute lookup on
    the class would ask its metaclass first, which can answer with anything."""
    return type.__dict__[name].__get__(cls)


def _has_index(cls: type) -> bool:
    """Whether instances of `cls` have `__index__`, as the C API's PyIndex_Check decides:
    from the class and its bases, not its metaclass."""
    for klass in _type_attribute(cls, "__mro__"):
        if "__index__" in _type_attribute(klass, "__dict__"):
            return True
    return False
