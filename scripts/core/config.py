"""What the pipeline builds, and where: architectures, distributions, tool pins. Shared by the
release workflow (`python -m release`) and the local main job (`python -m factory`)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "wheelhouse"
WORK_DIR = ROOT / "build" / "factory"
#: Where Debian's packages and sources come from (build images, the rehearsal's CPython).
DEBIAN_MIRROR = os.environ.get("ADDLIST_DEBIAN_MIRROR", "http://deb.debian.org/debian")


@dataclass(frozen=True)
class Arch:
    """A CPU architecture, by the names each tool knows it by."""

    name: str  # cibuildwheel, auditwheel and wheel tags: x86_64, aarch64
    debian: str  # debootstrap, and OCI platforms unless `oci` says otherwise: amd64, arm64
    oci: str = ""  # where the OCI name differs from Debian's: 386 for i386

    @property
    def platform(self) -> str:
        return f"linux/{self.oci or self.debian}"


ARCHES = {"x86_64": Arch("x86_64", "amd64"), "aarch64": Arch("aarch64", "arm64")}


@dataclass(frozen=True)
class Distribution:
    name: str
    package_dir: Path
    #: What the shared test suite runs against when only this distribution is installed.
    implementations: str
    #: How to ask the build backend for a Limited-API (cp39-abi3) wheel.
    abi3_environment: dict[str, str]


#: The oldest CPython a Limited-API (abi3) wheel is built with and for.
ABI3_FLOOR = "cp39"

DISTRIBUTIONS = {
    "addlist": Distribution("addlist", ROOT, "c,reference", {"SKBUILD_WHEEL_PY_API": "cp39"}),
    "addlist-rs": Distribution(
        "addlist-rs", ROOT / "rust", "rust", {"MATURIN_PEP517_ARGS": "--features abi3"}
    ),
}


def pinned_requirements(group: str) -> list[str]:
    """The requirements of one dependency group of pyproject.toml, includes resolved."""
    # Imported here: the rest of the pipeline's basics need nothing beyond the standard
    # library (core.cpython runs before any environment is installed).
    from dependency_groups import resolve  # noqa: PLC0415

    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415
    else:
        import tomli as tomllib  # noqa: PLC0415

    with (ROOT / "pyproject.toml").open("rb") as file:
        groups = tomllib.load(file)["dependency-groups"]
    return list(resolve(groups, group))
