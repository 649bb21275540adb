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
    debian: str  # debootstrap, and OCI platforms unless `oci` says otherwise: amd64, arm64
    oci: str = ""  # where the OCI name differs from Debian's: 386 for i386

    @property
    def platform(self) -> str:
        return f"linux/{self.oci or self.debian}"


ARCHES = {"x86_64": Arch("x86_64", "amd64"), "aarch64": Arch("aarch64", "arm64")}


@dataclass(frozen=True)
class Image:
    """One build image, in layers: a Debian suite with Debian's own Pythons, CPythons compiled
    from Debian's sources ("minor:tag" pairs), and optionally a Rust toolchain."""

    suite: str
    arch: Arch
    debian_pythons: tuple[str, ...]
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

# CPythons compiled from Debian's source packages ("minor:tag"). 3.10 and 3.12 are not served
# at all, and the mirror serves no source of 3.14 or 3.15 (their .orig tarballs answer 404).
COMPILED_CPYTHONS = ("3.11:cp311-cp311", "3.13:cp313-cp313")

# Each (distribution, architecture) has images in order of preference: a wheel is built in the
# first image that holds its interpreter, so the oldest glibc (the widest tag) wins.
# bullseye is the oldest suite served (glibc 2.31). Debian's own 3.14 and 3.15 exist only in
# sid (glibc 2.42), and so does a Rust new enough for PyO3 on aarch64 besides trixie's (1.85).
_BULLSEYE_X86_64 = Image("bullseye", ARCHES["x86_64"], ("python3.9",), COMPILED_CPYTHONS)
_SID_X86_64 = Image("sid", ARCHES["x86_64"], ("python3.14", "python3.15"))
_BULLSEYE_AARCH64 = Image("bullseye", ARCHES["aarch64"], ("python3.9",))
_TRIXIE_AARCH64 = Image("trixie", ARCHES["aarch64"], ("python3.13",))
_SID_AARCH64 = Image("sid", ARCHES["aarch64"], ("python3.14", "python3.15"))
IMAGES: dict[tuple[str, str], tuple[Image, ...]] = {
    ("addlist", "x86_64"): (_BULLSEYE_X86_64, _SID_X86_64),
    ("addlist", "aarch64"): (_BULLSEYE_AARCH64, _TRIXIE_AARCH64, _SID_AARCH64),
    ("addlist-rs", "x86_64"): (
        replace(_BULLSEYE_X86_64, rust="host"),
        replace(_SID_X86_64, rust="host"),
    ),
    ("addlist-rs", "aarch64"): (
        replace(_TRIXIE_AARCH64, rust="debian"),
        replace(_SID_AARCH64, rust="debian"),
    ),
}


def pinned_requirements(group: str) -> list[str]:
    """The requirements of one dependency group of pyproject.toml, includes resolved."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        groups = tomllib.load(file)["dependency-groups"]
    return list(resolve(groups, group))
