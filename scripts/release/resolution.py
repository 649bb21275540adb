"""Every Python package install the release does, resolved binary-only for its own target.

A release installs packages in three kinds of places: the tools of each workflow job (on its
runner, with the Python that job sets up), the nox sessions those jobs run, and what
cibuildwheel installs for every wheel it builds and tests (`[build-system] requires` and
`before-test`, on that wheel's interpreter, OS and architecture). Each is resolved here with
pip's own resolver, `--only-binary :all:` and the target's tags, so that a pin that has no
wheel for a target (or excludes its Python) fails here instead of on a runner.

pip evaluates environment markers against the interpreter that runs it, whatever
`--python-version` says; so pip runs here with its marker environment replaced by the
target's (PIP_FOR_TARGETS below), and a `python_version < '3.10'` pin is judged for the target.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from ruamel.yaml import YAML

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from core import wheels
from core.config import ROOT, pinned_requirements
from core.distributions import DISTRIBUTIONS
from core.progress import say

from .wheelset import PLATFORMS, tested_identifiers

WORKFLOWS = ROOT / ".github" / "workflows"

#: GitHub's runner labels the workflows use: (platform.system(), platform.machine(), the
#: best wheel platform tag of that machine). pip widens a tag to the older ones it implies
#: (manylinux_2_39 takes manylinux_2_17 and 2014 wheels; macosx_15_0 takes 10.13 ones).
RUNNERS = {
    "ubuntu-24.04": ("Linux", "x86_64", "manylinux_2_39_x86_64"),
    "ubuntu-24.04-arm": ("Linux", "aarch64", "manylinux_2_39_aarch64"),
    "macos-15-intel": ("Darwin", "x86_64", "macosx_15_0_x86_64"),
    "macos-15": ("Darwin", "arm64", "macosx_15_0_arm64"),
    "windows-2025": ("Windows", "AMD64", "win_amd64"),
    "windows-11-arm": ("Windows", "ARM64", "win_arm64"),
}
#: The marker values of each OS.
SYSTEMS = {"Linux": ("linux", "posix"), "Darwin": ("darwin", "posix"), "Windows": ("win32", "nt")}

#: Runs pip once for each job read from stdin (JSON: the target's marker environment and pip's
#: arguments), with pip's marker environment replaced by the job's, and prints each exit code
#: and error output (JSON). The index pages pip fetches are kept for the next jobs: the jobs
#: ask for the same few projects on many targets.
PIP_FOR_TARGETS = """
import contextlib, io, json, sys
import pip._vendor.packaging.markers as markers
from pip._internal.cli.main import main
from pip._internal.index.collector import LinkCollector

environment = {}
markers.default_environment = lambda: dict(environment)
pages = {}
fetch = LinkCollector.fetch_response

def fetch_once(self, location, package_name=None):
    if location.url not in pages:
        pages[location.url] = fetch(self, location, package_name)
    return pages[location.url]

LinkCollector.fetch_response = fetch_once
results = []
for job in json.load(sys.stdin):
    environment.clear()
    environment.update(job["environment"])
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(job["arguments"])
        except SystemExit as stop:
            code = stop.code
    results.append({"code": code, "stderr": errors.getvalue()})
json.dump(results, sys.stdout)
"""


@dataclass(frozen=True, kw_only=True)
class Target:
    """An interpreter on an OS and architecture, as pip and environment markers see it."""

    python: str  # "3.13"
    abi: str  # "cp313", "cp314t"
    system: str  # platform.system(): Linux, Darwin, Windows
    machine: str  # platform.machine() there: x86_64, aarch64, arm64, AMD64, ARM64
    platform_tag: str  # the best wheel platform tag: manylinux_2_28_x86_64, win_arm64

    def __str__(self) -> str:
        return f"CPython {self.python}{'t' if self.abi.endswith('t') else ''} {self.platform_tag}"

    def marker_environment(self) -> dict[str, str]:
        sys_platform, os_name = SYSTEMS[self.system]
        full = f"{self.python}.0"
        return {
            "implementation_name": "cpython",
            "implementation_version": full,
            "os_name": os_name,
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": self.system,
            "platform_version": "",
            "python_full_version": full,
            "python_version": self.python,
            "sys_platform": sys_platform,
        }

    def platform_tags(self) -> list[str]:
        """The best tag and every older one it implies. pip widens macOS tags itself but takes
        `manylinux_2_39_x86_64` literally, so the Linux ones are listed here."""
        match = re.fullmatch(r"(manylinux|musllinux)_(\d+)_(\d+)_(.+)", self.platform_tag)
        if match is None:
            return [self.platform_tag]
        policy, major, minor, arch = match[1], int(match[2]), int(match[3]), match[4]
        oldest = 5 if policy == "manylinux" else 0
        tags = [f"{policy}_{major}_{m}_{arch}" for m in range(minor, oldest - 1, -1)]
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
        if policy == "manylinux":
            tags += [f"{name}_{arch}" for m, name in legacy.items() if m <= minor]
        return tags

    def pip_options(self) -> list[str]:
        options = [
            "--only-binary", ":all:", "--implementation", "cp", "--python-version", self.python,
            "--abi", self.abi,
        ]  # fmt: skip
        for tag in self.platform_tags():
            options += ["--platform", tag]
        return options


@dataclass(frozen=True, kw_only=True)
class Install:
    """One place where the release installs packages, and what it installs there."""

    where: str
    target: Target
    requirements: tuple[str, ...]
    #: Which installation on that target: installs into the same environment are resolved
    #: together (cibuildwheel's build and test environments, a job's tools, a nox session).
    environment: str


@dataclass(frozen=True, kw_only=True)
class Finding:
    install: Install
    problem: str

    def __str__(self) -> str:
        return f"{self.install.where} on {self.install.target}: {self.problem}"


# ---------------------------------------------------------------------------------------------
# Where the release installs packages


def load_yaml(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = YAML(typ="safe").load(path.read_text())
    return document


def target_for_runner(runner: str, python: str) -> Target:
    if runner not in RUNNERS:
        msg = f"runner {runner!r} is not in release.resolution.RUNNERS: add its OS and tags"
        raise ValueError(msg)
    system, machine, platform_tag = RUNNERS[runner]
    free_threaded = python.endswith("t")
    version = python.removesuffix("t")
    abi = f"cp{version.replace('.', '')}{'t' if free_threaded else ''}"
    return Target(
        python=version, abi=abi, system=system, machine=machine, platform_tag=platform_tag
    )


MATRIX_EXPRESSION = re.compile(r"\$\{\{\s*matrix\.([\w.-]+)\s*\}\}")


def substitute_matrix(text: str, matrix: dict[str, Any]) -> str:
    """`${{ matrix.target.runner }}` -> its value; other expressions are left as they are."""

    def value(match: re.Match[str]) -> str:
        found: Any = matrix
        for key in match[1].split("."):
            found = found[key]
        return str(found)

    return MATRIX_EXPRESSION.sub(value, text)


def matrix_combinations(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The job's matrix expanded (lists crossed; include/exclude are not used by our jobs)."""
    matrix = job.get("strategy", {}).get("matrix")
    if not matrix:
        return [{}]
    if {"include", "exclude"} & set(matrix):
        msg = "matrix include/exclude: not supported by release.resolution; expand by hand"
        raise ValueError(msg)
    combinations: list[dict[str, Any]] = [{}]
    for key, values in matrix.items():
        combinations = [{**c, key: v} for c in combinations for v in values]
    return combinations


GROUP = re.compile(r"--group[ =](?:\S*:)?([\w-]+)")
REQUIREMENTS_FILE = re.compile(r"(?:-r|--requirement)[ =](\S+)")
NOX_SESSION = re.compile(r"\bnox\b.*?(?:-s|--sessions?)[ =]([\w-]+(?:[ ,]+[\w-]+)*)")
FORCE_PYTHON = re.compile(r"--force-python[ =]\"?([\w.]+)\"?")
SHELL_VARIABLE = re.compile(r"\$\{?(\w+)\}?")


@cache
def nox_session_groups() -> dict[str, tuple[str, ...]]:
    """Which dependency groups each nox session installs (install_groups calls in noxfile.py)."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    sessions: dict[str, tuple[str, ...]] = {}
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        groups = [
            arg.value
            for call in ast.walk(function)
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "install_groups"
            for arg in call.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        sessions[function.name] = tuple(groups)
    return sessions


def step_requirements(command: str, env: dict[str, str]) -> list[tuple[str | None, str, list[str]]]:
    """What a `run:` script installs, as (Python, environment, requirements): groups and
    requirement files installed with pip (on the job's default Python: None), and the groups
    of the nox sessions it runs (on `--force-python`'s, else the default). `$NAME` is
    replaced from the step's env."""
    installs: list[tuple[str | None, str, list[str]]] = []
    for raw in command.splitlines():
        line = SHELL_VARIABLE.sub(lambda m: env.get(m[1], m[0]), raw)
        if "pip install" in line:
            requirements = [r for g in GROUP.findall(line) for r in pinned_requirements(g)]
            for path in REQUIREMENTS_FILE.findall(line):
                requirements += read_requirements(ROOT / path)
            installs.append((None, "tools", requirements))
        for sessions in NOX_SESSION.findall(line):
            forced = FORCE_PYTHON.search(line)
            for session in re.split(r"[ ,]+", sessions.strip()):
                groups = nox_session_groups().get(session.replace("-", "_"), ())
                requirements = [r for g in groups for r in pinned_requirements(g)]
                installs.append((forced[1] if forced else None, f"nox {session}", requirements))
    return installs


def read_requirements(path: Path) -> list[str]:
    """Requirement lines, without comments, options and hash continuations."""
    return read_requirements_text(path.read_text())


def workflow_installs(path: Path) -> Iterator[Install]:
    """Each job's installs, on each runner and Python its matrix gives it."""
    workflow = load_yaml(path)
    for job_id, job in workflow["jobs"].items():
        for matrix in matrix_combinations(job):
            runner = substitute_matrix(job["runs-on"], matrix)
            label = ", ".join(flat_values(matrix))
            where = f"{path.name} {job_id}" + (f" ({label})" if label else "")
            default = ""
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/setup-python@"):
                    # Several versions: the last one listed becomes `python`.
                    versions = str(step.get("with", {}).get("python-version", ""))
                    default = substitute_matrix(versions, matrix).split()[-1]
                if "run" not in step:
                    continue
                env = {k: substitute_matrix(str(v), matrix) for k, v in step.get("env", {}).items()}
                for python, environment, requirements in step_requirements(
                    substitute_matrix(step["run"], matrix), env
                ):
                    if not requirements:
                        continue
                    if not (python or default):
                        msg = f"{where} installs packages but sets up no Python"
                        raise ValueError(msg)
                    yield Install(
                        where=where,
                        target=target_for_runner(runner, python or default),
                        requirements=tuple(requirements),
                        environment=f"{where}: {environment}",
                    )


def flat_values(matrix: dict[str, Any]) -> Iterator[str]:
    for value in matrix.values():
        if isinstance(value, dict):
            yield from (str(v) for k, v in value.items() if k != "runner")
        else:
            yield str(value)


@cache
def cibuildwheel_defaults() -> dict[str, Any]:
    """cibuildwheel's own defaults (its resources/defaults.toml): the default images."""
    import cibuildwheel  # noqa: PLC0415 (only this check reads its resources)

    defaults = Path(cibuildwheel.__file__).parent / "resources" / "defaults.toml"
    table: dict[str, Any] = tomllib.loads(defaults.read_text())["tool"]["cibuildwheel"]
    return table


def wheel_target(
    identifier: str, linux_images: dict[str, str], mac_runners: dict[str, str]
) -> Target:
    """Where cibuildwheel installs for a build identifier: the build container (Linux), or the
    runner the release workflow builds that architecture on (macOS, Windows)."""
    parsed = wheels.Identifier.parse(identifier)
    python, kind, arch = parsed.version, parsed.kind, parsed.arch
    if kind in {"manylinux", "musllinux"}:
        image = linux_images.get(f"{kind}-{arch}-image", "")
        if not re.fullmatch(r"(manylinux|musllinux)_\d+_\d+", image):
            msg = f"{kind}-{arch}-image = {image!r}: give a policy name such as {kind}_2_28"
            raise ValueError(msg)
        system, machine, platform_tag = "Linux", arch, f"{image}_{arch}"
    elif kind == "macosx":
        system, machine, platform_tag = RUNNERS[mac_runners[arch]]
    elif kind == "win":
        system, machine = "Windows", {"amd64": "AMD64", "arm64": "ARM64"}[arch]
        platform_tag = parsed.platform
    else:
        msg = f"no target known for {identifier}"
        raise ValueError(msg)
    return Target(
        python=python,
        abi=parsed.python,
        system=system,
        machine=machine,
        platform_tag=platform_tag,
    )


def before_test_requirements(table: dict[str, Any], package: Path) -> list[str]:
    command = str(table.get("before-test", ""))
    requirements = list(table.get("test-requires", []))
    for group in GROUP.findall(command):
        requirements += pinned_requirements(group)
    if "pip install" in command and not GROUP.search(command) and not requirements:
        msg = f"{package}: before-test installs something release.resolution cannot read"
        raise ValueError(msg)
    return requirements


def release_mac_runners() -> dict[str, str]:
    """macOS architecture -> the runner label the release workflow builds it on."""
    workflow = load_yaml(WORKFLOWS / "release.yml")
    targets = workflow["jobs"]["wheels"]["strategy"]["matrix"]["target"]
    return {t["arch"]: t["runner"] for t in targets if t["platform"] == "macos"}


def wheel_installs() -> Iterator[Install]:
    """cibuildwheel's installs for every identifier of every distribution: the build backend
    (build isolation) and the test requirements, on the wheel's own interpreter."""
    mac_runners = release_mac_runners()
    for distribution in DISTRIBUTIONS.values():
        package = ROOT / distribution.folder
        pyproject = tomllib.loads((package / "pyproject.toml").read_text())
        table = pyproject.get("tool", {}).get("cibuildwheel", {})
        images = {**cibuildwheel_defaults(), **table, **table.get("linux", {})}
        backend = list(pyproject["build-system"]["requires"])
        tests = before_test_requirements(table, package)
        for platform in PLATFORMS:
            for identifier in tested_identifiers(distribution.name, platform):
                target = wheel_target(identifier, images, mac_runners)
                yield Install(
                    where=f"cibuildwheel {distribution.name} {identifier}",
                    target=target,
                    requirements=tuple(backend + tests),
                    environment="cibuildwheel",
                )


def all_installs() -> list[Install]:
    installs = list(wheel_installs())
    for path in sorted(WORKFLOWS.glob("*.yml")):
        installs += workflow_installs(path)
    return installs


# ---------------------------------------------------------------------------------------------
# Resolution


def pip_arguments(install: Install, *extra: str) -> list[str]:
    return [
        "install", "--dry-run", "--quiet", "--ignore-installed", "--no-input",
        "--disable-pip-version-check", *extra, *install.target.pip_options(),
        *install.requirements,
    ]  # fmt: skip


def run_pip(installs: list[Install], *extra: str) -> list[tuple[int, str]]:
    """pip's resolver for each install on its target, in one process: (exit code, errors)."""
    jobs = [
        {"environment": i.target.marker_environment(), "arguments": pip_arguments(i, *extra)}
        for i in installs
    ]
    done = subprocess.run(
        [sys.executable, "-c", PIP_FOR_TARGETS],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        msg = f"the pip runner failed: {done.stderr.strip()[-2000:]}"
        raise RuntimeError(msg)
    return [(int(r["code"]), str(r["stderr"])) for r in json.loads(done.stdout)]


def resolve(install: Install) -> Finding | None:
    """pip's resolver, binary-only, for the install's target; a Finding says what failed."""
    ((code, errors),) = run_pip([install])
    return None if code == 0 else Finding(install=install, problem=pip_problem(errors))


def pip_problem(stderr: str) -> str:
    """The lines of pip's error that name the package and why (not its list of versions)."""
    wanted = []
    for line in stderr.splitlines():
        text = line.removeprefix("ERROR: ").strip()
        if text.startswith(("Could not find a version", "Cannot install", "ResolutionImpossible")):
            wanted.append(text.split(" (from versions:")[0])
        elif text.startswith(("No matching distribution", "Ignored the following")):
            wanted.append(text[:300])
    return "; ".join(dict.fromkeys(wanted)) or stderr.strip()[-500:]


def resolve_all(installs: Iterable[Install], *, jobs: int) -> list[Finding]:
    """One pip resolution per (target, environment), of everything installed there, in `jobs`
    pip processes. A finding names every place that installs into that environment."""
    by_environment: dict[tuple[Target, str], list[Install]] = {}
    for install in installs:
        by_environment.setdefault((install.target, install.environment), []).append(install)
    merged = [
        Install(
            where="; ".join(dict.fromkeys(i.where for i in group)),
            target=target,
            requirements=tuple(dict.fromkeys(r for i in group for r in i.requirements)),
            environment=environment,
        )
        for (target, environment), group in by_environment.items()
    ]
    shares = [merged[i::jobs] for i in range(jobs) if merged[i::jobs]]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(run_pip, shares))
    return [
        Finding(install=install, problem=pip_problem(errors))
        for share, results in zip(shares, outcomes)
        for install, (code, errors) in zip(share, results)
        if code != 0
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="pip processes (default: %(default)s)"
    )


def check(args: argparse.Namespace) -> bool:
    """Resolves every install of the release for its target; prints what has no wheel."""
    installs = all_installs()
    environments = {(i.target, i.environment) for i in installs}
    targets = {i.target for i in installs}
    say(
        f"resolving {len(installs)} installs: {len(environments)} environments on "
        f"{len(targets)} targets (binary only)"
    )
    findings = resolve_all(installs, jobs=args.jobs)
    for finding in findings:
        say(f"NO WHEEL on {finding.install.target}: {finding.problem}")
        print(f"    installed there by: {finding.install.where}", flush=True)
    say(f"{len(environments) - len(findings)} of {len(environments)} environments resolve")
    return not findings


# ---------------------------------------------------------------------------------------------
# The publish job's hashed requirements

PUBLISH_REQUIREMENTS = ROOT / ".github" / "publish-requirements.txt"
PUBLISH_GROUP = "publish"
SIMPLE_INDEX = "https://pypi.org/simple"


def publish_target() -> Target:
    """The publish job's runner and Python, as release.yml sets them up."""
    job = load_yaml(WORKFLOWS / "release.yml")["jobs"]["publish"]
    python = next(
        str(step["with"]["python-version"]).split()[-1]
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/setup-python@")
    )
    return target_for_runner(job["runs-on"], python)


def resolved_versions(install: Install) -> dict[str, str]:
    """name -> version of everything pip would install for `install`, on its target."""
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "report.json"
        ((code, errors),) = run_pip([install], "--report", str(report_path))
        if code != 0:
            msg = f"{install.where}: {pip_problem(errors)}"
            raise ValueError(msg)
        report = json.loads(report_path.read_text())
    return {
        item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
        for item in report["install"]
    }


def file_hashes(name: str, version: str) -> list[str]:
    """sha256 of every file of one release, from the index's JSON simple API (PEP 691)."""
    import urllib.request  # noqa: PLC0415 (only the lock needs the network directly)

    from packaging.utils import parse_sdist_filename, parse_wheel_filename  # noqa: PLC0415
    from packaging.version import Version  # noqa: PLC0415

    request = urllib.request.Request(
        f"{SIMPLE_INDEX}/{canonicalize_name(name)}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        files = json.load(answer)["files"]
    hashes = []
    for file in files:
        filename = file["filename"]
        try:
            if filename.endswith(".whl"):
                file_version = parse_wheel_filename(filename)[1]
            else:
                file_version = parse_sdist_filename(filename)[1]
        except ValueError:
            continue
        if file_version == Version(version) and "sha256" in file["hashes"]:
            hashes.append(file["hashes"]["sha256"])
    if not hashes:
        msg = f"the index lists no file of {name} {version}"
        raise ValueError(msg)
    return sorted(hashes)


def publish_requirements_text() -> str:
    install = Install(
        where="release.yml publish",
        target=publish_target(),
        requirements=tuple(pinned_requirements(PUBLISH_GROUP)),
        environment="publish",
    )
    versions = resolved_versions(install)
    lines = [
        f"# The publish job's tools: the `{PUBLISH_GROUP}` group of pyproject.toml and everything it",
        f"# needs, resolved for that job's runner ({install.target}), each pinned with the",
        "# sha256 of every file of its release. Made by `python -m release lock`; do not edit.",
    ]
    for name in sorted(versions):
        hashes = file_hashes(name, versions[name])
        lines.append(f"{name}=={versions[name]} \\")
        lines += [
            f"    --hash=sha256:{h}" + (" \\" if i < len(hashes) - 1 else "")
            for i, h in enumerate(hashes)
        ]
    return "\n".join(lines) + "\n"


def pinned_names(text: str) -> dict[str, str]:
    """name -> version of a requirements file made by `lock`."""
    return dict(
        tuple(requirement.split("==", 1))  # type: ignore[misc]
        for requirement in read_requirements_text(text)
    )


def read_requirements_text(text: str) -> list[str]:
    text = text.replace("\\\n", " ")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [re.sub(r"\s--hash=\S+", "", line).strip() for line in lines if line and line[0] != "-"]


def lock_problems(text: str) -> list[str]:
    """What makes a lock file unfit for the publish job ([] if nothing): a pin of the `publish`
    group it does not hold, or a package the job's pip would need beyond it on that runner.
    A newer release upstream of a locked dependency is not a problem: the lock still installs
    exactly, and Dependabot (or `python -m release lock`) moves it forward."""
    locked = {canonicalize_name(name): version for name, version in pinned_names(text).items()}
    problems = []
    for requirement in pinned_requirements(PUBLISH_GROUP):
        name, _, version = requirement.partition("==")
        held = locked.get(canonicalize_name(name))
        if held != version:
            problems.append(
                f"{name}=={version} is in the {PUBLISH_GROUP} group; the lock has {held}"
            )
    install = Install(
        where="release.yml publish (the lock's pins)",
        target=publish_target(),
        requirements=tuple(f"{name}=={version}" for name, version in sorted(locked.items())),
        environment="publish",
    )
    try:
        resolved = resolved_versions(install)
    except ValueError as error:
        return [*problems, str(error)]
    problems += [
        f"{name}=={version} is needed on {install.target} and missing from the lock"
        for name, version in sorted(resolved.items())
        if canonicalize_name(name) not in locked
    ]
    return problems


def lock(args: argparse.Namespace) -> bool:
    """Writes .github/publish-requirements.txt from the `publish` group (--check: only check
    that the file is complete for the group on the publish job's runner)."""
    if args.check:
        current = PUBLISH_REQUIREMENTS.read_text() if PUBLISH_REQUIREMENTS.exists() else ""
        problems = lock_problems(current)
        for problem in problems:
            say(f"{PUBLISH_REQUIREMENTS.name}: {problem}")
        say("complete" if not problems else "run python -m release lock to write it anew")
        return not problems
    text = publish_requirements_text()
    PUBLISH_REQUIREMENTS.write_text(text)
    say(f"wrote {PUBLISH_REQUIREMENTS.relative_to(ROOT)} ({len(pinned_names(text))} packages)")
    return True
