from collections.abc import Iterable
from typing import SupportsIndex

class EmptyListError(ValueError): ...

LIMITED_API: bool
FREE_THREADED_BUILD: bool
BUILT_FOR: str
INLINE_INT_DECODE: bool

def add(values: Iterable[SupportsIndex], /) -> int: ...
