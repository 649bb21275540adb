"""The README's commands, in front of nox: `scripts/test`, `scripts/build-wheels`, ...

Each command first parses and checks its options, so that `--help` and a mistyped option
answer at once. Then it checks what the chosen work needs on this machine (every program it
calls, each with the Debian package that provides it), installs the few system packages that
the wheel factory may install itself (in a root shell with apt-get), creates or reuses the
project's virtual environment with the pinned pip and nox (dependency group `bootstrap`), and
runs the command's nox sessions there. Standard library only: it runs before any environment
exists.

    python -m core.front build-wheels --arch x86_64 --only addlist
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import progress
from .config import ROOT, Arch
from .distributions import DISTRIBUTIONS, Distribution
from .progress import PipelineError, fail, run, say

#: What the README tells a Debian or Ubuntu user to install for its two commands: every
#: program core.front checks for, and the interpreter's venv and headers.
DEBIAN_PREREQUISITES = (
    "python3", "python3-venv", "python3-dev", "build-essential", "cargo", "rustfmt",
    "rust-clippy", "git",
)  # fmt: skip
#: The oldest Python the front and the pipeline run on (the pinned pip of `bootstrap` needs it).
PYTHON_NEEDED = (3, 10)
VENV = Path(os.environ.get("ADDLIST_VENV", ROOT / ".venv"))


@dataclass(frozen=True)  # not kw_only: the front must start on 3.9 to say it is too old
class Tool:
    """A program a command calls, and where it comes from."""

    #: as messages name it
    name: str
    #: a command that succeeds when the program is there (the first word is looked up first)
    probe: tuple[str, ...]
    #: the Debian package that provides it
    debian: str
    #: how to get it without Debian's package
    elsewhere: str = ""
    #: a system package the wheel factory installs itself (root shell with apt-get)
    system: bool = False

    def present(self) -> bool:
        if shutil.which(self.probe[0]) is None:
            return False
        if len(self.probe) == 1:
            return True
        done = subprocess.run(self.probe, capture_output=True, check=False)
        return done.returncode == 0


C_COMPILER = Tool(name="a C compiler (cc)", probe=("cc",), debian="build-essential")
CARGO = Tool(
    name="cargo", probe=("cargo",), debian="cargo", elsewhere="Rust from https://rustup.rs"
)
RUSTFMT = Tool(
    name="cargo fmt", probe=("cargo", "fmt", "--version"), debian="rustfmt",
    elsewhere="`rustup component add rustfmt`",
)  # fmt: skip
CLIPPY = Tool(
    name="cargo clippy", probe=("cargo", "clippy", "--version"), debian="rust-clippy",
    elsewhere="`rustup component add clippy`",
)  # fmt: skip
GIT = Tool(name="git", probe=("git",), debian="git")
DEBOOTSTRAP = Tool(name="debootstrap", probe=("debootstrap",), debian="debootstrap", system=True)
BINFMT = Tool(
    name="update-binfmts", probe=("update-binfmts",), debian="binfmt-support", system=True
)


def qemu(arch: Arch) -> Tool:
    """QEMU's user-mode emulator for containers of a foreign architecture."""
    return Tool(
        name=f"QEMU for {arch.name}", probe=(f"{arch.emulator}-static",),
        debian="qemu-user-static", system=True,
    )  # fmt: skip


@dataclass(frozen=True)  # not kw_only: the front must start on 3.9 to say it is too old
class Plan:
    """What a command will run, and what that needs on this machine."""

    sessions: tuple[str, ...]
    #: the arguments for the sessions (after nox's `--`)
    forwarded: tuple[str, ...]
    tools: tuple[Tool, ...]
    #: the interpreter's headers (Python.h): the work builds extension modules on this host
    headers: bool = False
    #: a container engine is required (no host-native fallback)
    containers: bool = False


def emulation_tools(arches: Sequence[Arch]) -> list[Tool]:
    import platform  # noqa: PLC0415 (host only needed here)

    from . import host  # noqa: PLC0415

    foreign = [arch for arch in arches if host.emulated(arch, platform.machine())]
    return [*(qemu(arch) for arch in foreign), BINFMT] if foreign else []


def image_tools(arches: Sequence[Arch], distributions: Sequence[Distribution]) -> list[Tool]:
    """What making the local build images needs: debootstrap, and this host's Rust toolchain
    where an image copies it (factory.config)."""
    from factory.config import IMAGES  # noqa: PLC0415

    host_rust = any(
        image.rust == "host"
        for arch in arches
        for distribution in distributions
        for image in IMAGES[(distribution.name, arch.name)]
    )
    return [DEBOOTSTRAP, CARGO] if host_rust else [DEBOOTSTRAP]


def plan_test(argv: Sequence[str]) -> Plan:
    parser = argparse.ArgumentParser(
        prog="scripts/test",
        description="Lint, build both distributions from source and run the whole suite "
        "against C, Rust and the reference, then the release pipeline's own tests (PyPI must "
        "be reachable: they resolve every install of the release on its target).",
        epilog="Any other argument goes to pytest, e.g. `scripts/test -k safety -x`.",
    )
    _, pytest_args = parser.parse_known_args(argv)
    return Plan(
        sessions=("lint", "tests", "pipeline"),
        forwarded=tuple(pytest_args),
        tools=(C_COMPILER, CARGO, RUSTFMT, CLIPPY, GIT),
        headers=True,
    )


def plan_bench(argv: Sequence[str]) -> Plan:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Builds C and Rust, version-specific and abi3, and the memory-floor "
        "calibration, and benchmarks them side by side (JSON in build/benchmark.json).",
        epilog="Any other argument goes to scripts/bench.py, e.g. `--runs 5`.",
    )
    _, bench_args = parser.parse_known_args(argv)
    return Plan(
        sessions=("bench",), forwarded=tuple(bench_args), tools=(C_COMPILER, CARGO), headers=True
    )


def plan_factory(job_name: str, argv: Sequence[str]) -> Plan:
    from factory import options as factory_options  # noqa: PLC0415

    job = factory_options.Job(job_name)
    prog = "scripts/build-wheels" if job is factory_options.Job.WHEELS else "scripts/build-images"
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTIONS[prog])
    factory_options.add_arguments(parser)
    try:
        chosen = factory_options.options(job, parser.parse_args(argv))
    except PipelineError as error:
        parser.error(str(error))
    tools = [GIT]
    in_containers = job is factory_options.Job.IMAGES or shutil.which("docker") is not None
    headers = False
    if in_containers:
        if chosen.images is factory_options.ImageSource.LOCAL:
            tools += image_tools(chosen.arches, chosen.distributions)
        tools += emulation_tools(chosen.arches)
    else:
        # No container engine: the factory builds host-native wheels, and says so.
        tools.append(C_COMPILER)
        headers = True
        if any(d.name == "addlist-rs" for d in chosen.distributions):
            tools.append(CARGO)
    session = "wheels" if job is factory_options.Job.WHEELS else "images"
    return Plan(
        sessions=(session,),
        forwarded=tuple(argv),
        tools=tuple(tools),
        headers=headers,
        containers=job is factory_options.Job.IMAGES,
    )


def plan_rehearsal(argv: Sequence[str]) -> Plan:
    from release import options as release_options  # noqa: PLC0415

    prog = "scripts/rehearse-release"
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTIONS[prog])
    release_options.add_arguments(parser)
    try:
        chosen = release_options.options(parser.parse_args(argv))
    except PipelineError as error:
        parser.error(str(error))
    everything = list(DISTRIBUTIONS.values())
    tools = [GIT, *image_tools(chosen.arches, everything), *emulation_tools(chosen.arches)]
    return Plan(sessions=("rehearsal",), forwarded=tuple(argv), tools=tuple(tools), containers=True)


DESCRIPTIONS = {
    "scripts/build-wheels": "The main job: the Linux wheels of both distributions (x86_64 "
    "and, through QEMU, aarch64), built, repaired and tested by cibuildwheel in build images "
    "made here (or reused), plus both sdists; every artifact checked; wheelhouse/report.md. "
    "Without a container engine it builds host-native wheels only, and says so.",
    "scripts/build-images": "Builds (or reuses) the Linux build images that the main job runs "
    "cibuildwheel in, from Debian's archive with debootstrap: no container registry needed.",
    "scripts/rehearse-release": "Runs .github/workflows/release.yml here for a tag push (its "
    "Linux jobs, to a package index on localhost), then installs the release from that index "
    "in clean containers of Debian's suites and tests it there.",
}


def plan_check_readme(argv: Sequence[str]) -> Plan:
    from factory import readme  # noqa: PLC0415

    readme.parse(list(argv))
    return Plan(
        sessions=("readme",), forwarded=tuple(argv), tools=(GIT, DEBOOTSTRAP), containers=True
    )


COMMANDS: dict[str, Callable[[Sequence[str]], Plan]] = {
    "test": plan_test,
    "bench": plan_bench,
    "build-wheels": lambda argv: plan_factory("wheels", argv),
    "build-images": lambda argv: plan_factory("images", argv),
    "rehearse-release": plan_rehearsal,
    "check-readme": plan_check_readme,
}


def check_python(*, headers: bool) -> list[str]:
    """What this interpreter lacks for the work, each with the way to get it."""
    problems = []
    if sys.version_info < PYTHON_NEEDED:
        needed = ".".join(map(str, PYTHON_NEEDED))
        problems.append(
            f"Python {needed} or newer (this is {sys.version.split()[0]}): set PYTHON=/path/to/"
            f"python{needed} or newer; Debian 12 and later have it (apt-get install python3)"
        )
    try:
        import ensurepip  # noqa: F401, PLC0415
        import venv  # noqa: F401, PLC0415
    except ImportError:
        problems.append("virtual environments (ensurepip): apt-get install python3-venv")
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if headers and not include.exists():
        problems.append(f"the Python headers ({include}): apt-get install python3-dev")
    return problems


def rust_version_needed() -> str:
    """The rust-version of Cargo.toml: the oldest rustc that PyO3 and the crate build with."""
    text = (ROOT / "Cargo.toml").read_text()
    match = re.search(r'^rust-version = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        msg = "Cargo.toml names no rust-version"
        raise PipelineError(msg)
    return match.group(1)


def rust_refusal(found: str) -> str:
    """What the front says when rustc is older than rust_version_needed()."""
    return f"rustc {rust_version_needed()} or newer (Cargo.toml rust-version; this is {found})"


def check_rust_version() -> list[str]:
    """rustc against the rust-version of Cargo.toml."""
    rustc = shutil.which("rustc")
    done = (
        subprocess.run([rustc, "--version"], capture_output=True, text=True, check=False)
        if rustc
        else None
    )
    have = re.search(r"(\d+)\.(\d+)", done.stdout) if done else None
    if have is None:
        return ["rustc: cargo is there but `rustc --version` does not answer (install rustc)"]
    needed = tuple(int(part) for part in rust_version_needed().split(".")[:2])
    if (int(have.group(1)), int(have.group(2))) < needed:
        return [f"{rust_refusal(have.group(0))}: rustup update, or Debian 13's cargo"]
    return []


def ensure_tools(plan: Plan) -> None:
    """Checks every program the plan calls; installs the factory's system packages when it
    may, and otherwise stops with one message that names every missing package."""
    problems = check_python(headers=plan.headers)
    if plan.containers and shutil.which("docker") is None:
        problems.append("a container engine (docker): apt-get install docker.io")
    missing = [tool for tool in plan.tools if not tool.present()]
    system = [tool for tool in missing if tool.system]
    if system and os.geteuid() == 0 and shutil.which("apt-get"):
        packages = sorted({tool.debian for tool in system})
        say(f"installing {' '.join(packages)} with apt-get")
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-q"], capture=True, env=quiet)
        run(["apt-get", "install", "-y", "-q", *packages], capture=True, env=quiet)
        missing = [tool for tool in missing if not tool.present()]
    if CARGO in plan.tools and CARGO not in missing:
        problems += check_rust_version()
    if missing:
        install = " ".join(sorted({tool.debian for tool in missing}))
        names = ", ".join(tool.name for tool in missing)
        others = "; ".join(f"{t.name}: {t.elsewhere}" for t in missing if t.elsewhere)
        problems.append(
            f"{names}. Debian/Ubuntu: sudo apt-get install {install}"
            + (f" (elsewhere: {others})" if others else "")
        )
    if problems:
        msg = "this machine lacks what the command needs:\n  - " + "\n  - ".join(problems)
        raise PipelineError(msg)


def ensure_venv() -> Path:
    """The project's virtual environment with the pinned pip and nox; returns its bin folder."""
    bin_dir = VENV / "bin"
    if not (bin_dir / "python").exists():
        say(f"creating the virtual environment {VENV}")
        run([sys.executable, "-m", "venv", str(VENV)])
        # Dependency groups need pip 25.1 or newer; the group then pins the exact version.
        run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip>=25.1"])
    group = f"{ROOT / 'pyproject.toml'}:bootstrap"
    run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--group", group])
    return bin_dir


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        fail(f"usage: python -m core.front {{{','.join(COMMANDS)}}} [options]")
        return 2
    progress.set_label(args[0])
    if sys.version_info < PYTHON_NEEDED:  # before the planning imports, which need 3.10
        fail(check_python(headers=False)[0])
        return 2
    try:
        plan = COMMANDS[args[0]](args[1:])
        ensure_tools(plan)
        bin_dir = ensure_venv()
    except PipelineError as error:
        fail(str(error))
        return 2
    command = [str(bin_dir / "nox"), "--sessions", *plan.sessions, "--", *plan.forwarded]
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    # scripts/lib.sh put scripts/ on PYTHONPATH for this module only; the sessions set their own.
    paths = env.get("PYTHONPATH", "").split(os.pathsep)
    if str(ROOT / "scripts") in paths:
        paths.remove(str(ROOT / "scripts"))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    if not env["PYTHONPATH"]:
        del env["PYTHONPATH"]
    say(f"nox {' '.join(command[1:])}")
    returncode = run_as_group(command, cwd=ROOT, env=env)
    say("done" if returncode == 0 else f"FAILED (exit code {returncode})")
    return returncode


#: What a terminal or `kill` sends to end a run: the front hands each to nox's process group.
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def run_as_group(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> int:
    """Runs `command` in a process group of its own and hands it every FORWARDED_SIGNALS one
    this process gets, then waits for it. Why: a `kill` of the front alone used to leave nox,
    its debootstrap and its `docker build` clients running (BuildKit went on building); the
    whole group now gets the signal, as a terminal's Ctrl-C always did. The handlers are in
    place before the child starts, so no signal falls between; the child starts with the
    default dispositions (exec resets caught signals), even where the front's were ignored."""
    group: list[int] = []  # the child's pid, once it exists
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if not group:
            pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):  # the group is gone already
            os.killpg(group[0], signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        child = subprocess.Popen(list(command), cwd=cwd, env=env, start_new_session=True)
        group.append(child.pid)
        for signum in pending:
            forward(signum, None)
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
