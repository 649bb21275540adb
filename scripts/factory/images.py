"""Build images made here, with no registry: debootstrap, then the recipes in docker/.

Each image is labelled with a hash of everything it is made from (recipe, build arguments,
pinned requirements, extra CA certificates, Rust toolchain). An image whose label matches
is reused, so a second run builds nothing; `--rebuild` ignores the labels.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import importlib.resources
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from packaging.requirements import Requirement

from core import host, wheels
from core.config import ARCHES, DEBIAN_MIRROR, WORK_DIR, Arch, pinned_requirements
from core.distributions import Distribution, SuiteScope
from core.progress import PipelineError, run, say, step

from .config import (
    CROSS_SUITE,
    DOCKER_DIR,
    MATURIN_FROM_PATH,
    MUSLLINUX_POLICY,
    Image,
    chosen_images,
)

LABEL = "org.addlist.recipe"
#: The interpreters of an image, as /opt/python lays them out (cp313-cp313), without the cp39
#: link that docker/cibuildwheel-shim.Dockerfile adds where 3.9 is missing.
LIST_INTERPRETERS = (
    'for d in /opt/python/*; do [ -e "$d/.cibuildwheel-shim" ] || basename "$d"; done'
)


def local_identifiers(image: Image) -> list[str]:
    """cibuildwheel build identifiers for the interpreters an image holds."""
    listing = run(["docker", "run", "--rm", image.tag, "sh", "-c", LIST_INTERPRETERS], capture=True)
    tags = sorted(listing.stdout.split(), key=version_order)
    return [f"{tag.split('-')[0]}-{image.kind}_{image.arch.name}" for tag in tags]


def local_plan(chosen: tuple[Image, ...]) -> dict[str, str]:
    """Build identifier -> the tag of the image to build it in: the first image that has the
    interpreter, so the oldest glibc (the widest platform tag) wins. In Python version order."""
    plan: dict[str, str] = {}
    for image in chosen:
        for identifier in local_identifiers(image):
            plan.setdefault(identifier, image.tag)
    return dict(sorted(plan.items(), key=lambda item: version_order(item[0])))


def local_job_builds(
    distribution: Distribution,
    arch: Arch,
    selection: str,
    *,
    test_scope: SuiteScope,
    musllinux: bool = False,
) -> tuple[list[wheels.Build], list[str]]:
    """core.wheels.job_builds in the images made here: with the local cache volumes, QEMU's
    settings, and what each image adds to its builds' environment. The local main job and
    the release rehearsal (ADDLIST_IMAGES=local) both build this way."""
    chosen = chosen_images(distribution.name, arch.name, musllinux=musllinux)
    planned, missing = wheels.job_builds(
        distribution, "linux", arch.name, selection, images=local_plan(chosen),
        test_scope=test_scope,
        container_environment=host.emulation_environment(arch, platform.machine()),
        volumes=wheels.cache_volumes(arch.name),
    )  # fmt: skip
    # Every build's image is one of `chosen`: local_plan takes its tags from there.
    by_tag = {image.tag: image for image in chosen}
    builds = [
        dataclasses.replace(
            build,
            container_environment={
                **build.container_environment,
                **by_tag[str(build.image)].container_environment(build.identifier),
            },
            appended_environment=by_tag[str(build.image)].appended_environment,
        )
        for build in planned
    ]
    return builds, missing


def version_order(tag: str) -> tuple[int, str]:
    """cp39-cp39 < cp311-cp311 < cp314-cp314 < cp314t-cp314t."""
    digits = re.match(r"cp3(\d+)", tag)
    return (int(digits.group(1)) if digits else 0, tag)


def image_label(tag: str) -> str | None:
    """The recipe hash of a local image, or None if there is no such image."""
    done = subprocess.run(
        ["docker", "image", "inspect", tag, "--format", f'{{{{index .Config.Labels "{LABEL}"}}}}'],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def recipe_hash(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def extra_ca_files() -> list[Path]:
    """Extra CA certificates to trust inside the images (a TLS-intercepting proxy's).

    ADDLIST_EXTRA_CA names a PEM bundle; by default the host's bundle is used when pip is
    told to use one (PIP_CERT), which is how this build machine reaches PyPI.
    """
    configured = os.environ.get("ADDLIST_EXTRA_CA") or os.environ.get("PIP_CERT")
    if not configured:
        return []
    path = Path(configured)
    if not path.is_file():
        msg = f"ADDLIST_EXTRA_CA / PIP_CERT names {path}, which is not a file"
        raise PipelineError(msg)
    return [path]


def docker_build(
    client: str,
    *,
    tag: str,
    dockerfile: Path,
    context: Path,
    arch: Arch,
    label: str,
    build_args: dict[str, str],
) -> None:
    args = [arg for key, value in build_args.items() for arg in ("--build-arg", f"{key}={value}")]
    run(
        [
            client, "build", "--platform", arch.platform, "--label", f"{LABEL}={label}",
            "--tag", tag, "--file", str(dockerfile), *args, str(context),
        ],
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
    )  # fmt: skip
    inspect = ["docker", "image", "inspect", tag, "--format"]
    recorded = run(
        [*inspect, "{{.Os}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}}"], capture=True
    ).stdout.strip()
    if not records_platform(recorded, arch):
        msg = (
            f"{tag} records {recorded}, not {arch.platform}: cibuildwheel would try to pull it. "
            "Build with a client that has BuildKit (Debian's /usr/bin/docker or buildx)."
        )
        raise PipelineError(msg)


def records_platform(recorded: str, arch: Arch) -> bool:
    """Whether an image's recorded os/architecture[/variant] is `arch`'s platform. A variant
    counts where the platform names one (linux/arm/v7), not where the image adds one."""
    return recorded.split("/")[: arch.platform.count("/") + 1] == arch.platform.split("/")


def unmount_below(folder: Path) -> None:
    """Unmounts what an interrupted debootstrap left mounted in its tree (proc, sys)."""
    mounts = Path("/proc/mounts").read_text().splitlines() if Path("/proc/mounts").exists() else []
    points = [line.split()[1] for line in mounts if len(line.split()) > 1]
    for point in sorted((p for p in points if p.startswith(f"{folder}/")), reverse=True):
        run(["umount", "--lazy", point], check=False)


def build_rootfs(
    client: str, suite: str, arch: Arch, *, rebuild: bool, emulation: dict[str, str]
) -> str:
    """A minimal Debian root filesystem as an image, from debootstrap. `emulation` is the
    environment for QEMU (host.emulation_environment): debootstrap's second stage runs the
    suite's own programs (dpkg, maintainer scripts) under it."""
    tag = f"addlist/rootfs:{suite}-{arch.debian}"
    label = recipe_hash((DOCKER_DIR / "rootfs.Dockerfile").read_text(), suite, DEBIAN_MIRROR)
    if not rebuild and image_label(tag) == label:
        say(f"{tag}: up to date")
        return tag
    if shutil.which("debootstrap") is None:
        msg = "debootstrap is needed to make base images here: `apt-get install debootstrap`"
        raise PipelineError(msg)
    with step(f"{tag}: debootstrap {suite} for {arch.debian}"):
        work = WORK_DIR / "rootfs" / f"{suite}-{arch.debian}"
        unmount_below(work)
        shutil.rmtree(work, ignore_errors=True)
        tree = work / "tree"
        tree.mkdir(parents=True)
        run(
            [
                "debootstrap", "--variant=minbase", f"--arch={arch.debian}", suite,
                str(tree), DEBIAN_MIRROR,
            ],
            env={**os.environ, **emulation},
        )  # fmt: skip
        context = work / "context"
        context.mkdir()
        with tarfile.open(context / "rootfs.tar", "w") as archive:
            archive.add(tree, arcname=".")
        shutil.rmtree(tree)
        docker_build(
            client,
            tag=tag,
            dockerfile=DOCKER_DIR / "rootfs.Dockerfile",
            context=context,
            arch=arch,
            label=label,
            build_args={},
        )
        shutil.rmtree(work)
    return tag


def build_layer(
    client: str,
    arch: Arch,
    *,
    recipe: str,
    parent: str,
    tag: str,
    build_args: dict[str, str],
    files: list[tuple[str, bytes]],
    toolchain: tuple[Path, str] | None = None,
    also_from: list[str] | None = None,
    rebuild: bool,
    emulation: dict[str, str],
) -> None:
    """One image built FROM `parent` with docker/<recipe>; reused if its inputs are unchanged.

    `files` are written into the build context. `toolchain` is a Rust sysroot and its version:
    copied into the context as rust-toolchain/, and identified in the label by the version.
    `also_from` are the other images the recipe copies from (FROM ... AS): their labels are part
    of this one's. `emulation` becomes build arguments: every recipe declares `ARG QEMU_CPU` in
    each stage that runs programs, so that its RUN steps get QEMU's fast CPU model.
    """
    build_args = {**build_args, **emulation}
    recipe_file = DOCKER_DIR / recipe
    label = recipe_hash(
        recipe_file.read_text(), image_label(parent) or "", repr(sorted(build_args.items())),
        *(content for _, content in files), toolchain[1] if toolchain else "",
        *(image_label(other) or "" for other in also_from or []),
    )  # fmt: skip
    if not rebuild and image_label(tag) == label:
        say(f"{tag}: up to date")
        return
    context = WORK_DIR / "context" / tag.replace("/", "_").replace(":", "_")
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    for relative, content in files:
        (context / relative).parent.mkdir(parents=True, exist_ok=True)
        (context / relative).write_bytes(content)
    if toolchain:
        for part in ("bin", "lib"):  # not share/: documentation is most of a toolchain's size
            shutil.copytree(toolchain[0] / part, context / "rust-toolchain" / part, symlinks=True)
    with step(f"{tag}: building"):
        docker_build(
            client,
            tag=tag,
            dockerfile=recipe_file,
            context=context,
            arch=arch,
            label=label,
            build_args={"BASE": parent, **build_args},
        )
    shutil.rmtree(context)


#: What a recipe that compiles CPython from Debian's sources copies from docker/.
CPYTHON_SCRIPTS = ("build-cpython.sh", "debian-source.sh")


def docker_files(*names: str) -> list[tuple[str, bytes]]:
    """Files of docker/ for a build context, by name."""
    return [(name, (DOCKER_DIR / name).read_bytes()) for name in names]


def requirement_files() -> list[tuple[str, bytes]]:
    """The images' pinned requirements: one file per `image-*` dependency group."""
    return [
        (
            f"requirements/{name}.txt",
            ("\n".join(pinned_requirements(f"image-{name}")) + "\n").encode(),
        )
        for name in ("interpreter", "tools")
    ]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Shared:
    """Images that several (suite, architecture) groups copy from, built once before them."""

    uv: str
    zig: str | None = None
    cross_rootfs: str | None = None


def ensure_shared(client: str, chosen: list[Image], *, rebuild: bool) -> Shared:
    """uv's image; zig's if a chosen image has Rust; the build machine's root filesystem of
    CROSS_SUITE if one has the cross Rust or musl (whose interpreter is compiled there)."""
    machine = platform.machine()
    if machine != BUILD_MACHINE.name:
        msg = (
            f"the local images are made on an {BUILD_MACHINE.name} machine (their recipes copy "
            f"its uv, zig and rustc, to run natively in every container); this one is {machine}: "
            "use an x86_64 machine, or cibuildwheel's images (--images official)"
        )
        raise PipelineError(msg)
    return Shared(
        uv=build_uv(client, rebuild=rebuild),
        zig=build_zig(client, rebuild=rebuild) if any(i.rust for i in chosen) else None,
        cross_rootfs=build_rootfs(client, CROSS_SUITE, BUILD_MACHINE, rebuild=rebuild, emulation={})
        if any(i.rust == "cross" or i.libc == "musl" for i in chosen)
        else None,
    )


def build_image(
    client: str, image: Image, *, rebuild: bool, emulation: dict[str, str], shared: Shared
) -> None:
    """The base image, then the compiled CPythons, then the Rust toolchain, as needed."""
    rootfs = build_rootfs(client, image.suite, image.arch, rebuild=rebuild, emulation=emulation)
    cas = [(f"extra-ca/extra-ca-{i}.crt", p.read_bytes()) for i, p in enumerate(extra_ca_files())]
    if image.libc == "musl":
        if image.rust:
            msg = f"{image.tag}: no Rust standard library for musl can be had here"
            raise PipelineError(msg)
        scripts = docker_files(
            *CPYTHON_SCRIPTS, "build-musl-libraries.sh", "musl-cc.sh", "musl-headers.sh"
        )
        # The interpreter is compiled on the build machine, in its root filesystem of the suite.
        native = shared.cross_rootfs
        if native is None or image.suite != CROSS_SUITE:
            msg = f"{image.tag} is compiled in the build machine's {CROSS_SUITE}: not given it"
            raise PipelineError(msg)
        build_layer(
            client, image.arch, recipe="musllinux.Dockerfile", parent=rootfs,
            tag=image.base_tag,
            build_args={
                "ROOTFS": rootfs, "NATIVE_ROOTFS": native, "UV": shared.uv,
                "TARGET": image.arch.name, "DEBIAN_ARCH": image.arch.debian,
                "CPYTHONS": " ".join(image.cpythons),
                "AUDITWHEEL_PLAT": f"{MUSLLINUX_POLICY}_{image.arch.name}",
            },
            files=[*requirement_files(), ("extra-ca/.keep", b""), *cas, *scripts],
            also_from=[shared.uv, native], rebuild=rebuild, emulation=emulation,
        )  # fmt: skip
        build_shim(client, image, rebuild=rebuild, emulation=emulation)
        return
    build_layer(
        client, image.arch, recipe="manylinux.Dockerfile", parent=rootfs, tag=image.base_tag,
        build_args={
            "ROOTFS": rootfs, "UV": shared.uv, "DEBIAN_PYTHONS": " ".join(image.debian_pythons),
        },
        files=[*requirement_files(), ("extra-ca/.keep", b""), *cas], also_from=[shared.uv],
        rebuild=rebuild, emulation=emulation,
    )  # fmt: skip
    if image.cpythons:
        build_layer(
            client, image.arch, recipe="cpython.Dockerfile", parent=image.base_tag,
            tag=image.python_tag, build_args={"CPYTHONS": " ".join(image.cpythons)},
            files=[*requirement_files(), *docker_files(*CPYTHON_SCRIPTS)], rebuild=rebuild,
            emulation=emulation,
        )  # fmt: skip
    else:
        build_shim(client, image, rebuild=rebuild, emulation=emulation)
    if not image.rust:
        return
    if shared.zig is None:
        msg = f"{image.tag} needs zig's image: ensure_shared() was not given it"
        raise PipelineError(msg)
    zig = shared.zig
    wrapper = [(MATURIN_FROM_PATH.name, (DOCKER_DIR / f"{MATURIN_FROM_PATH.name}.sh").read_bytes())]
    if image.rust == "host":
        build_layer(
            client, image.arch, recipe="rust-from-host.Dockerfile", parent=image.python_tag,
            tag=image.tag, build_args={"ZIG": zig}, files=wrapper, toolchain=host_rust_sysroot(),
            also_from=[zig], rebuild=rebuild, emulation=emulation,
        )  # fmt: skip
    elif image.rust == "debian":
        build_layer(
            client, image.arch, recipe="rust-from-debian.Dockerfile", parent=image.python_tag,
            tag=image.tag, build_args={"ZIG": zig}, files=wrapper, also_from=[zig],
            rebuild=rebuild, emulation=emulation,
        )  # fmt: skip
    else:
        native = shared.cross_rootfs
        if native is None:
            msg = f"{image.tag} needs the cross compiler's root filesystem: not given"
            raise PipelineError(msg)
        build_layer(
            client, image.arch, recipe="rust-cross-debian.Dockerfile", parent=image.python_tag,
            tag=image.tag,
            build_args={
                "NATIVE_ROOTFS": native, "ZIG": zig, "DEBIAN_ARCH": image.arch.debian,
                "RUST_TARGET": image.arch.rust,
            },
            files=wrapper, also_from=[native, zig], rebuild=rebuild, emulation=emulation,
        )  # fmt: skip


def build_shim(client: str, image: Image, *, rebuild: bool, emulation: dict[str, str]) -> None:
    """The base image as the image wheels are built in, with cibuildwheel's cp39 path
    (docker/cibuildwheel-shim.Dockerfile) where it has no CPython 3.9."""
    if "python3.9" in image.debian_pythons:
        run(["docker", "tag", image.base_tag, image.python_tag])
        return
    build_layer(
        client, image.arch, recipe="cibuildwheel-shim.Dockerfile", parent=image.base_tag,
        tag=image.python_tag, build_args={}, files=[], rebuild=rebuild, emulation=emulation,
    )  # fmt: skip


#: The build machine, whose programs run natively in every container: the recipes copy zig,
#: uv and (rust="cross") rustc for it with FROM --platform=linux/amd64, so the local images
#: are made on x86_64 only (ensure_shared says so elsewhere).
BUILD_MACHINE = ARCHES["x86_64"]


def build_native_tool(
    client: str, name: str, version: str, fill: Callable[[Path], None], *, rebuild: bool
) -> str:
    """`addlist/<name>:<version>` (docker/native-tool.Dockerfile): a static program for the
    build machine, which `fill` puts into the folder it is given, for other recipes to copy."""
    tag = f"addlist/{name}:{version}"
    recipe = DOCKER_DIR / "native-tool.Dockerfile"
    label = recipe_hash(recipe.read_text(), name, version, BUILD_MACHINE.name)
    if not rebuild and image_label(tag) == label:
        say(f"{tag}: up to date")
        return tag
    context = WORK_DIR / "context" / name
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    fill(context / "tool")
    with step(f"{tag}: building"):
        docker_build(
            client, tag=tag, dockerfile=recipe, context=context, arch=BUILD_MACHINE,
            label=label, build_args={},
        )  # fmt: skip
    shutil.rmtree(context)
    return tag


def build_zig(client: str, *, rebuild: bool) -> str:
    """zig from the factory's own `ziglang` package, the linker of the local Rust wheels."""
    try:
        version = importlib.metadata.version("ziglang")
    except importlib.metadata.PackageNotFoundError:
        msg = (
            "ziglang is not installed where the factory runs: run it through scripts/build-wheels "
            "or scripts/build-images (nox installs pyproject.toml's `factory` group)"
        )
        raise PipelineError(msg) from None
    package = Path(str(importlib.resources.files("ziglang")))

    def fill(tool: Path) -> None:
        shutil.copytree(package, tool, ignore=shutil.ignore_patterns("__pycache__"))

    return build_native_tool(client, "zig", version, fill, rebuild=rebuild)


def uv_release() -> tuple[str, str]:
    """The `uv` group's one pin ("uv==0.13.9") and its version."""
    pins = pinned_requirements("uv")
    specifiers = [list(Requirement(pin).specifier) for pin in pins]
    if len(pins) != 1 or len(specifiers[0]) != 1 or specifiers[0][0].operator != "==":
        msg = f"pyproject.toml's `uv` group must pin exactly one uv release (uv==X.Y.Z): {pins}"
        raise PipelineError(msg)
    return pins[0], specifiers[0][0].version


def build_uv(client: str, *, rebuild: bool) -> str:
    """The `uv` group's uv for the build machine, from its musllinux wheel (a static program).
    Every local image runs this one instead of its own architecture's, so that under QEMU the
    build[uv] frontend's environments are made natively; uv still asks each interpreter for its
    platform, so the wheels it installs are the image's."""
    pin, version = uv_release()

    def fill(tool: Path) -> None:
        download = tool.parent / "download"
        run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                "--only-binary=:all:", "--platform", f"musllinux_1_1_{BUILD_MACHINE.name}",
                "--dest", str(download), pin,
            ]
        )  # fmt: skip
        (wheel,) = download.glob("uv-*.whl")
        tool.mkdir()
        with zipfile.ZipFile(wheel) as archive:
            (tool / "uv").write_bytes(archive.read(f"uv-{version}.data/scripts/uv"))
        (tool / "uv").chmod(0o755)
        shutil.rmtree(download)

    return build_native_tool(client, "uv", version, fill, rebuild=rebuild)


def host_rust_sysroot() -> tuple[Path, str]:
    """The host's rustup toolchain folder and its version, to copy into an image."""
    if shutil.which("rustc") is None:
        msg = "no rustc on PATH: install Rust with rustup (https://rustup.rs)"
        raise PipelineError(msg)
    sysroot = Path(run(["rustc", "--print", "sysroot"], capture=True).stdout.strip())
    version = run(["rustc", "--version"], capture=True).stdout.strip()
    if not (sysroot / "bin" / "cargo").exists():
        msg = (
            f"the Rust toolchain at {sysroot} has no cargo beside rustc: the x86_64 image copies "
            "a rustup toolchain, so install Rust with rustup (https://rustup.rs)"
        )
        raise PipelineError(msg)
    return sysroot, version
