"""Each fact of core.distributions has one home: the files that cannot import it agree with
it, and no Python file or workflow carries a second copy."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from core.config import ROOT
from core.distributions import (
    ABI3_FLOOR,
    DISTRIBUTIONS,
    IMPLEMENTATIONS,
    PYTHON_FLOOR,
    REQUIRES_PYTHON,
    of_file,
)

REGISTRY = Path("scripts/core/distributions.py")


def pyproject(folder: str) -> dict[str, Any]:
    document: dict[str, Any] = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())
    return document


def cibuildwheel_table(folder: str) -> dict[str, Any]:
    table: dict[str, Any] = pyproject(folder)["tool"]["cibuildwheel"]
    return table


def test_floor_is_the_same_everywhere() -> None:
    assert "cp{}{}".format(*PYTHON_FLOOR) == ABI3_FLOOR
    for distribution in DISTRIBUTIONS.values():
        assert pyproject(distribution.folder)["project"]["requires-python"] == REQUIRES_PYTHON
    cargo = tomllib.loads((ROOT / "rust" / "Cargo.toml").read_text())
    assert cargo["features"]["abi3"] == ["pyo3/abi3-py{}{}".format(*PYTHON_FLOOR)]
    cmake = (ROOT / "CMakeLists.txt").read_text()
    assert re.search(r"find_package\(Python {}\.{} ".format(*PYTHON_FLOOR), cmake)


def test_each_pyproject_builds_its_registered_distribution() -> None:
    addlist, rust = DISTRIBUTIONS["addlist"], DISTRIBUTIONS["addlist-rs"]
    for distribution in DISTRIBUTIONS.values():
        assert pyproject(distribution.folder)["project"]["name"] == distribution.name
    assert pyproject(addlist.folder)["tool"]["scikit-build"]["wheel"]["packages"] == [
        f"src/{addlist.package}"
    ]
    assert pyproject(rust.folder)["tool"]["maturin"]["module-name"] == rust.extension


def test_wheel_tests_run_the_registered_implementations_with_the_registry() -> None:
    for distribution in DISTRIBUTIONS.values():
        table = cibuildwheel_table(distribution.folder)
        chosen = re.findall(r"--implementations=(\S+)", table["test-command"])
        assert chosen == [",".join(distribution.implementations)]
        assert str(REGISTRY) in table["test-sources"]
    assert set(IMPLEMENTATIONS) >= {i for d in DISTRIBUTIONS.values() for i in d.implementations}


def test_one_macos_floor_for_both_distributions() -> None:
    c = cibuildwheel_table(DISTRIBUTIONS["addlist"].folder)["macos"]["environment"]
    rust = [
        o["environment"]
        for o in cibuildwheel_table(DISTRIBUTIONS["addlist-rs"].folder)["overrides"]
        if o["select"] == "*-macosx_*"
    ]
    assert rust == [{"MACOSX_DEPLOYMENT_TARGET": c["MACOSX_DEPLOYMENT_TARGET"]}]


def test_rust_toolchain_is_pinned_once() -> None:
    text = (ROOT / "rust" / "pyproject.toml").read_text()
    assert len(re.findall(r"RUSTUP_TOOLCHAIN = ", text)) == 1


def test_files_map_to_their_distribution() -> None:
    assert of_file("addlist_rs-0.1.0.tar.gz") is DISTRIBUTIONS["addlist-rs"]
    assert of_file("addlist-0.1.0-py3-none-any.whl") is DISTRIBUTIONS["addlist"]


def registry_literals() -> set[str]:
    """Strings that only the registry should spell out."""
    literals = {implementation.module for implementation in IMPLEMENTATIONS.values()}
    for distribution in DISTRIBUTIONS.values():
        literals |= set(distribution.abi3_environment)
        literals |= {f for f in distribution.package_files if f != "__init__.py"}
        literals |= {f for f in distribution.sdist_files if "/" in f}
    literals.discard("addlist")  # the pure implementation's module is the package's name
    return literals


def python_files() -> list[Path]:
    folders = ["scripts", "tests", "src", "rust/python"]
    files = [ROOT / "noxfile.py"]
    for folder in folders:
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if f.relative_to(ROOT) != REGISTRY and f.name != Path(__file__).name]


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_second_copy_in_python(path: Path) -> None:
    literals = registry_literals()
    found = {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert not found & literals, f"{path.name} spells out registry facts: import them instead"


def test_no_distribution_folder_map_in_workflows() -> None:
    """The workflows name distributions and let `python -m release` find their folders."""
    for workflow in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        text = workflow.read_text()
        for distribution in DISTRIBUTIONS.values():
            if distribution.folder != ".":
                assert f"'{distribution.folder}'" not in text, workflow.name
                assert f'"{distribution.folder}"' not in text, workflow.name
