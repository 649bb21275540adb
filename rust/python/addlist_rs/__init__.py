"""addlist_rs: the exact sum of a list of integers, from a Rust (PyO3) extension module.

>>> from addlist_rs import add
>>> add([1, 2, 3])
6
"""

from __future__ import annotations

from importlib.metadata import version

from ._core import EmptyListError, add

IMPLEMENTATION = "Rust extension (addlist_rs._core)"

__version__ = version("addlist-rs")

__all__ = ["IMPLEMENTATION", "EmptyListError", "__version__", "add"]
