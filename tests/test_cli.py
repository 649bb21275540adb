"""``python -m addlist`` / ``python -m addlist_rs``, and the pure-Python fallback."""

from __future__ import annotations

import importlib
import subprocess
import sys
import sysconfig

from support import Implementation


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def report_of(package: str, *, block_compiled_module: bool = False) -> dict[str, str]:
    block = f"sys.modules[{package + '._core'!r}] = None; " if block_compiled_module else ""
    out = run_python(
        f"import runpy, sys; {block}runpy.run_module({package!r}, run_name='__main__')"
    )
    lines = out.splitlines()
    report = dict(line.split(": ", 1) for line in lines[1:])
    report["title"] = lines[0]
    return report


def test_report_describes_the_build(packaged: Implementation) -> None:
    assert packaged.package is not None
    package = importlib.import_module(packaged.package)
    report = report_of(packaged.package)
    assert report["title"] == f"{packaged.distribution} {package.__version__}"
    assert report["implementation"] == package.IMPLEMENTATION
    assert sys.executable in report["python"]
    if not packaged.compiled:
        assert report["implementation"] == "pure Python (addlist._reference)"
        assert "No module named 'addlist._core'" in report["compiled module not loaded"]
        return
    core = packaged.module
    expected_built_for = "3.9" if core.LIMITED_API else "{}.{}".format(*sys.version_info)
    assert report["compiled for"] == f"CPython {expected_built_for}"
    assert report["limited API (abi3) build"] == ("yes" if core.LIMITED_API else "no")
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert report["free-threaded build"] == ("yes" if free_threaded else "no")
    assert report["free-threaded interpreter"].startswith("yes" if free_threaded else "no")


def test_import_falls_back_to_pure_python(with_fallback: Implementation) -> None:
    package = str(with_fallback.package)
    out = run_python(
        f"import sys; sys.modules[{package + '._core'!r}] = None\n"
        f"import {package}\n"
        f"print({package}.IMPLEMENTATION); print({package}.add([1, 2, 2**70]))\n"
        f"print({package}.add.__module__)"
    )
    assert out.splitlines() == [
        f"pure Python ({package}._reference)",
        str(3 + 2**70),
        f"{package}._reference",
    ]
    report = report_of(package, block_compiled_module=True)
    assert report["implementation"] == f"pure Python ({package}._reference)"
    assert "import of addlist._core halted" in report["compiled module not loaded"]
