"""One test suite for every implementation of the addList contract.

Every test that takes the ``impl`` fixture runs once per implementation selected with
``--implementations`` (default: all three). An implementation that was asked for but
cannot be imported fails the run: it is never skipped in silence.
"""

from __future__ import annotations

import importlib
import os

import pytest
from hypothesis import settings
from support import Implementation

from core.distributions import IMPLEMENTATIONS, SCOPE_VARIABLE, SuiteScope

#: The wheel factory and the release workflow ask for the `emulated` scope under QEMU, and
#: their reports say so.
TEST_SCOPE = pytest.StashKey[SuiteScope]()


def chosen_scope() -> SuiteScope:
    value = os.environ.get(SCOPE_VARIABLE, SuiteScope.FULL.value)
    try:
        return SuiteScope(value)
    except ValueError:
        choices = ", ".join(scope.value for scope in SuiteScope)
        msg = f"{SCOPE_VARIABLE}={value!r}: choose from {choices}"
        raise pytest.UsageError(msg) from None


#: What runs when --implementations is not given: everything a source checkout builds.
DEFAULT_IMPLEMENTATIONS = "c,rust,reference"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--implementations",
        default=DEFAULT_IMPLEMENTATIONS,
        help=f"comma-separated implementations to test, from: {', '.join(IMPLEMENTATIONS)} "
        "(default: %(default)s)",
    )


def selected_names(config: pytest.Config) -> list[str]:
    names = [name.strip() for name in str(config.getoption("--implementations")).split(",")]
    unknown = sorted(set(names) - set(IMPLEMENTATIONS))
    if unknown:
        msg = f"--implementations: unknown {unknown}; choose from {', '.join(IMPLEMENTATIONS)}"
        raise pytest.UsageError(msg)
    return names


def load(name: str) -> Implementation:
    spec = IMPLEMENTATIONS[name]
    try:
        module = importlib.import_module(spec.module)
    except ImportError as error:
        msg = (
            f"the {name!r} implementation was asked for but `import {spec.module}` failed "
            f"({error}). Install it ({spec.install}), or leave it out with --implementations."
        )
        raise pytest.UsageError(msg) from error
    if not spec.compiled and module.COMPILED_MODULE_ERROR is None:
        msg = (
            "the 'pure' implementation was asked for, but this addlist has its compiled "
            "module: install the pure-Python wheel (py3-none-any) to test it"
        )
        raise pytest.UsageError(msg)
    return Implementation(spec, module)


def pytest_configure(config: pytest.Config) -> None:
    scope = config.stash[TEST_SCOPE] = chosen_scope()
    # Emulated and debug builds are slow: no per-example deadline, a fixed example count.
    settings.register_profile("addlist", deadline=None, max_examples=scope.examples)
    settings.load_profile("addlist")
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


def pytest_report_header(config: pytest.Config) -> str:
    scope = config.stash[TEST_SCOPE]
    return f"test scope: {scope.value} ({scope.description})"


def runs_python_source(item: pytest.Item) -> bool:
    """Whether a test is parametrized with an implementation that is Python source."""
    params = getattr(item, "callspec", None)
    values = params.params.values() if params is not None else ()
    return any(isinstance(v, Implementation) and v.spec.python_source for v in values)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselects what the scope leaves out (pytest's summary counts them as deselected)."""
    scope = config.stash[TEST_SCOPE]
    compiled = any(not i.spec.python_source for i in config.stash[LOADED])
    left_out = [
        item
        for item in items
        if scope.leaves_out(
            slow=item.get_closest_marker("slow") is not None,
            python_source_beside_compiled=compiled and runs_python_source(item),
        )
    ]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
