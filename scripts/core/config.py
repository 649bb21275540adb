"""Where the pipeline works and for which architectures, and its tool pins. Shared by the
release workflow (`python -m release`) and the local main job (`python -m factory`); what it
builds is in core.distributions."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "wheelhouse"
WORK_DIR = ROOT / "build" / "factory"
#: cargo's build folder for every build on this machine outside containers (nox sessions, host
#: wheels), so that Rust is compiled once per change.
CARGO_TARGET_DIR = ROOT / "target"
#: Where Debian's packages and sources come from (build images, the rehearsal's CPython).
DEBIAN_MIRROR = os.environ.get("ADDLIST_DEBIAN_MIRROR", "http://deb.debian.org/debian")


@dataclass(frozen=True)
class Arch:
    """A CPU architecture, by the names each tool knows it by."""

    name: str  # cibuildwheel, auditwheel and wheel tags: x86_64, aarch64
    debian: str  # debootstrap, and OCI platforms unless `oci` says otherwise: amd64, arm64
    rust: str  # Rust's target: aarch64-unknown-linux-gnu
    #: the Debian suites the archive serves for it, oldest (widest glibc) first
    suites: tuple[str, ...] = ("bullseye", "bookworm", "trixie", "sid")
    oci: str = ""  # where the OCI name differs from Debian's: 386 for i386, arm/v7 for armhf
    #: the policy the local Rust wheels link for (zig): manylinux2014, as the official images
    #: give, where auditwheel has it for the architecture and zig a glibc that old; else the
    #: oldest of both
    manylinux: str = "manylinux2014"
    qemu: str = ""  # where QEMU's name differs from `name`: arm for armv7l, i386 for i686

    @property
    def emulator(self) -> str:
        """QEMU's user-mode emulator: its binfmt_misc entry, and with -static its program."""
        return f"qemu-{self.qemu or self.name}"

    @property
    def platform(self) -> str:
        return f"linux/{self.oci or self.debian}"

    @property
    def docker_arch(self) -> str:
        """The architecture part of the OCI platform (arm for linux/arm/v7), as Docker and
        setup-qemu name it."""
        return self.platform.split("/")[1]


#: The architectures the local pipeline has build images for.
ARCHES = {
    "x86_64": Arch("x86_64", "amd64", "x86_64-unknown-linux-gnu"),
    "aarch64": Arch("aarch64", "arm64", "aarch64-unknown-linux-gnu"),
    "i686": Arch("i686", "i386", "i686-unknown-linux-gnu", oci="386", qemu="i386"),
    # Debian's other release architectures; bullseye's archive serves only the four above, and
    # riscv64 became a release architecture in trixie (manylinux starts at 2_31 for it).
    "armv7l": Arch("armv7l", "armhf", "armv7-unknown-linux-gnueabihf", oci="arm/v7", qemu="arm"),
    "ppc64le": Arch(
        "ppc64le",
        "ppc64el",
        "powerpc64le-unknown-linux-gnu",
        suites=("bookworm", "trixie", "sid"),
        oci="ppc64le",
        # zig: "unable to provide libc for target powerpc64le-linux-gnu.2.17"
        manylinux="manylinux_2_28",
    ),
    "s390x": Arch(
        "s390x", "s390x", "s390x-unknown-linux-gnu", suites=("bookworm", "trixie", "sid")
    ),
    "riscv64": Arch(
        "riscv64",
        "riscv64",
        "riscv64gc-unknown-linux-gnu",
        suites=("trixie", "sid"),
        manylinux="manylinux_2_31",
    ),
}
#: What the main job and the rehearsal build without --arch, so that their time stays bounded;
#: `--arch all` takes every one of ARCHES.
DEFAULT_ARCHES = ("x86_64", "aarch64")


def parse_arches(text: str) -> tuple[Arch, ...]:
    """`--arch x86_64,aarch64` or `all`, checked: an unknown or empty list raises ValueError."""
    if text.strip() == "all":
        return tuple(ARCHES.values())
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ARCHES]
    if unknown or not names:
        msg = f"--arch: unknown {unknown or text!r}; choose from {', '.join(ARCHES)}, or all"
        raise ValueError(msg)
    return tuple(ARCHES[name] for name in names)


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
