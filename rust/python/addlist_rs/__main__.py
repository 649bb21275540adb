"""``python -m addlist_rs``: what to paste into a bug report."""

from __future__ import annotations

import platform
import sys
import sysconfig

import addlist_rs
from addlist_rs import _core


def report() -> list[str]:
    """The lines of the report: package, implementation, build and interpreter."""
    gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    return [
        f"addlist-rs {addlist_rs.__version__}",
        f"implementation: {addlist_rs.IMPLEMENTATION}",
        f"compiled for: CPython {_core.BUILT_FOR}",
        f"limited API (abi3) build: {'yes' if _core.LIMITED_API else 'no'}",
        f"free-threaded build: {'yes' if _core.FREE_THREADED_BUILD else 'no'}",
        f"inline int decoding: {'yes' if _core.INLINE_INT_DECODE else 'no'}",
        f"python: {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        (
            f"free-threaded interpreter: {'yes' if sysconfig.get_config_var('Py_GIL_DISABLED') else 'no'}"
            f" (GIL {'enabled' if gil_enabled else 'disabled'})"
        ),
        f"platform: {platform.platform()} {platform.machine()}",
    ]


if __name__ == "__main__":
    print("\n".join(report()))
