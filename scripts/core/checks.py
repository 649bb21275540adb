"""Checks of every artifact in the wheelhouse, each with a verdict the report can show."""

from __future__ import annotations

import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .distributions import of_file
from .progress import run

SOURCE_SUFFIXES = {".c", ".h", ".rs"}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True, kw_only=True)
class Check:
    artifact: str
    name: str
    ok: bool
    detail: str


def twine_check(files: list[Path]) -> list[Check]:
    checks = []
    for file in files:
        done = run(["twine", "check", "--strict", str(file)], capture=True, check=False)
        words = ANSI_ESCAPE.sub("", done.stdout + done.stderr).split()
        detail = words[-1] if words else "no output"
        checks.append(
            Check(
                artifact=file.name,
                name="twine check --strict",
                ok=done.returncode == 0,
                detail=detail,
            )
        )
    return checks


def auditwheel_show(wheel: Path) -> tuple[Check, str]:
    """auditwheel's platform tag for the wheel; a library it would have to graft fails it."""
    done = run(["auditwheel", "show", str(wheel)], capture=True, check=False)
    text = " ".join((done.stdout + done.stderr).split())
    tag = re.search(r'consistent with the following platform tag: "([^"]+)"', text)
    needs_libraries = "external shared libraries are required" in text
    ok = done.returncode == 0 and tag is not None and not needs_libraries
    detail = (tag.group(1) if tag else "no platform tag found") + (
        "; it needs external shared libraries" if needs_libraries else ""
    )
    shown = Check(artifact=wheel.name, name="auditwheel show", ok=ok, detail=detail)
    return shown, tag.group(1) if tag else "?"


def abi3_audit(wheel: Path) -> Check:
    done = run(["abi3audit", "--strict", "--report", str(wheel)], capture=True, check=False)
    report = (done.stdout + done.stderr).strip().splitlines()
    return Check(
        artifact=wheel.name,
        name="abi3audit --strict",
        ok=done.returncode == 0,
        detail=report[-1] if report else "",
    )


#: The only library auditwheel may graft into a wheel: Rust's unwinder links libgcc_s when it
#: builds an extension for musl (dynamically linked, -crt-static), and the musllinux policy
#: does not list it, so musllinux wheels of the Rust distribution carry their own copy.
GRAFTS_ALLOWED = {"addlist_rs": re.compile(r"libgcc_s-[0-9a-f]+\.so\.1")}


def wheel_contents(wheel: Path) -> Check:
    with zipfile.ZipFile(wheel) as archive:
        names = [PurePosixPath(name) for name in archive.namelist()]
    distribution = of_file(wheel.name)
    package = distribution.package
    shipped = {n.name for n in names if n.parts[0] == package and len(n.parts) == 2}
    extensions = distribution.extension_files(shipped)
    problems = []
    if shipped - extensions != distribution.package_files:
        problems.append(f"package files {sorted(shipped - extensions)}")
    # A pure-Python wheel carries no extension module: the package runs its reference.
    wanted_extensions = 0 if wheel.name.endswith("-none-any.whl") else 1
    if len(extensions) != wanted_extensions:
        problems.append(f"extension modules {sorted(extensions)}")
    elif "-abi3-" in wheel.name and not _is_abi3_module(next(iter(extensions))):
        problems.append(f"an abi3 wheel with {next(iter(extensions))}")
    if any(n.suffix in SOURCE_SUFFIXES for n in names):
        problems.append("source files")
    grafted = [n for n in names if any(part.endswith(".libs") for part in n.parts)]
    allowed = GRAFTS_ALLOWED.get(package) if "musllinux" in wheel.name else None
    if [n for n in grafted if allowed is None or not allowed.fullmatch(n.name)]:
        problems.append(f"libraries grafted in by auditwheel {sorted(n.name for n in grafted)}")
    if not any(n.parts[-2:] == ("licenses", "LICENSE") for n in names):
        problems.append("no LICENSE")
    detail = "; ".join(problems) if problems else f"{len(names)} files as expected"
    return Check(artifact=wheel.name, name="wheel contents", ok=not problems, detail=detail)


def _is_abi3_module(name: str) -> bool:
    """_core.abi3.so on Linux and macOS; Windows names a Limited-API module plain _core.pyd."""
    return ".abi3." in name or name == "_core.pyd"


def sdist_contents(sdist: Path) -> Check:
    with tarfile.open(sdist) as archive:
        names = {PurePosixPath(*PurePosixPath(n).parts[1:]).as_posix() for n in archive.getnames()}
    missing = of_file(sdist.name).sdist_files - names
    stray = sorted(n for n in names if n.split("/")[0] in {"target", "build", ".nox", ".venv"})
    problems = [f"missing {sorted(missing)}"] if missing else []
    if stray:
        problems.append(f"build output {stray[:3]}")
    detail = "; ".join(problems) if problems else f"{len(names)} entries, sources present"
    return Check(artifact=sdist.name, name="sdist contents", ok=not problems, detail=detail)
