#!/usr/bin/env python3
# /// script
# dependencies = ["nox"]  # the version: `bootstrap` in pyproject.toml, and needs_version below
# ///
"""Task runner: `nox -s lint`, `nox -s tests`, `nox -s bench`, `nox -s wheels`.

The README's commands (`scripts/test`, `scripts/build-wheels`, `scripts/bench`) bootstrap a
virtual environment with nox and run these sessions. Tool versions come from the dependency
groups in pyproject.toml, the one place where they are pinned.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nox
from packaging.requirements import Requirement

ROOT = Path(__file__).parent
# The project's registry and settings (core.distributions, core.config: standard library only).
sys.path.insert(0, str(ROOT / "scripts"))
from core.config import CARGO_TARGET_DIR
from core.distributions import DISTRIBUTIONS, IMPLEMENTATIONS, Distribution
from core.front import COMMANDS

# The oldest nox with nox.project.dependency_groups; the `bootstrap` group pins the one we use.
nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
# Environments are kept between runs; install_groups() reinstalls only when the pins changed.
nox.options.reuse_venv = "yes"

PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BUILD = ROOT / "build"
CARGO_ENV = {"CARGO_TARGET_DIR": str(CARGO_TARGET_DIR)}

#: The shell entry points: one per command of the front, and cibuildwheel's Rust installer.
ENTRY_POINTS = [*(f"scripts/{command}" for command in COMMANDS), "scripts/install-rust"]
C_SOURCES = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "src").rglob("*.[ch]"))
#: Every distribution's source folder, for building them all from source.
SOURCES = [str(ROOT / d.folder) for d in DISTRIBUTIONS.values()]
#: The pipeline's packages are in scripts/ (python -m factory, python -m release).
FACTORY_ENV = {"PYTHONPATH": str(ROOT / "scripts")}


def install_groups(session: nox.Session, *groups: str) -> None:
    """Installs the pinned requirements of dependency groups, unless a reused environment
    already got exactly these (the stamp file records what was installed last)."""
    requirements = [r for group in groups for r in nox.project.dependency_groups(PYPROJECT, group)]
    stamp = Path(session.virtualenv.location) / "addlist-installed.txt"
    wanted = "\n".join(requirements) + "\n"
    if stamp.is_file() and stamp.read_text() == wanted:
        session.log(f"the pins of {', '.join(groups)} are unchanged: nothing to install")
        return
    session.install(*requirements)
    stamp.write_text(wanted)


def build_wheel(
    session: nox.Session,
    distribution: Distribution,
    out_dir: Path,
    *,
    abi3: bool = False,
    config: tuple[str, ...] = (),
) -> Path:
    """Builds one wheel with the pinned backend (no build isolation) and returns its path;
    `config` holds extra --config-settings for the backend."""
    out_dir.mkdir(parents=True, exist_ok=True)
    before = set(out_dir.glob("*.whl"))
    env = {**CARGO_ENV, **(distribution.abi3_environment if abi3 else {})}
    settings = [f"--config-settings={setting}" for setting in config]
    session.run(
        "python", "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", *settings,
        "--wheel-dir", str(out_dir), str(ROOT / distribution.folder), env=env,
    )  # fmt: skip
    (wheel,) = set(out_dir.glob("*.whl")) - before
    return wheel


#: File hygiene (pre-commit-hooks' programs): the fixers rewrite a file and fail the session.
HYGIENE = [
    ["check-case-conflict"],
    ["check-merge-conflict"],
    ["check-symlinks"],
    ["check-toml"],
    ["check-yaml"],
    ["check-added-large-files", "--enforce-all", "--maxkb=1000"],
    ["end-of-file-fixer"],
    ["trailing-whitespace-fixer"],
    ["mixed-line-ending", "--fix=lf"],
]


@nox.session(default=True)
def lint(session: nox.Session) -> None:
    """Every static check, at the versions pinned in pyproject.toml: the one lint definition
    (.pre-commit-config.yaml runs this session)."""
    install_groups(session, "lint")
    tracked = str(session.run("git", "ls-files", silent=True, external=True)).split()
    files = [name for name in tracked if (ROOT / name).is_file()]
    for check in HYGIENE:
        suffixes = {"check-toml": (".toml",), "check-yaml": (".yml", ".yaml")}.get(check[0])
        chosen = [name for name in files if suffixes is None or name.endswith(suffixes)]
        session.run(*check, *chosen, silent=True)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    # The tracked files only: a main job's test environments under build/ hold other projects'.
    session.run("codespell", *files)
    session.run("clang-format", "--dry-run", "--Werror", *C_SOURCES)
    session.run("validate-pyproject", "pyproject.toml", "rust/pyproject.toml")
    session.run("repo-review", ".")
    # The GitHub workflows: GitHub's JSON schemas, and zizmor's security audits (offline: the
    # audits that ask GitHub's API cannot run here). actionlint cannot be installed here.
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run(
        "check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"
    )
    session.run("zizmor", "--offline", "--pedantic", ".github/")
    shell_scripts = [
        "scripts/lib.sh",
        ".ci/run",
        *ENTRY_POINTS,
        *sorted(str(p) for p in (ROOT / "docker").glob("*.sh")),
    ]
    session.run("shellcheck", "--external-sources", *shell_scripts)
    session.run("cargo", "fmt", "--all", "--check", external=True)
    pyo3_env = {**CARGO_ENV, "PYO3_PYTHON": sys.executable}
    for features in ([], ["--features", "abi3"]):
        session.run(
            "cargo", "clippy", "--workspace", "--all-targets", *features, "--", "-D", "warnings",
            env=pyo3_env, external=True,
        )  # fmt: skip


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """Builds both distributions from source, installs them and runs the whole suite, on any
    supported Python (`nox -s tests --force-python 3.9`).

    Extra arguments go to pytest, e.g. `nox -s tests -- -k safety -x`.
    """
    install_groups(session, "build", "test")
    session.run(
        "python", "-m", "pip", "install", "--no-build-isolation", "--force-reinstall",
        "--no-deps", *SOURCES, env=CARGO_ENV,
    )  # fmt: skip
    session.run("pytest", *session.posargs)
    # The differential fuzzer's short run (the long one is `nox -s fuzz`).
    session.run("python", "tests/fuzz.py", "--seconds", "60")


@nox.session(default=False)
def fuzz(session: nox.Session) -> None:
    """The differential fuzzer's long run: C, Rust and the reference on generated adversarial
    inputs for 30 minutes, or as asked: `nox -s fuzz -- --seconds 600 --seed 1000000`."""
    install_groups(session, "build", "test")
    session.run(
        "python", "-m", "pip", "install", "--no-build-isolation", "--force-reinstall",
        "--no-deps", *SOURCES, env=CARGO_ENV,
    )  # fmt: skip
    session.run("python", "tests/fuzz.py", *(session.posargs or ["--seconds", "1800"]))


#: The C module under AddressSanitizer and UndefinedBehaviorSanitizer: any finding ends the run.
SANITIZE = "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"


@nox.session(default=False)
def sanitizers(session: nox.Session) -> None:
    """The C module built with ASan and UBSan (gcc or clang), version-specific and abi3: the
    whole suite and two minutes of the differential fuzzer against each build.

    CPython itself is not instrumented: the sanitizer runtime is preloaded, Python's own
    allocator is switched off (PYTHONMALLOC=malloc) so that ASan sees every object, and leak
    detection is off (the interpreter keeps memory until exit by design).
    """
    install_groups(session, "build-c", "test")
    compiler = shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        session.error("the sanitizer builds need gcc or clang: apt-get install build-essential")
    runtimes = [
        str(session.run(compiler, f"-print-file-name={name}", silent=True, external=True)).strip()
        for name in ("libasan.so", "libubsan.so")
    ]
    missing = [path for path in runtimes if not Path(path).is_absolute()]
    if missing:
        session.error(f"no sanitizer runtime {missing}: apt-get install libasan8 libubsan1")
    addlist = DISTRIBUTIONS["addlist"]
    env = {
        "LD_PRELOAD": " ".join(runtimes),
        "PYTHONMALLOC": "malloc",
        "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:strict_string_checks=1",
        "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
    }
    for abi3 in (False, True):
        session.run(
            "python", "-m", "pip", "install", "--no-build-isolation", "--force-reinstall",
            "--no-deps", "-C", f"cmake.define.CMAKE_C_FLAGS={SANITIZE} -g -O1",
            "-C", f"cmake.define.CMAKE_MODULE_LINKER_FLAGS={SANITIZE}",
            "-C", "build-dir=build/sanitizers/{wheel_tag}", str(ROOT / addlist.folder),
            env=addlist.abi3_environment if abi3 else {},
        )  # fmt: skip
        # --capture=sys: a sanitizer writes its report to the real stderr before it aborts.
        session.run(
            "pytest", "--implementations=c,reference", "--capture=sys", *session.posargs, env=env
        )
        session.run(
            "python", "tests/fuzz.py", "--implementations", "c,reference", "--seconds", "120",
            env=env,
        )  # fmt: skip


@nox.session(default=False, venv_backend="none")
def freethreaded(session: nox.Session) -> None:
    """The C module on free-threaded CPython 3.13 with the GIL off: the whole suite (thread
    stress tests and allocation-failure injection included) and two minutes of the fuzzer.

    The interpreter is built here from Debian's source package when there is none (once per
    machine, into ~/.cache/addlist/cpython/3.13t). PyO3 0.30 refuses 3.13t, so the Rust
    module's free-threaded run is ci.yml's, on GitHub (3.14t).
    """
    found = session.run(
        sys.executable, "-m", "core.cpython", "3.13t", silent=True, env=FACTORY_ENV, external=True,
    )  # fmt: skip
    interpreter = str(found).strip().splitlines()[-1]
    venv = BUILD / "freethreaded" / "venv"
    python = str(venv / "bin" / "python")
    if not Path(python).exists():
        session.run(interpreter, "-m", "venv", str(venv), external=True)
    # The test group, but with the pure-Python Hypothesis release it pins for the machines
    # without its free-threaded wheels (riscv64 as one): the later ones are compiled with PyO3,
    # which has no wheel for 3.13t and refuses to build one.
    test = nox.project.dependency_groups(PYPROJECT, "test")
    machine = {"python_version": "3.13", "platform_machine": "riscv64"}  # the rest: this host
    hypothesis = [Requirement(r) for r in test if r.startswith("hypothesis")]
    (pure,) = [
        f"{r.name}{r.specifier}" for r in hypothesis if r.marker and r.marker.evaluate(machine)
    ]
    requirements = [r for r in test if not r.startswith("hypothesis")] + [pure]
    build_c = nox.project.dependency_groups(PYPROJECT, "build-c")
    session.run(
        python, "-m", "pip", "install", "--quiet", *build_c, *requirements, external=True
    )  # fmt: skip
    session.run(
        python, "-m", "pip", "install", "--no-build-isolation", "--force-reinstall", "--no-deps",
        ".", external=True,
    )  # fmt: skip
    gil_off = {"PYTHON_GIL": "0"}
    session.run(
        python, "-m", "pytest", "--implementations=c,reference", *session.posargs, env=gil_off,
        external=True,
    )  # fmt: skip
    session.run(
        python, "tests/fuzz.py", "--implementations", "c,reference", "--seconds", "120",
        env=gil_off, external=True,
    )  # fmt: skip


@nox.session(default=True)
def pipeline(session: nox.Session) -> None:
    """The release pipeline's own tests (scripts/tests): the workflows, the expected wheel set,
    the gate, and every install of the release resolved for its target (needs PyPI)."""
    install_groups(session, "bootstrap", "gate", "test")
    # Some tests collect the shared suite against the reference: the pure-Python build of
    # addlist (no compiler) is enough for that.
    session.install("--no-deps", "--config-settings=wheel.cmake=false", ".")
    session.run("pytest", "scripts/tests", "-p", "no:cacheprovider", env=FACTORY_ENV)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Builds every variant (C, Rust; version-specific and abi3) and the memory-floor
    calibration, and benchmarks them side by side."""
    install_groups(session, "build")
    variants = []
    for implementation in ("c", "rust"):
        distribution = DISTRIBUTIONS[str(IMPLEMENTATIONS[implementation].distribution)]
        for abi3 in (False, True):
            name = f"{implementation}-abi3" if abi3 else implementation
            wheel = build_wheel(session, distribution, BUILD / "bench" / "wheels" / name, abi3=abi3)
            target = BUILD / "bench" / "site" / name
            shutil.rmtree(target, ignore_errors=True)
            session.run(
                "python", "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)
            )
            variants.append(f"{name}={target}")
    # The calibration row: the C module with its memory-floor loop, built the same way.
    floor_config = ("cmake.define.ADDLIST_BENCH_FLOOR=ON", "build-dir=build/bench/floor")
    addlist = DISTRIBUTIONS["addlist"]
    wheel = build_wheel(session, addlist, BUILD / "bench" / "wheels" / "floor", config=floor_config)
    floor = BUILD / "bench" / "site" / "floor"
    shutil.rmtree(floor, ignore_errors=True)
    session.run("python", "-m", "pip", "install", "--no-deps", "--target", str(floor), str(wheel))
    session.run(
        "python", "scripts/bench.py", "--json", str(BUILD / "benchmark.json"),
        "--floor", str(floor), *variants, *session.posargs,
    )  # fmt: skip


@nox.session(default=False)
def images(session: nox.Session) -> None:
    """Builds (or reuses) the Linux build images. `nox -s images -- --rebuild` starts over."""
    install_groups(session, "factory")
    session.run("python", "-m", "factory", "images", *session.posargs, env=FACTORY_ENV)


@nox.session(default=False)
def wheels(session: nox.Session) -> None:
    """The main job: every Linux wheel this machine can make, built, repaired and tested.

    Arguments go to the factory, e.g. `nox -s wheels -- --arch x86_64 --only addlist`.
    """
    install_groups(session, "build", "factory")
    session.run("python", "-m", "factory", "wheels", *session.posargs, env=FACTORY_ENV)


@nox.session(default=False)
def readme(session: nox.Session) -> None:
    """The README's two commands in clean Debian containers (`scripts/check-readme`)."""
    install_groups(session, "pipeline")
    session.run("python", "-m", "factory.readme", *session.posargs, env=FACTORY_ENV)


@nox.session(default=False)
def rehearsal(session: nox.Session) -> None:
    """The local release rehearsal: release.yml run here, to a local index, then containers.

    Arguments go to `python -m release rehearse`, e.g. `nox -s rehearsal -- --arch x86_64`.
    """
    install_groups(session, "rehearsal")
    session.run("python", "-m", "release", "rehearse", *session.posargs, env=FACTORY_ENV)


if __name__ == "__main__":
    nox.main()
