"""The build images the local main job makes from Debian's archive: which images each
(distribution, architecture) is built in, and where their recipes live."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Literal

from core import wheels
from core.config import ARCHES, ROOT, Arch
from core.distributions import DISTRIBUTIONS

DOCKER_DIR = ROOT / "docker"


@dataclass(frozen=True)
class Image:
    """One build image, in layers: a Debian suite with Debian's own Pythons, CPythons compiled
    from Debian's sources ("minor:tag" pairs), and optionally a Rust toolchain: the host's
    rustup toolchain, Debian's rustc for the image's architecture, or (`cross`) Debian's
    x86_64 rustc cross-compiling for it natively inside the emulated container
    (docker/rust-cross-debian.Dockerfile)."""

    suite: str
    arch: Arch
    debian_pythons: tuple[str, ...]
    cpythons: tuple[str, ...] = ()
    rust: Literal["host", "debian", "cross"] | None = None
    #: musl: the suite's musl with CPythons compiled against it (docker/musllinux.Dockerfile),
    #: whose wheels are musllinux ones
    libc: Literal["glibc", "musl"] = "glibc"

    @property
    def kind(self) -> str:
        """The wheels' platform kind, as in cibuildwheel's identifiers and images."""
        return "musllinux" if self.libc == "musl" else "manylinux"

    @property
    def base_tag(self) -> str:
        return f"addlist/{self.kind}-base:{self.suite}-{self.arch.name}"

    @property
    def python_tag(self) -> str:
        """The base plus the compiled interpreters: the image C wheels are built in."""
        return f"addlist/{self.kind}:{self.suite}-{self.arch.name}"

    @property
    def tag(self) -> str:
        return f"{self.python_tag}-rust" if self.rust else self.python_tag

    def container_environment(self, identifier: str) -> dict[str, str]:
        """What a build of `identifier` in this image adds to its container's environment.
        With Rust: the one path zig's linker wrappers run (docker/maturin-from-path.sh). With the
        cross Rust also where PyO3 finds the interpreter's sysconfig, because maturin does not
        run the build interpreter when it cross-compiles; only Debian's own interpreters are in
        such images, so the folder is Debian's."""
        if not self.rust:
            return {}
        env = {ZIG_WRAPPER_VARIABLE: str(MATURIN_FROM_PATH)}
        if self.rust == "cross":
            minor = wheels.Identifier.parse(identifier).version
            if f"python{minor}" not in self.debian_pythons:
                msg = f"{self.tag} has no Debian python{minor} for {identifier}"
                raise ValueError(msg)
            env["PYO3_CROSS_LIB_DIR"] = f"/usr/lib/python{minor}"
        return env

    @property
    def appended_environment(self) -> dict[str, str]:
        """What this image's builds append to cibuildwheel's environment: every Rust image
        has zig, and maturin links with it for the symbols of the architecture's policy
        (Arch.manylinux), so a local Rust wheel's tag no longer follows its suite's glibc."""
        return {MATURIN_ARGS_VARIABLE: maturin_zig_args(self.arch)} if self.rust else {}


#: The variable that hands maturin its arguments: the one the Rust abi3 switch uses.
(MATURIN_ARGS_VARIABLE,) = DISTRIBUTIONS["addlist-rs"].abi3_environment


def maturin_zig_args(arch: Arch) -> str:
    """maturin's arguments for the Rust wheels built here: zig's linker, and the policy whose
    glibc it links for (Arch.manylinux)."""
    return f"--zig --compatibility {arch.manylinux}"


#: Where the Rust images have docker/maturin-from-path.sh, and the variable that names it to
#: cargo-zigbuild's wrappers in place of the running maturin's own path.
MATURIN_FROM_PATH = PurePosixPath("/usr/local/bin/maturin-from-path")
ZIG_WRAPPER_VARIABLE = "CARGO_BIN_EXE_cargo-zigbuild"
#: auditwheel's policy for the musl images' wheels: trixie's musl is 1.2.5.
MUSLLINUX_POLICY = "musllinux_1_2"
#: The suite whose build-machine (x86_64) compilers cross-compile for the emulated
#: architectures: its rustc with each architecture's libstd-rust-dev (rust="cross"; Cargo.toml's
#: rust-version, 1.85, is trixie's), and its gcc-<arch>-linux-gnu with musl-dev:<arch> for the
#: musl images, which are of this suite so that both sides have one musl.
CROSS_SUITE = "trixie"


#: Each suite's own CPythons.
DEBIAN_PYTHONS = {
    "bullseye": ("python3.9",),
    "bookworm": ("python3.11",),
    "trixie": ("python3.13",),
    "sid": ("python3.14", "python3.15"),
}


def debian_image(suite: str, arch: str, cpythons: tuple[str, ...] = ()) -> Image:
    """An image with the suite's own CPythons (and compiled ones)."""
    return Image(suite, ARCHES[arch], DEBIAN_PYTHONS[suite], cpythons)


# CPythons compiled from Debian's source packages ("minor:tag"): the versions whose sources
# Debian's archive serves and no suite's binary package covers on bullseye's glibc.
COMPILED_CPYTHONS = ("3.11:cp311-cp311", "3.13:cp313-cp313")

# Each (distribution, architecture) has images in order of preference: a wheel is built in the
# first image that holds its interpreter, so the oldest glibc (the widest tag) wins.
# bullseye is the oldest suite served (glibc 2.31). Debian's own 3.14 and 3.15 exist only in
# sid (glibc 2.42). aarch64's Rust is the cross one (trixie's x86_64 rustc, see
# CROSS_SUITE), so bullseye has it too: compiling under QEMU was most of a cold run.
_BULLSEYE_X86_64 = debian_image("bullseye", "x86_64", COMPILED_CPYTHONS)
_SID_X86_64 = debian_image("sid", "x86_64")
# musllinux: no Alpine can be had here, so trixie's musl with a CPython compiled against it
# (for aarch64 cross-compiled on the build machine: docker/musllinux.Dockerfile).
_TRIXIE_X86_64_MUSL = Image(CROSS_SUITE, ARCHES["x86_64"], (), ("3.13:cp313-cp313",), libc="musl")
_TRIXIE_AARCH64_MUSL = replace(_TRIXIE_X86_64_MUSL, arch=ARCHES["aarch64"])
_BULLSEYE_AARCH64 = debian_image("bullseye", "aarch64")
_TRIXIE_AARCH64 = debian_image("trixie", "aarch64")
_SID_AARCH64 = debian_image("sid", "aarch64")
# i686 runs natively on an x86_64 host (a 32-bit Debian userland; cibuildwheel adds linux32).
_BULLSEYE_I686 = debian_image("bullseye", "i686")
_TRIXIE_I686 = debian_image("trixie", "i686")
_SID_I686 = debian_image("sid", "i686")
# The other architectures get one image each, of the oldest suite served for them: their release
# wheels are the floor's (cp39, armv7l only: no other has a Debian 3.9) and the abi3 wheel, which
# the factory builds with the image's interpreter (core.wheels.job_builds), and free-threaded ones
# (none here). Rust is the cross one, as on aarch64.
_PORTS = {
    name: debian_image(ARCHES[name].suites[0], name)
    for name in ("armv7l", "ppc64le", "s390x", "riscv64")
}
IMAGES: dict[tuple[str, str], tuple[Image, ...]] = {
    **{("addlist", name): (image,) for name, image in _PORTS.items()},
    **{("addlist-rs", name): (replace(image, rust="cross"),) for name, image in _PORTS.items()},
    ("addlist", "x86_64"): (_BULLSEYE_X86_64, _SID_X86_64, _TRIXIE_X86_64_MUSL),
    ("addlist", "aarch64"): (
        _BULLSEYE_AARCH64,
        _TRIXIE_AARCH64,
        _SID_AARCH64,
        _TRIXIE_AARCH64_MUSL,
    ),
    ("addlist-rs", "x86_64"): (
        replace(_BULLSEYE_X86_64, rust="host"),
        replace(_SID_X86_64, rust="host"),
    ),
    ("addlist-rs", "aarch64"): (
        replace(_BULLSEYE_AARCH64, rust="cross"),
        replace(_TRIXIE_AARCH64, rust="cross"),
        replace(_SID_AARCH64, rust="cross"),
    ),
    ("addlist", "i686"): (_BULLSEYE_I686, _TRIXIE_I686, _SID_I686),
    # rustup's toolchain here is x86_64-only, and bullseye's rustc (1.48) is too old for PyO3.
    # zig links for manylinux2014 whatever the suite's glibc, so sid's build repairs too.
    ("addlist-rs", "i686"): (
        replace(_TRIXIE_I686, rust="debian"),
        replace(_SID_I686, rust="debian"),
    ),
}


def chosen_images(distribution: str, arch: str, *, musllinux: bool) -> tuple[Image, ...]:
    """The images of a (distribution, architecture), the musl ones only when asked for: they
    compile OpenSSL and CPython from nothing, which a cold default run cannot afford."""
    return tuple(i for i in IMAGES[(distribution, arch)] if musllinux or i.libc != "musl")
