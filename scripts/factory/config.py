"""What the factory builds, and where: platforms, images, distributions, tool pins."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from dependency_groups import resolve

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = ROOT / "docker"
WHEELHOUSE = ROOT / "wheelhouse"
WORK_DIR = ROOT / "build" / "factory"
DEBIAN_MIRROR = os.environ.get("ADDLIST_DEBIAN_MIRROR", "http://deb.debian.org/debian")


@dataclass(frozen=True)
class Arch:
    """A CPU architecture, by the names each tool knows it by."""

    name: str  # cibuildwheel, auditwheel and wheel tags: x86_64, aarch64
    debian: str  # debootstrap and OCI platforms: amd64, arm64

    @property
    def platform(self) -> str:
        return f"linux/{self.debian}"


ARCHES = {"x86_64": Arch("x86_64", "amd64"), "aarch64": Arch("aarch64", "arm64")}


@dataclass(frozen=True)
class Image:
    """One build image, in layers: a Debian suite with its own Python, CPythons compiled
    from Debian's sources ("minor:tag" pairs), and optionally a Rust toolchain."""

    suite: str
    arch: Arch
    debian_python: str
    cpythons: tuple[str, ...] = ()
    rust: Literal["host", "debian"] | None = None

    @property
    def base_tag(self) -> str:
        return f"addlist/manylinux-base:{self.suite}-{self.arch.name}"

    @property
    def python_tag(self) -> str:
        """The base plus the compiled interpreters: the image C wheels are built in."""
        return f"addlist/manylinux:{self.suite}-{self.arch.name}"

    @property
    def tag(self) -> str:
        return f"{self.python_tag}-rust" if self.rust else self.python_tag


@dataclass(frozen=True)
class Distribution:
    name: str
    package_dir: Path
    #: What the shared test suite runs against when only this distribution is installed.
    implementations: str
    #: How to ask the build backend for a Limited-API (cp39-abi3) wheel.
    abi3_environment: dict[str, str]


DISTRIBUTIONS = {
    "addlist": Distribution("addlist", ROOT, "c,reference", {"SKBUILD_WHEEL_PY_API": "cp39"}),
    "addlist-rs": Distribution(
        "addlist-rs", ROOT / "rust", "rust", {"MATURIN_PEP517_ARGS": "--features abi3"}
    ),
}

# CPythons compiled from Debian's source packages ("minor:tag"; 3.10 and 3.12 are not served
# at all). Compiling them for aarch64 under QEMU would take hours; cross-compiling is to do.
COMPILED_CPYTHONS = (
    "3.11:cp311-cp311",
    "3.13:cp313-cp313",
    "3.14:cp314-cp314",
    "3.14:cp314t-cp314t",
    "3.15:cp315-cp315",
)

# bullseye is the oldest Debian suite served (glibc 2.31): the widest manylinux tag. Rust for
# aarch64 comes from Debian's packages, and the oldest suite with a Rust new enough for PyO3
# (1.85) is trixie, so the aarch64 Rust wheels are built there.
_X86_64 = Image("bullseye", ARCHES["x86_64"], "python3.9", COMPILED_CPYTHONS)
IMAGES: dict[tuple[str, str], Image] = {
    ("addlist", "x86_64"): _X86_64,
    ("addlist", "aarch64"): Image("bullseye", ARCHES["aarch64"], "python3.9"),
    ("addlist-rs", "x86_64"): replace(_X86_64, rust="host"),
    ("addlist-rs", "aarch64"): Image("trixie", ARCHES["aarch64"], "python3.13", rust="debian"),
}


def pinned_requirements(group: str) -> list[str]:
    """The requirements of one dependency group of pyproject.toml, includes resolved."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        groups = tomllib.load(file)["dependency-groups"]
    return list(resolve(groups, group))
