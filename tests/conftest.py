"""One test suite for every implementation of the addList contract.

Every test that takes the ``impl`` fixture runs once per implementation selected with
``--implementations`` (default: all three). An implementation that was asked for but
cannot be imported fails the run: it is never skipped in silence.
"""

from __future__ import annotations

import importlib

import pytest
from hypothesis import settings
from support import Implementation

# QEMU-emulated and debug runs are slow: no per-example deadline, a fixed example count.
settings.register_profile("addlist", deadline=None, max_examples=300)
settings.load_profile("addlist")


#: name -> the module that holds add(), and how to install it
MODULES: dict[str, tuple[str, str]] = {
    "c": ("addlist._core", "pip install .  (needs a C compiler)"),
    "rust": ("addlist_rs._core", "pip install ./rust  (needs cargo)"),
    "reference": ("addlist._reference", "pip install .  (it ships in the addlist package)"),
    # The addlist package as its pure-Python wheel installs it: no compiled module at all.
    "pure": ("addlist", "pip install addlist-<version>-py3-none-any.whl"),
}
#: What runs when --implementations is not given: everything a source checkout builds.
DEFAULT_IMPLEMENTATIONS = "c,rust,reference"
#: name -> package, distribution, has a pure-Python fallback
PACKAGING: dict[str, tuple[str | None, str | None, bool]] = {
    "c": ("addlist", "addlist", True),
    "rust": ("addlist_rs", "addlist-rs", False),
    "reference": (None, None, False),
    "pure": ("addlist", "addlist", False),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--implementations",
        default=DEFAULT_IMPLEMENTATIONS,
        help=f"comma-separated implementations to test, from: {', '.join(MODULES)} "
        "(default: %(default)s)",
    )


def selected_names(config: pytest.Config) -> list[str]:
    names = [name.strip() for name in str(config.getoption("--implementations")).split(",")]
    unknown = sorted(set(names) - set(MODULES))
    if unknown:
        msg = f"--implementations: unknown {unknown}; choose from {', '.join(MODULES)}"
        raise pytest.UsageError(msg)
    return names


def load(name: str) -> Implementation:
    module_name, how_to_install = MODULES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        msg = (
            f"the {name!r} implementation was asked for but `import {module_name}` failed "
            f"({error}). Install it ({how_to_install}), or leave it out with "
            f"--implementations."
        )
        raise pytest.UsageError(msg) from error
    if name == "pure" and module.COMPILED_MODULE_ERROR is None:
        msg = (
            "the 'pure' implementation was asked for, but this addlist has its compiled "
            "module: install the pure-Python wheel (py3-none-any) to test it"
        )
        raise pytest.UsageError(msg)
    return Implementation(name, module, *PACKAGING[name], compiled=name != "pure")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[LOADED] = [load(name) for name in selected_names(config)]


LOADED = pytest.StashKey[list[Implementation]]()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    loaded = metafunc.config.stash[LOADED]
    if "impl" in metafunc.fixturenames:
        metafunc.parametrize("impl", loaded, ids=[i.name for i in loaded])
    if "packaged" in metafunc.fixturenames:
        packaged = [i for i in loaded if i.package is not None]
        metafunc.parametrize("packaged", packaged, ids=[i.name for i in packaged])
    if "with_fallback" in metafunc.fixturenames:
        with_fallback = [i for i in loaded if i.has_fallback]
        metafunc.parametrize("with_fallback", with_fallback, ids=[i.name for i in with_fallback])
