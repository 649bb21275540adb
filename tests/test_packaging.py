"""The installed distributions hold what their wheels should, and nothing else."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.metadata
from pathlib import Path, PurePosixPath

from support import Implementation

from core.distributions import DISTRIBUTIONS, REQUIRES_PYTHON


def installed_files(distribution: str) -> set[PurePosixPath]:
    files = importlib.metadata.files(distribution)
    assert files is not None, f"{distribution} has no RECORD: was it installed from a wheel?"
    return {PurePosixPath(str(f)) for f in files if "__pycache__" not in f.parts}


def test_wheel_files(packaged: Implementation) -> None:
    package, distribution = str(packaged.package), str(packaged.distribution)
    files = installed_files(distribution)
    in_package = {f.name for f in files if f.parts[0] == package}
    extensions = DISTRIBUTIONS[distribution].extension_files(in_package)
    assert in_package - extensions == DISTRIBUTIONS[distribution].package_files
    if not packaged.compiled:
        assert not extensions, "a pure-Python wheel with an extension module"
    else:
        assert len(extensions) == 1, extensions
        (extension,) = extensions
        if packaged.module.LIMITED_API:
            assert extension in {"_core.abi3.so", "_core.pyd"}
        else:
            assert extension == "_core" + importlib.machinery.EXTENSION_SUFFIXES[0]
    assert not any(f.suffix in {".c", ".rs", ".h"} for f in files), "sources in the wheel"
    licenses = {f.name for f in files if "licenses" in f.parts}
    assert licenses == {"LICENSE"}


def test_wheel_metadata(packaged: Implementation) -> None:
    distribution = str(packaged.distribution)
    metadata = importlib.metadata.metadata(distribution)
    package = importlib.import_module(str(packaged.package))
    assert metadata["Name"] == distribution
    assert metadata["Version"] == package.__version__
    assert metadata["Requires-Python"] == REQUIRES_PYTHON
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Summary"].startswith("The exact sum of a list of integers")
    assert metadata.get_all("Requires-Dist") is None, "addlist has no runtime dependencies"


def test_module_is_the_installed_one(packaged: Implementation) -> None:
    """The tests must exercise the installed wheel, never a build left in the source tree."""
    module_file = Path(str(packaged.module.__file__)).resolve()
    site = Path(str(importlib.metadata.distribution(str(packaged.distribution)).locate_file("")))
    assert module_file.is_relative_to(site.resolve()), f"{module_file} is not under {site}"
    assert "src" not in module_file.relative_to(site.resolve()).parts


def test_distributions_share_one_version() -> None:
    """Both distributions are released together from one tag."""
    installed = {d.metadata["Name"]: d.version for d in importlib.metadata.distributions()}
    versions = {installed[name] for name in DISTRIBUTIONS if name in installed}
    assert len(versions) <= 1, versions
