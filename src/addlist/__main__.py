"""``python -m addlist``: what to paste into a bug report."""

from __future__ import annotations

import platform
import sys
import sysconfig

import addlist


def report() -> list[str]:
    """The lines of the report: package, active implementation, build and interpreter."""
    lines = [f"addlist {addlist.__version__}", f"implementation: {addlist.IMPLEMENTATION}"]
    if addlist.COMPILED_MODULE_ERROR is None:
        from addlist import _core  # noqa: PLC0415 - importable only when the build loaded

        lines += [
            f"compiled for: CPython {_core.BUILT_FOR}",
            f"limited API (abi3) build: {'yes' if _core.LIMITED_API else 'no'}",
            f"free-threaded build: {'yes' if _core.FREE_THREADED_BUILD else 'no'}",
        ]
    else:
        lines.append(f"compiled module not loaded: {addlist.COMPILED_MODULE_ERROR}")
    gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    lines += [
        f"python: {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        (
            f"free-threaded interpreter: {'yes' if sysconfig.get_config_var('Py_GIL_DISABLED') else 'no'}"
            f" (GIL {'enabled' if gil_enabled else 'disabled'})"
        ),
        f"platform: {platform.platform()} {platform.machine()}",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(report()))
