"""The registry of what this repository ships: its distributions and the implementations of the
contract they hold. The noxfile, the pipeline (core, factory, release), the shared test suite
and the benchmark all read these facts here; scripts/tests/test_registry.py fails where a
second copy of one of them can be detected.

Standard library only, and runs on Python 3.9 (annotations stay unevaluated): the shared suite imports this module inside
cibuildwheel's test environments (it is one of the `test-sources`), on every interpreter a
wheel is tested on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

#: The oldest CPython every distribution supports, and the one its Limited-API (abi3) wheel is
#: built for. The files that cannot import it (both pyproject.toml's `requires-python`,
#: Cargo.toml's `abi3-py39` feature, CMakeLists.txt) are checked against it.
PYTHON_FLOOR = (3, 9)
ABI3_FLOOR = "cp{}{}".format(*PYTHON_FLOOR)
REQUIRES_PYTHON = ">={}.{}".format(*PYTHON_FLOOR)
#: The compiled module's name inside each package.
EXTENSION_NAME = "_core"


@dataclass(frozen=True)
class Distribution:
    """One distribution on PyPI, and how it is built."""

    #: Its name on PyPI.
    name: str
    #: The folder of its pyproject.toml (whose [tool.cibuildwheel] table builds it), relative
    #: to the repository root.
    folder: str
    #: The package users import.
    package: str
    #: The environment that asks its build backend for the Limited-API (abi3) wheel.
    abi3_environment: Mapping[str, str]
    #: The package's files in every wheel, besides its one extension module (`_core.*`).
    package_files: frozenset[str]
    #: Files its sdist must hold to build without the rest of the repository.
    sdist_files: frozenset[str]
    #: What the shared suite runs against when only this distribution is installed (the
    #: wheel tests' `--implementations`).
    implementations: tuple[str, ...]

    @property
    def extension(self) -> str:
        """The compiled module, the same name in both distributions."""
        return f"{self.package}.{EXTENSION_NAME}"

    def extension_files(self, file_names: Iterable[str]) -> set[str]:
        """Those of a package folder's file names that are its compiled module
        (`_core.cpython-313-x86_64-linux-gnu.so`, `_core.abi3.so`, `_core.pyd`)."""
        return {
            name
            for name in file_names
            if name.startswith(f"{EXTENSION_NAME}.") and name not in self.package_files
        }


@dataclass(frozen=True)
class Implementation:
    """One implementation of the contract, as `--implementations` names it."""

    name: str
    #: The module that holds add() and EmptyListError.
    module: str
    #: The distribution it ships in; None for one the tests do not check as a package.
    distribution: str | None
    #: How a user gets it, for the error that says it is missing.
    install: str
    #: Whether its package falls back to pure Python when its compiled module cannot load.
    has_fallback: bool = False
    #: False for the package as its pure-Python wheel installs it: no extension module.
    compiled: bool = True
    #: Whether its add() is Python source (the reference), the same on every architecture.
    python_source: bool = False


_COMMON_FILES = frozenset({"__init__.py", "__main__.py", "_core.pyi", "py.typed"})

DISTRIBUTIONS: dict[str, Distribution] = {
    d.name: d
    for d in (
        Distribution(
            name="addlist",
            folder=".",
            package="addlist",
            abi3_environment={"SKBUILD_WHEEL_PY_API": ABI3_FLOOR},
            package_files=_COMMON_FILES | {"_errors.py", "_reference.py"},
            sdist_files=frozenset(
                {"pyproject.toml", "CMakeLists.txt", "LICENSE", "PKG-INFO", "src/addlist/_core.c"}
            ),
            implementations=("c", "reference"),
        ),
        Distribution(
            name="addlist-rs",
            folder="rust",
            package="addlist_rs",
            abi3_environment={"MATURIN_PEP517_ARGS": "--features abi3"},
            package_files=_COMMON_FILES,
            sdist_files=frozenset(
                {"pyproject.toml", "Cargo.toml", "Cargo.lock", "LICENSE", "PKG-INFO"}
                | {"rust/src/lib.rs"}
            ),
            implementations=("rust",),
        ),
    )
}

IMPLEMENTATIONS: dict[str, Implementation] = {
    i.name: i
    for i in (
        Implementation(
            "c", "addlist._core", "addlist", "pip install .  (needs a C compiler)",
            has_fallback=True,
        ),
        Implementation("rust", "addlist_rs._core", "addlist-rs", "pip install ./rust  (needs cargo)"),
        Implementation(
            "reference", "addlist._reference", None,
            "pip install .  (it ships in the addlist package)", python_source=True,
        ),
        # The addlist package as its pure-Python wheel installs it: no compiled module at all.
        Implementation(
            "pure", "addlist", "addlist", "pip install addlist-<version>-py3-none-any.whl",
            compiled=False, python_source=True,
        ),
    )
}  # fmt: skip


class SuiteScope(str, Enum):
    """How much of the shared suite a run covers, as the pipeline asks it through the variable
    ADDLIST_TEST_SCOPE (SCOPE_VARIABLE) and tests/conftest.py reads it."""

    FULL = "full"
    #: for wheels tested under QEMU, where the full suite takes ten times as long; the
    #: reference beside a compiled module is the same source on every architecture, and the
    #: native runs test it in full
    EMULATED = "emulated"

    @property
    def examples(self) -> int:
        return 300 if self is SuiteScope.FULL else 30

    def leaves_out(self, *, slow: bool, python_source_beside_compiled: bool) -> bool:
        """Whether a test is deselected: a `slow` one, or (emulated) one of a Python-source
        implementation when a compiled one is tested in the same run."""
        return self is SuiteScope.EMULATED and (slow or python_source_beside_compiled)

    @property
    def description(self) -> str:
        """What the scope runs, for reports and the suite's header."""
        if self is SuiteScope.FULL:
            return f"every test, {self.examples} Hypothesis examples a property"
        full = SuiteScope.FULL.examples
        return (
            "the `slow` tests deselected, and the pure-Python reference's beside a compiled "
            f"module; {self.examples} Hypothesis examples a property instead of {full}"
        )


SCOPE_VARIABLE = "ADDLIST_TEST_SCOPE"


def of_file(file_name: str) -> Distribution:
    """The distribution a wheel or sdist file belongs to, from the name its file starts with
    (the normalized name: `addlist_rs-0.1.0.tar.gz`)."""
    name = file_name.split("-", maxsplit=1)[0].replace("_", "-")
    return DISTRIBUTIONS[name]


def package_of(implementation: Implementation) -> str | None:
    """The import package of an implementation's distribution, if it has one."""
    if implementation.distribution is None:
        return None
    return DISTRIBUTIONS[implementation.distribution].package
