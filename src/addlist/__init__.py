"""addlist: the exact sum of a list of integers, from a C extension module.

>>> from addlist import add
>>> add([1, 2, 3])
6
"""

from __future__ import annotations

from importlib.metadata import version

from ._errors import EmptyListError

try:
    from ._core import add

    IMPLEMENTATION = "C extension (addlist._core)"
    #: Why the compiled module could not be imported, or None when it was.
    COMPILED_MODULE_ERROR: str | None = None
except ImportError as error:  # a platform with no binary wheel, or a broken build
    from ._reference import add

    IMPLEMENTATION = "pure Python (addlist._reference)"
    COMPILED_MODULE_ERROR = f"{type(error).__name__}: {error}"

__version__ = version("addlist")

__all__ = ["COMPILED_MODULE_ERROR", "IMPLEMENTATION", "EmptyListError", "__version__", "add"]
