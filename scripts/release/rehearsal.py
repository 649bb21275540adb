"""The local release rehearsal: `.github/workflows/release.yml` itself, run here for a tag push
by a small executor (release.workflow): its Linux jobs build, repair and test the wheels in the
build images made here, build the sources, run the gate, and publish with the workflow's own
twine command to a real package index on localhost (pypiserver, with passwords). Then the
release is installed with pip from that index in clean containers of several Debian suites, on
x86_64 and aarch64, and tested there.

Each container gets its suite's own CPython. pip installs binary wheels only, and the wheel it
picks must be the one that the interpreter's tags rank first among the uploaded files (none,
where no uploaded wheel fits: then the install must fail). One container builds both
distributions from their sdists with no wheels of ours allowed; an i386 container, for which no
binary wheel exists, must get the pure-Python wheel of addlist. Uploading the same release a
second time, and uploading with a wrong password, must both be refused by the index.
"""

from __future__ import annotations

import fnmatch
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from core import host, wheels
from core.config import ARCHES, ROOT, WORK_DIR, Arch, pinned_requirements
from core.distributions import DISTRIBUTIONS, SCOPE_VARIABLE, SuiteScope
from core.progress import PipelineError, run_in_parallel, say, step
from core.wheels import pytest_summary
from factory import images
from factory.__main__ import ensure_images
from factory.config import chosen_images

from . import gate, wheelset, workflow
from .options import Event, RehearsalOptions

REHEARSAL_DIR = WORK_DIR.parent / "rehearsal"
USER = "rehearsal"
CA_IN_CONTAINER = "/etc/ssl/certs/rehearsal-extra-ca.pem"
#: Printed by the container script: the interpreter's tags in pip's order of preference.
TAGS_SCRIPT = (
    "from pip._vendor.packaging.tags import sys_tags; print('\\n'.join(map(str, sys_tags())))"
)


class Install(str, Enum):
    """What a rehearsal container installs from the index."""

    #: binary wheels only (`--only-binary :all:`)
    WHEELS = "wheels"
    #: the sdists, built there (no wheel of ours allowed)
    SDIST = "sdist"


@dataclass(frozen=True, kw_only=True)
class Case:
    """One container: a suite on an architecture, installing either wheels or sdists."""

    suite: str
    arch: Arch
    mode: Install

    @property
    def name(self) -> str:
        return f"{self.suite}-{self.arch.debian}-{self.mode.value}"

    @property
    def image(self) -> str:
        recipe = "build" if self.mode is Install.SDIST else "python"
        return f"addlist/rehearsal:{self.suite}-{self.arch.debian}-{recipe}"


@dataclass
class Outcome:
    case: str
    python: str = "?"
    glibc: str = "?"
    picked: dict[str, str] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)
    tests: str = "not run"
    #: `emulated` in containers that run under QEMU
    test_scope: SuiteScope = SuiteScope.FULL
    seconds: float = 0.0
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def cases(arches: list[str], suites: list[str]) -> list[Case]:
    chosen = [
        Case(suite=s, arch=ARCHES[a], mode=Install.WHEELS)
        for a in arches
        for s in suites
        if s in ARCHES[a].suites  # the archive serves no bullseye ppc64el, for example
    ]
    if "x86_64" in arches:
        if "i686" not in arches:
            # No i686 wheel was built in this run: pip must take the pure-Python wheel.
            chosen.append(Case(suite="bullseye", arch=ARCHES["i686"], mode=Install.WHEELS))
        chosen.append(Case(suite="trixie", arch=ARCHES["x86_64"], mode=Install.SDIST))
    return chosen


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PackageIndex:
    """pypiserver on 127.0.0.1 with one user: uploads, listings and downloads need the password."""

    def __init__(self, folder: Path) -> None:
        from passlib.apache import HtpasswdFile  # noqa: PLC0415 (only the rehearsal needs it)

        self.folder = folder / "packages"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.password = secrets.token_urlsafe(16)
        htpasswd = HtpasswdFile(str(folder / "htpasswd"), new=True)
        htpasswd.set_password(USER, self.password)
        htpasswd.save()
        self.port = free_port()
        self.log_path = folder / "pypiserver.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "pypiserver", "run", "--host", "127.0.0.1",
                "--port", str(self.port), "--passwords", str(folder / "htpasswd"),
                "--authenticate", "update,download,list", "--hash-algo", "sha256",
                str(self.folder),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(50):
            if self._answers():
                return
            time.sleep(0.2)
        self.close()
        msg = f"pypiserver did not start: see {folder / 'pypiserver.log'}"
        raise PipelineError(msg)

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
        except OSError:
            return False
        return True

    @property
    def upload_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return f"http://{USER}:{self.password}@127.0.0.1:{self.port}/simple/"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


def twine_upload(url: str, files: list[Path], password: str) -> tuple[int, str]:
    """twine's upload to `url` as USER. The password goes in twine's environment variable, as
    the publish job gives it: on the command line a token beginning with "-" (urlsafe tokens
    can) was taken for an option, and twine stopped at "expected one argument"."""
    done = subprocess.run(
        [
            "twine", "upload", "--non-interactive", "--disable-progress-bar",
            "--repository-url", url, *map(str, files),
        ],
        env={**os.environ, "TWINE_USERNAME": USER, "TWINE_PASSWORD": password},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    return done.returncode, (done.stdout + done.stderr).strip()


@dataclass(frozen=True, kw_only=True)
class UploadCheck:
    """One upload to the local index and whether the index answered as PyPI would."""

    what: str
    expected: str
    ok: bool
    detail: str


def refusal_checks(index: PackageIndex, files: list[Path]) -> list[UploadCheck]:
    """After the publish job's upload: the two uploads the index must refuse."""
    results = []
    code, text = twine_upload(index.upload_url, files[:1], secrets.token_urlsafe(8))
    results.append(
        UploadCheck(
            what="upload with a wrong password",
            expected="refused",
            ok=code != 0 and "403" in text,
            detail=" ".join(text.split()[-2:]),
        )
    )
    results.append(
        UploadCheck(
            what=f"the publish job's upload of {len(files)} files",
            expected="accepted",
            ok=bool(files),
            detail=f"{len(files)} files in the index",
        )
    )
    code, text = twine_upload(index.upload_url, files[:1], index.password)
    # pypiserver answers 400 and says why in its log; PyPI would answer 400 "File already exists".
    said = index.log_path.read_text()
    results.append(
        UploadCheck(
            what=f"second upload of {files[0].name}",
            expected="refused",
            ok=code != 0 and "already exists" in said,
            detail=" ".join(text.split()[-2:])
            + (": already exists" if "already exists" in said else ""),
        )
    )
    for result in results:
        say(f"{result.what}: {'as expected' if result.ok else 'WRONG'} ({result.detail})")
    return results


def build_images(cases_: list[Case]) -> dict[Case, str]:
    """Each container's image; returns the cases whose image could not be made, with why, so
    that one (a mirror that lacks a suite's newest packages for one architecture, say) fails
    its own container and the others still run."""
    client = host.build_client()
    failed: dict[Case, str] = {}
    for case in cases_:
        host.ensure_emulation(case.arch, os.uname().machine)
        emulation = host.emulation_environment(case.arch, os.uname().machine)
        recipe = (
            "rehearsal-build.Dockerfile" if case.mode is Install.SDIST else "rehearsal.Dockerfile"
        )
        try:
            rootfs = images.build_rootfs(
                client, case.suite, case.arch, rebuild=False, emulation=emulation
            )
            images.build_layer(
                client, case.arch, recipe=recipe, parent=rootfs, tag=case.image, build_args={},
                files=[], rebuild=False, emulation=emulation,
            )  # fmt: skip
        except PipelineError as error:
            say(f"{case.name}: its image could not be made: {str(error).splitlines()[0]}")
            failed[case] = str(error)
    return failed


def best_wheel(tags: list[str], wheels: list[Path], distribution: str) -> str:
    """The uploaded wheel of `distribution` that pip should pick for these tags, or "none"."""
    rank = {tag: position for position, tag in enumerate(tags)}
    best: tuple[int, str] | None = None
    for wheel in wheels:
        name, _, _, wheel_tags = parse_wheel_filename(wheel.name)
        if canonicalize_name(name) != distribution:
            continue
        positions = [rank[str(tag)] for tag in wheel_tags if str(tag) in rank]
        if positions and (best is None or min(positions) < best[0]):
            best = (min(positions), wheel.name)
    return best[1] if best else "none"


def container_script(case: Case, index: PackageIndex, version: str) -> str:
    """What runs in the container: a venv, pip's tags, the install, then the test suite."""
    ours, distributions = ",".join(DISTRIBUTIONS), " ".join(DISTRIBUTIONS)
    only = "--only-binary :all:" if case.mode is Install.WHEELS else f"--no-binary {ours}"
    return f"""
set -u
python3 -m venv /venv && . /venv/bin/activate
echo "PYTHON $(python -c 'import platform; print(platform.python_version())')"
echo "GLIBC $(ldd --version | head -n1 | awk '{{print $NF}}')"
python -c "{TAGS_SCRIPT}" | sed 's/^/TAG /'
export PIP_INDEX_URL={index.simple_url} PIP_DISABLE_PIP_VERSION_CHECK=1
for dist in {distributions}; do
  rm -rf /picked && mkdir /picked
  if pip download --quiet --no-deps {only} --dest /picked "$dist==={version}"; then
    echo "PICKED $dist $(ls /picked)"
    pip install --quiet --no-deps /picked/* || echo "INSTALL-FAILED $dist"
  else
    echo "PICKED $dist none"
  fi
done
pip install --quiet --no-compile --only-binary :all: -r /rehearsal/requirements.txt || echo "TEST-DEPS-FAILED"
pip install --quiet --no-compile --only-binary :all: -r /rehearsal/optional.txt ||
  echo "NOTE numpy has no wheel here: the tests that use it are skipped"
cp -r /rehearsal/sources /tmp/suite && cd /tmp/suite
impl=reference
if python -c 'import addlist._core' 2>/dev/null; then impl=c,$impl
elif python -c 'import addlist' 2>/dev/null; then impl=pure,$impl; fi
python -c 'import addlist_rs' 2>/dev/null && impl=$impl,rust
echo "IMPLEMENTATIONS $impl"
python -m addlist | sed 's/^/REPORT /'
python -m pytest tests -p no:cacheprovider -q --implementations=$impl 2>&1 | tail -n 15
echo "PYTEST-EXIT ${{PIPESTATUS[0]}}"
"""


def test_sources() -> list[str]:
    """pyproject.toml's [tool.cibuildwheel] test-sources: the files a wheel's test run gets."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        table = tomllib.load(file)["tool"]["cibuildwheel"]
    return [str(path) for path in table["test-sources"]]


def run_case(case: Case, index: PackageIndex, wheels: list[Path], version: str) -> Outcome:
    emulated = host.emulated(case.arch, platform.machine())
    scope = SuiteScope.EMULATED if emulated else SuiteScope.FULL
    outcome = Outcome(case.name, test_scope=scope)
    started = time.monotonic()
    mounts = [
        f"--volume={REHEARSAL_DIR / 'requirements.txt'}:/rehearsal/requirements.txt:ro",
        f"--volume={REHEARSAL_DIR / 'optional.txt'}:/rehearsal/optional.txt:ro",
        # What cibuildwheel copies for a wheel's tests: the suite and the registry it reads.
        *(f"--volume={ROOT / path}:/rehearsal/sources/{path}:ro" for path in test_sources()),
    ]
    env = ["--env", f"{SCOPE_VARIABLE}={scope.value}"]
    for name, value in host.emulation_environment(case.arch, platform.machine()).items():
        env += ["--env", f"{name}={value}"]
    for ca in images.extra_ca_files():  # a proxy's CA, for the test tools fetched from PyPI
        mounts.append(f"--volume={ca}:{CA_IN_CONTAINER}:ro")
        env += [
            "--env",
            f"PIP_CERT={CA_IN_CONTAINER}",
            "--env",
            f"CARGO_HTTP_CAINFO={CA_IN_CONTAINER}",
        ]
    log_path = REHEARSAL_DIR / "logs" / f"{case.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    say(f"{case.name}: installing and testing (log: {log_path})")
    command = [
        "docker", "run", "--rm", "--network=host", f"--platform={case.arch.platform}",
        *mounts, *env, case.image, "bash", "-c", container_script(case, index, version),
    ]  # fmt: skip
    lines: list[str] = []
    # Written as it comes, so that a container under QEMU (minutes) can be followed in its log.
    output = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with log_path.open("w") as log, output:
        assert output.stdout is not None
        for line in output.stdout:
            lines.append(line.rstrip("\n"))
            log.write(line.replace(index.password, "***"))
            log.flush()
    tags = [line[4:] for line in lines if line.startswith("TAG ")]
    for line in lines:
        key, _, value = line.partition(" ")
        if key == "PYTHON":
            outcome.python = value
        elif key == "GLIBC":
            outcome.glibc = value
        elif key == "PICKED":
            distribution, _, picked = value.partition(" ")
            outcome.picked[distribution] = picked
        elif key in {"INSTALL-FAILED", "TEST-DEPS-FAILED"}:
            outcome.problems.append(line)
        elif key == "NOTE":
            outcome.notes.append(value)
    for distribution in DISTRIBUTIONS:
        if case.mode is Install.SDIST:
            sdist = f"{distribution.replace('-', '_')}-{version}.tar.gz"
            outcome.expected[distribution] = sdist
        else:
            outcome.expected[distribution] = best_wheel(tags, wheels, distribution)
        if outcome.picked.get(distribution) != outcome.expected[distribution]:
            outcome.problems.append(
                f"{distribution}: pip picked {outcome.picked.get(distribution)}, "
                f"expected {outcome.expected[distribution]}"
            )
    outcome.tests = pytest_summary("\n".join(lines)) or "no test summary"
    if "PYTEST-EXIT 0" not in lines:
        outcome.problems.append("the test suite failed")
    if not tags:
        outcome.problems.append("the container did not run (see its log)")
    outcome.seconds = time.monotonic() - started
    outcome.ok = not outcome.problems
    verdict = "ok" if outcome.ok else "FAILED: " + "; ".join(outcome.problems)
    say(f"{case.name}: {verdict} in {outcome.seconds:.0f} s; tests: {outcome.tests}")
    return outcome


def markdown(uploads: list[UploadCheck], outcomes: list[Outcome], seconds: float) -> str:
    lines = [
        "# Release rehearsal",
        "",
        "| upload | expected | result | index said |",
        "|---|---|---|---|",
    ]
    for upload in uploads:
        result = "✅" if upload.ok else "❌"
        lines.append(f"| {upload.what} | {upload.expected} | {result} | {upload.detail} |")
    lines += [
        "",
        "| container | CPython | glibc | addlist: pip picked | addlist-rs: pip picked | tests | test scope | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        picks = [
            f"`{o.picked.get(d, '?')}`"
            + ("" if o.picked.get(d) == o.expected[d] else f" (expected `{o.expected[d]}`)")
            for d in ("addlist", "addlist-rs")
        ]
        result = ("✅ " if o.ok else "❌ ") + "; ".join(o.problems + o.notes)
        lines.append(
            f"| {o.case} | {o.python} | {o.glibc} | {picks[0]} | {picks[1]} | {o.tests} | "
            f"{o.test_scope.value} | {result} |"
        )
    lines += [
        "",
        f"Total time: {seconds / 60:.1f} min.",
        f"Test scope `emulated` (under QEMU): {SuiteScope.EMULATED.description}.",
        "",
    ]
    return "\n".join(lines)


def buildable_slots(arches: list[str]) -> set[wheelset.Slot]:
    """The release's slots this machine can build: the interpreters its images hold on the
    chosen architectures, their abi3 wheels, the pure wheel and the sdists."""
    buildable: set[wheelset.Slot] = set()
    for distribution in DISTRIBUTIONS:
        buildable.add(wheelset.Slot(distribution, wheelset.SDIST))
        for arch in arches:
            # The rehearsal builds no musllinux wheel: its image would double a cold run.
            plan = images.local_plan(chosen_images(distribution, arch, musllinux=False))
            buildable |= {wheelset.Slot(distribution, identifier) for identifier in plan}
            buildable |= {
                wheelset.Slot(distribution, f"abi3-{wheels.Identifier.parse(identifier).platform}")
                for identifier in plan
            }
    buildable.add(wheelset.Slot(wheelset.PURE_DISTRIBUTION, wheelset.PURE))
    return buildable


def unbuildable(matrix: dict[str, Any], arches: list[str], buildable: set[wheelset.Slot]) -> str:
    """Why a wheels job cannot run here ("" if it can): its architecture was left out, or no
    local image holds any interpreter its `build` selector picks."""
    target, distribution = matrix.get("target"), matrix.get("distribution")
    if not isinstance(target, dict) or target.get("platform") != "linux" or not distribution:
        return ""
    arch = str(target.get("arch"))
    if arch not in ARCHES:
        return (
            f"{arch}: the local pipeline has no build images for it (it knows {', '.join(ARCHES)})"
        )
    if arch not in arches:
        return f"{arch}: left out with --arch"
    build = str(target.get("build", "all"))
    if build in {"all", "abi3"}:
        return ""
    patterns = build.split()
    picked = [
        identifier
        for identifier in wheelset.build_identifiers(distribution, "linux", arch)
        if any(fnmatch.fnmatch(identifier, pattern) for pattern in patterns)
    ]
    if any(wheelset.Slot(distribution, identifier) in buildable for identifier in picked):
        return ""
    pythons = sorted({wheels.Identifier.parse(identifier).python for identifier in picked})
    return f"no local image holds {', '.join(pythons)} on {arch}"


def rehearse(options: RehearsalOptions) -> bool:
    started = time.monotonic()
    arches = [arch.name for arch in options.arches]
    if not host.docker_available():
        msg = "the rehearsal builds and installs in containers: it needs Docker (`apt-get install docker.io`)"
        raise PipelineError(msg)
    # The commit every job checks out, taken before the images (an hour, cold) are made.
    sha = workflow.git_head()
    version = project_version()
    REHEARSAL_DIR.mkdir(parents=True, exist_ok=True)
    with step("Build images (the local stand-in for the official manylinux images)"):
        ensure_images(
            options.arches, list(DISTRIBUTIONS.values()), rebuild=False, jobs=options.jobs,
        )  # fmt: skip
    absent_file = REHEARSAL_DIR / "absent-slots.txt"
    buildable = buildable_slots(arches)
    absent = sorted(str(slot) for slot in wheelset.expected_slots() - buildable)
    absent_file.write_text("".join(f"{slot}\n" for slot in absent))
    say(f"{len(absent)} slots of the release cannot be built here: {absent_file}")
    # numpy is optional for the suite (its tests skip without it) and has no wheel everywhere.
    test_requirements = pinned_requirements("test")
    optional = [r for r in test_requirements if r.startswith("numpy")]
    required = [r for r in test_requirements if r not in optional]
    (REHEARSAL_DIR / "requirements.txt").write_text("\n".join(required) + "\n")
    (REHEARSAL_DIR / "optional.txt").write_text("\n".join(optional) + "\n")
    index = PackageIndex(REHEARSAL_DIR)
    try:
        event = (
            workflow.Event(name="push", ref=f"refs/tags/v{version}", sha=sha)
            if options.event is Event.TAG
            else workflow.Event(name="workflow_dispatch", ref="refs/heads/main", sha=sha)
        )
        stand_in_env = {
            "ADDLIST_IMAGES": "local",  # release wheels: the images made here
            gate.ABSENT_ENV: str(absent_file),
            # trusted publishing's stand-in: the local index, with its password
            "TWINE_REPOSITORY_URL": index.upload_url,
            "TWINE_USERNAME": USER,
            "TWINE_PASSWORD": index.password,
        }
        with step(f"release.yml for {event.name} of {event.ref}"):
            jobs, workflow_report = workflow.run_workflow(
                ROOT / ".github" / "workflows" / "release.yml", event,
                extra_env=stand_in_env, jobs=options.jobs,
                skip=lambda matrix: unbuildable(matrix, arches, buildable),
            )  # fmt: skip
        ran = [j for j in jobs if j.result not in {"not run here", "skipped"}]
        workflow_ok = bool(ran) and all(j.result == "success" for j in ran)
        published = sorted(index.folder.glob("*"))
        outcomes: list[Outcome] = []
        uploads: list[UploadCheck] = []
        if options.event is Event.TAG and workflow_ok:
            files = [f for f in published if not f.name.endswith(".attestation")]
            with step("What the index refuses"):
                uploads = refusal_checks(index, files)
            wheels = [f for f in files if f.name.endswith(".whl")]
            chosen = cases(arches, list(options.suites))
            with step(f"Images for {len(chosen)} containers"):
                unmade = build_images(chosen)
            outcomes = [
                Outcome(case.name, problems=[f"its image could not be made: {why}"])
                for case, why in unmade.items()
            ]
            outcomes += run_in_parallel(
                [case for case in chosen if case not in unmade],
                lambda case: run_case(case, index, wheels, version),
                jobs=options.jobs,
                first=lambda case: host.emulated(case.arch, platform.machine()),
            )
    finally:
        index.close()
    seconds = time.monotonic() - started
    text = markdown(uploads, outcomes, seconds)
    text = workflow_report.read_text() + "\n" + text
    (REHEARSAL_DIR / "report.md").write_text(text)
    document = {
        "version": version,
        "event": options.event.value,
        "published": [f.name for f in published],
        "uploads": [asdict(upload) for upload in uploads],
        "containers": [asdict(o) for o in outcomes],
        "total_seconds": round(seconds),
    }
    (REHEARSAL_DIR / "report.json").write_text(json.dumps(document, indent=2) + "\n")
    print(text)
    say(f"report: {REHEARSAL_DIR / 'report.md'} and report.json")
    if options.event is Event.TAG and not published:
        say("FAILED: the publish job uploaded nothing to the local index")
        return False
    return workflow_ok and all(u.ok for u in uploads) and all(o.ok for o in outcomes)


def project_version() -> str:
    """The version the rehearsed tag names (both distributions share it)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])
