from collections.abc import Iterable
from typing import SupportsIndex

from ._errors import EmptyListError as EmptyListError

LIMITED_API: bool
FREE_THREADED_BUILD: bool
BUILT_FOR: str

def add(values: Iterable[SupportsIndex], /) -> int: ...
