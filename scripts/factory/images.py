"""Build images made here, with no registry: debootstrap, then the recipes in docker/.

Each image is labelled with a hash of everything it is made from (recipe, build arguments,
pinned requirements, extra CA certificates, Rust toolchain). An image whose label matches
is reused, so a second run builds nothing; `--rebuild` ignores the labels.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterable
from pathlib import Path

from .config import DEBIAN_MIRROR, DOCKER_DIR, WORK_DIR, Arch, Image, pinned_requirements
from .progress import FactoryError, run, say, step

LABEL = "org.addlist.recipe"


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
        raise FactoryError(msg)
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
    recorded = run(
        ["docker", "image", "inspect", tag, "--format", "{{.Os}}/{{.Architecture}}"],
        capture=True,
    ).stdout.strip()
    if recorded != arch.platform:
        msg = (
            f"{tag} records {recorded}, not {arch.platform}: cibuildwheel would try to pull it. "
            "Build with a client that has BuildKit (Debian's /usr/bin/docker or buildx)."
        )
        raise FactoryError(msg)


def build_rootfs(client: str, suite: str, arch: Arch, *, rebuild: bool) -> str:
    """A minimal Debian root filesystem as an image, from debootstrap."""
    tag = f"addlist/rootfs:{suite}-{arch.debian}"
    label = recipe_hash((DOCKER_DIR / "rootfs.Dockerfile").read_text(), suite, DEBIAN_MIRROR)
    if not rebuild and image_label(tag) == label:
        say(f"{tag}: up to date")
        return tag
    if shutil.which("debootstrap") is None:
        msg = "debootstrap is needed to make base images here: `apt-get install debootstrap`"
        raise FactoryError(msg)
    with step(f"{tag}: debootstrap {suite} for {arch.debian}"):
        work = WORK_DIR / "rootfs" / f"{suite}-{arch.debian}"
        shutil.rmtree(work, ignore_errors=True)
        tree = work / "tree"
        tree.mkdir(parents=True)
        run(
            [
                "debootstrap", "--variant=minbase", f"--arch={arch.debian}", suite,
                str(tree), DEBIAN_MIRROR,
            ]
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


def _context(name: str, files: Iterable[tuple[str, bytes]]) -> Path:
    context = WORK_DIR / "context" / name
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    for relative, content in files:
        target = context / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return context


def build_base(client: str, image: Image, *, rebuild: bool) -> None:
    """The manylinux-like image: interpreters, build frontend, auditwheel, C toolchain."""
    rootfs = build_rootfs(client, image.suite, image.arch, rebuild=rebuild)
    recipe = (DOCKER_DIR / "manylinux.Dockerfile").read_text()
    interpreter = "\n".join(pinned_requirements("image-interpreter")) + "\n"
    tools = "\n".join(pinned_requirements("image-tools")) + "\n"
    cas = [
        (f"extra-ca/extra-ca-{i}.crt", path.read_bytes()) for i, path in enumerate(extra_ca_files())
    ]
    label = recipe_hash(
        recipe, image_label(rootfs) or "", image.debian_python, interpreter, tools,
        *(content for _, content in cas),
    )  # fmt: skip
    if not rebuild and image_label(image.base_tag) == label:
        say(f"{image.base_tag}: up to date")
        return
    files = [
        ("requirements/interpreter.txt", interpreter.encode()),
        ("requirements/tools.txt", tools.encode()),
        ("extra-ca/.keep", b""),
        *cas,
    ]
    context = _context(image.base_tag.replace("/", "_").replace(":", "_"), files)
    with step(f"{image.base_tag}: building"):
        docker_build(
            client,
            tag=image.base_tag,
            dockerfile=DOCKER_DIR / "manylinux.Dockerfile",
            context=context,
            arch=image.arch,
            label=label,
            build_args={"ROOTFS": rootfs, "DEBIAN_PYTHON": image.debian_python},
        )


def host_rust_sysroot() -> tuple[Path, str]:
    """The host's rustup toolchain folder and its version, to copy into an image."""
    if shutil.which("rustc") is None:
        msg = "no rustc on PATH: install Rust with rustup (https://rustup.rs)"
        raise FactoryError(msg)
    sysroot = Path(run(["rustc", "--print", "sysroot"], capture=True).stdout.strip())
    version = run(["rustc", "--version"], capture=True).stdout.strip()
    if not (sysroot / "bin" / "cargo").exists():
        msg = (
            f"the Rust toolchain at {sysroot} has no cargo beside rustc: the x86_64 image copies "
            "a rustup toolchain, so install Rust with rustup (https://rustup.rs)"
        )
        raise FactoryError(msg)
    return sysroot, version


def build_rust(client: str, image: Image, *, rebuild: bool) -> None:
    """The base image plus a Rust toolchain: the host's rustup one, or Debian's."""
    recipe_file = DOCKER_DIR / f"rust-from-{image.rust}.Dockerfile"
    recipe = recipe_file.read_text()
    toolchain = host_rust_sysroot() if image.rust == "host" else None
    label = recipe_hash(
        recipe, image_label(image.base_tag) or "", toolchain[1] if toolchain else ""
    )
    if not rebuild and image_label(image.tag) == label:
        say(f"{image.tag}: up to date")
        return
    context = _context(image.tag.replace("/", "_").replace(":", "_"), [])
    if toolchain:
        sysroot = toolchain[0]
        for part in ("bin", "lib"):  # not share/: documentation is most of a toolchain's size
            shutil.copytree(sysroot / part, context / "rust-toolchain" / part, symlinks=True)
    with step(f"{image.tag}: building"):
        docker_build(
            client,
            tag=image.tag,
            dockerfile=recipe_file,
            context=context,
            arch=image.arch,
            label=label,
            build_args={"BASE": image.base_tag},
        )
    shutil.rmtree(context)


def build_image(client: str, image: Image, *, rebuild: bool) -> None:
    build_base(client, image, rebuild=rebuild)
    if image.rust:
        build_rust(client, image, rebuild=rebuild)
