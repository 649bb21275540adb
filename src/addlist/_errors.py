"""The exception shared by every implementation in the ``addlist`` distribution."""

from __future__ import annotations

__all__ = ["EmptyListError"]


class EmptyListError(ValueError):
    """Raised by ``add()`` when its input holds no items.

    Unlike ``sum([]) == 0``, an empty input is an error: there is no sum to report.
    """

    __module__ = "addlist"
