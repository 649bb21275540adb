"""The pure-Python reference implementation of the addList contract.

It is the executable specification that the C and Rust modules are tested against, and
the fallback that ``import addlist`` uses when the compiled module cannot be loaded.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import SupportsIndex

from ._errors import EmptyListError

__all__ = ["EmptyListError", "add"]


def add(values: Iterable[SupportsIndex], /) -> int:
    """Return the exact sum of ``values`` as an ``int``.

    Items may be ``int``, ``bool``, int subclasses or anything with ``__index__``.
    Raises ``EmptyListError`` for an empty input and ``TypeError`` naming the position
    and type of the first item that is not an integer.
    """
    total = 0
    position = -1
    for position, item in enumerate(values):
        if type(item) is int:
            total += item
            continue
        if not hasattr(type(item), "__index__"):
            msg = f"add(): item {position} is {type(item).__name__}, not an integer"
            raise TypeError(msg)
        # int.__int__ turns an int subclass (operator.index returns one on Python 3.9)
        # into an exact int, so an overridden __add__/__radd__ cannot change the sum.
        total += int.__int__(operator.index(item))
    if position < 0:
        msg = "add(): the input is empty, there is nothing to sum"
        raise EmptyListError(msg)
    return total
