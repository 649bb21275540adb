"""CPython interpreters this machine lacks, built once from Debian's source packages.

The release rehearsal's stand-in for setup-python needs the CPython a job asks for, and the
free-threaded test session needs a CPython built with `--disable-gil`; neither may depend on
what the machine happens to have. The builds go to ~/.cache/addlist/cpython/, outside the
repository, once per machine.

    python -m core.cpython 3.13t     # build (or find) it, print its path
"""

from __future__ import annotations

import argparse
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import urllib.request
from pathlib import Path

from .config import DEBIAN_MIRROR, WORK_DIR
from .progress import PipelineError, fail, say

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "addlist" / "cpython"
#: The Debian suite whose source package of CPython X.Y is built.
SUITES = {"3.13": "trixie", "3.11": "bookworm"}
_LOCK = threading.Lock()


def interpreter(version: str, *, log: Path) -> Path:
    """A CPython of `version` ("3.13", or "3.13t" for the free-threaded build): from
    ADDLIST_PYTHON_<X_Y>[T], on PATH, or built here (a few minutes, once per machine). A
    candidate counts only if it runs and is that version and kind (a pyenv shim without it
    does not)."""
    with _LOCK:  # two jobs ask for the same Python at once: build it once
        return _interpreter(version, log=log)


def _interpreter(version: str, *, log: Path) -> Path:
    minor = version.removesuffix("t")
    variable = f"ADDLIST_PYTHON_{version.replace('.', '_').upper()}"
    configured = os.environ.get(variable)
    built = CACHE / version / "bin" / f"python{minor}"
    candidates = [configured, shutil.which(f"python{version}"), str(built)]
    for candidate in filter(None, candidates):
        if is_python(candidate, version):
            return Path(candidate)
    if configured:
        msg = f"{variable}={configured} is not a CPython {version}"
        raise PipelineError(msg)
    if minor not in SUITES:
        msg = (
            f"no CPython {version} here, and none can be built from Debian's sources: put "
            f"python{version} on PATH or set {variable}=/path/to/python"
        )
        raise PipelineError(msg)
    build(version, SUITES[minor], log=log)
    return built


def is_python(candidate: str, version: str) -> bool:
    """Whether `candidate` runs and is CPython `version` (with "t": free-threaded)."""
    probe = (
        "import sys, sysconfig; t = 't' if sysconfig.get_config_var('Py_GIL_DISABLED') else ''; "
        "print('%d.%d' % sys.version_info[:2] + t)"
    )
    try:
        done = subprocess.run([candidate, "-c", probe], capture_output=True, text=True, check=False)
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def debian_source_version(package: str, suite: str) -> tuple[str, str]:
    """(version, upstream tarball name) of a source package in a suite, from its Sources index."""
    url = f"{DEBIAN_MIRROR}/dists/{suite}/main/source/Sources.xz"
    with urllib.request.urlopen(url, timeout=120) as answer:
        text = lzma.decompress(answer.read()).decode(errors="replace")
    for stanza in text.split("\n\n"):
        if f"\nPackage: {package}\n" in f"\n{stanza}\n":
            found = re.search(r"^Version: (.+)$", stanza, re.MULTILINE)
            tarball = re.search(
                rf"\s({re.escape(package)}_[^\s]+\.orig\.tar\.\w+)$", stanza, re.MULTILINE
            )
            if found and tarball:
                return found[1], tarball[1]
    msg = f"{suite} has no source package {package}"
    raise PipelineError(msg)


def build(version: str, suite: str, *, log: Path) -> None:
    """Builds CPython `version` from `suite`'s source package into CACHE/<version>, with its
    test modules (_testcapi: the allocation-failure tests need it)."""
    minor = version.removesuffix("t")
    free_threaded = version.endswith("t")
    package = f"python{minor}"
    debian_version, tarball = debian_source_version(package, suite)
    prefix = CACHE / version
    work = CACHE / f"build-{version}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    kind = " (free-threaded)" if free_threaded else ""
    say(f"building CPython {version}{kind} ({debian_version}, {suite}) into {prefix} (log: {log})")
    url = f"{DEBIAN_MIRROR}/pool/main/p/{package}/{tarball}"
    with urllib.request.urlopen(url, timeout=600) as answer:
        (work / tarball).write_bytes(answer.read())
    with tarfile.open(work / tarball) as archive:
        archive.extractall(work, filter="data")
    source = next(p for p in work.iterdir() if p.is_dir())
    configure = ["./configure", f"--prefix={prefix}", "--with-ensurepip=install"]
    if free_threaded:
        configure.append("--disable-gil")
    steps = [configure, ["make", f"-j{os.cpu_count() or 1}"], ["make", "install"]]
    with log.open("a") as output:
        for command in steps:
            say(f"  $ {' '.join(command)}")
            done = subprocess.run(
                command, cwd=source, stdout=output, stderr=subprocess.STDOUT, check=False
            )
            if done.returncode != 0:
                msg = (
                    f"building CPython {version} failed at `{' '.join(command)}` (log: {log}). "
                    "It needs a C compiler and the headers of OpenSSL, zlib, libffi, bzip2, xz and "
                    "SQLite: apt-get install build-essential libssl-dev zlib1g-dev libffi-dev "
                    "libbz2-dev liblzma-dev libsqlite3-dev"
                )
                raise PipelineError(msg)
    check = subprocess.run(
        [str(prefix / "bin" / f"python{minor}"), "-c", "import ssl, sqlite3, zlib, ctypes"],
        check=False,
    )
    if check.returncode != 0:
        msg = f"CPython {version} was built without ssl, sqlite3, zlib or ctypes: see {log}"
        raise PipelineError(msg)
    shutil.rmtree(work)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.cpython", description=__doc__)
    parser.add_argument("version", help='"3.13", or "3.13t" for the free-threaded build')
    args = parser.parse_args(argv)
    try:
        print(interpreter(args.version, log=WORK_DIR / "logs" / f"cpython-{args.version}.log"))
    except PipelineError as error:
        fail(str(error))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
