"""Building, repairing and testing wheels: one cibuildwheel run per wheel, in containers.

Each wheel gets a run of its own (one build identifier), so the report can give every wheel
its own build time and test result, and one failure does not hide the others.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .config import ROOT, WHEELHOUSE, WORK_DIR, Arch, Distribution, Image
from .progress import FactoryError, run, say

#: pytest's closing line, e.g. "===== 189 passed, 1 skipped in 7.90s =====".
PYTEST_SUMMARY = re.compile(
    r"^=+ (?P<summary>.*\b(?:passed|failed|error).*) in [\d.]+s(?: \(.*\))? =+$"
)


#: A run whose log has not grown for this long is stuck. Under QEMU a child that a multithreaded
#: process forks (cargo starting rustc) can deadlock before its exec and wait forever; a cold
#: emulated Rust build prints a line at least every few minutes.
STALL_SECONDS = 20 * 60
#: A stalled run is stopped and started once more; the report counts the stalls.
ATTEMPTS = 2
#: Sooner than that, a run is stuck when it has printed nothing and its containers have used
#: (almost) no CPU for this long: the deadlocked child waits on a futex, while a silent but
#: working step (an LTO link under QEMU) keeps a core busy.
QUIET_SECONDS = 5 * 60
IDLE_CPU_SECONDS = 3.0
#: The label each run's containers get, so that the watchdog can read their CPU time.
RUN_LABEL = "org.addlist.run"

LIST_INTERPRETERS = (
    'for d in /opt/python/*; do [ -e "$d/.cibuildwheel-shim" ] || basename "$d"; done'
)


@dataclass
class WheelRecord:
    """One cibuildwheel run: what it made, how long it took, what the tests said."""

    distribution: str
    arch: str
    identifier: str
    abi3: bool
    wheel: str | None
    seconds: float
    tests: str
    #: ADDLIST_TEST_SCOPE of the test run: "full", or "emulated" under QEMU (tests/conftest.py)
    test_scope: str
    ok: bool
    log: str
    #: runs stopped because their log stopped growing (see STALL_SECONDS)
    stalls: int = 0


def export_source() -> Path:
    """A clean copy of the source tree (what git tracks, and new files it does not ignore).

    cibuildwheel copies its working folder into every container; the repository folder also
    holds build output (target/, build/, virtual environments) that must not go along.
    """
    source = WORK_DIR / "source"
    shutil.rmtree(source, ignore_errors=True)
    listed = run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture=True,
    ).stdout
    for relative in filter(None, listed.split("\0")):
        origin = ROOT / relative
        if origin.is_file():
            target = source / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    return source


def local_identifiers(image: Image) -> list[str]:
    """cibuildwheel build identifiers for the interpreters an image holds in /opt/python
    (not the cp39 link that docker/cibuildwheel-shim.Dockerfile adds where 3.9 is missing)."""
    listing = run(["docker", "run", "--rm", image.tag, "sh", "-c", LIST_INTERPRETERS], capture=True)
    tags = sorted(listing.stdout.split(), key=_version_order)
    return [f"{tag.split('-')[0]}-manylinux_{image.arch.name}" for tag in tags]


def plan_local(chosen: tuple[Image, ...]) -> dict[str, Image | None]:
    """Build identifier -> the image to build it in: the first image that has the interpreter,
    so the oldest glibc wins. Ordered by Python version."""
    plan: dict[str, Image | None] = {}
    for image in chosen:
        for identifier in local_identifiers(image):
            plan.setdefault(identifier, image)
    return dict(sorted(plan.items(), key=lambda item: _version_order(item[0])))


def _version_order(tag: str) -> tuple[int, str]:
    """cp39-cp39 < cp311-cp311 < cp314-cp314 < cp314t-cp314t."""
    digits = re.match(r"cp3(\d+)", tag)
    return (int(digits.group(1)) if digits else 0, tag)


def official_identifiers(source: Path, distribution: Distribution, arch: Arch) -> list[str]:
    """What cibuildwheel would build with its default (official) images."""
    package = source / distribution.package_dir.relative_to(ROOT)
    return build_identifiers(package, "linux", arch.name)


def build_identifiers(
    package: Path, platform: str, archs: str | None = None, *, env: dict[str, str] | None = None
) -> list[str]:
    """What cibuildwheel builds from a package folder's configuration on a platform; `env`
    adds CIBW_* selections (CIBW_BUILD, CIBW_SKIP) to the configuration's."""
    command = ["cibuildwheel", "--print-build-identifiers", "--platform", platform]
    if archs:
        command += ["--archs", archs]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIBW_")}
    return run([*command, str(package)], capture=True, env={**clean, **(env or {})}).stdout.split()


def container_engine(arch: Arch, environment: dict[str, str]) -> str:
    """Docker, with cache volumes (pip's and cargo's downloads and cargo's build output) and
    `environment` for every process in the container."""
    volumes = [
        f"addlist-cache-{arch.name}:/root/.cache",
        "addlist-cargo-registry:/root/.cargo/registry",
    ]
    args = [f"--volume={volume}" for volume in volumes]
    args += [f"--env={name}={value}" for name, value in environment.items()]
    return "docker; create_args: " + " ".join(args)


@dataclass(frozen=True)
class Build:
    """One planned cibuildwheel run."""

    distribution: Distribution
    arch: Arch
    identifier: str
    abi3: bool
    #: None: cibuildwheel's default (official) image
    image: Image | None
    #: ADDLIST_TEST_SCOPE for the tests: "emulated" where the architecture runs under QEMU
    test_scope: str
    #: for every process in the container (host.emulation_environment)
    container_environment: dict[str, str] = field(default_factory=dict, hash=False)


def build_one(source: Path, build: Build) -> WheelRecord:
    """One cibuildwheel run: build, `auditwheel repair`, and the test suite on the result."""
    distribution, arch, identifier, abi3 = (
        build.distribution, build.arch, build.identifier, build.abi3
    )  # fmt: skip
    name = f"{distribution.name}-{identifier}{'-abi3' if abi3 else ''}"
    output = WORK_DIR / "out" / name
    shutil.rmtree(output, ignore_errors=True)
    log_path = WORK_DIR / "logs" / f"{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CIBW_BUILD": identifier,
        "CIBW_ARCHS": arch.name,
        "CIBW_CONTAINER_ENGINE": container_engine(arch, build.container_environment),
        # Reaches the tests through environment-pass in [tool.cibuildwheel.linux].
        "ADDLIST_TEST_SCOPE": build.test_scope,
    }
    if build.image is not None:
        env[f"CIBW_MANYLINUX_{arch.name.upper()}_IMAGE"] = build.image.tag
    if abi3:
        env.update(distribution.abi3_environment)
    package = distribution.package_dir.relative_to(ROOT)
    label = f"{distribution.name} {identifier}{' abi3' if abi3 else ''}"
    say(f"{label}: building, repairing and testing (log: {log_path.relative_to(ROOT)})")
    command = ["cibuildwheel", "--platform", "linux", "--output-dir", str(output), str(package)]
    started = time.monotonic()
    returncode, stalls = run_with_watchdog(
        command, cwd=source, env=env, log_path=log_path, label=label,
        before_each=lambda: shutil.rmtree(output, ignore_errors=True),
    )  # fmt: skip
    seconds = time.monotonic() - started
    wheels = sorted(output.glob("*.whl"))
    WHEELHOUSE.mkdir(exist_ok=True)
    for wheel in wheels:
        shutil.move(str(wheel), WHEELHOUSE / wheel.name)
    text = log_path.read_text(errors="replace")
    summaries = [m["summary"] for m in map(PYTEST_SUMMARY.match, text.splitlines()) if m]
    tests = summaries[-1] if summaries else "no test summary (the build failed before testing)"
    ok = returncode == 0 and len(wheels) == 1
    failure = "stalled" if returncode is None else f"exit {returncode}"
    verdict = "ok" if ok else f"FAILED ({failure})"
    say(f"{label}: {verdict} in {seconds:.0f} s; tests: {tests}")
    if not ok:
        print("\n".join(text.splitlines()[-30:]), flush=True)
    return WheelRecord(
        distribution=distribution.name,
        arch=arch.name,
        identifier=identifier,
        abi3=abi3,
        wheel=wheels[0].name if len(wheels) == 1 else None,
        seconds=seconds,
        tests=tests,
        test_scope=build.test_scope,
        ok=ok,
        log=str(log_path.relative_to(ROOT)),
        stalls=stalls,
    )


def run_with_watchdog(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    label: str,
    echo: bool = False,
    containers: bool = True,
    before_each: Callable[[], object] = lambda: None,
) -> tuple[int | None, int]:
    """Runs command under the stall watchdog (run_watched), once more if it stalls. Returns
    the exit code (None: it stalled every time) and the number of stalls. The log is started
    afresh; with echo=True the output is also shown (GitHub's log). With containers=True (Linux
    builds) the run's containers are labelled (CIBW_CONTAINER_ENGINE's create_args) so that
    their CPU time can be read; elsewhere only the long silence rule applies."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("")
    run_id = uuid.uuid4().hex

    def cpu_seconds() -> float | None:
        return container_cpu_seconds(run_id) if containers else None

    if containers:
        engine = labelled_engine(env.get("CIBW_CONTAINER_ENGINE"), run_id)
        env = {**env, "CIBW_CONTAINER_ENGINE": engine}
    stalls = 0
    returncode: int | None = None
    while returncode is None and stalls < ATTEMPTS:
        before_each()
        returncode = run_watched(
            command, cwd=cwd, env=env, log_path=log_path, echo=echo, cpu_seconds=cpu_seconds
        )
        if returncode is None:
            stalls += 1
            again = "starting it again" if stalls < ATTEMPTS else "giving up"
            say(f"{label}: stuck (see the end of its log), stopped; {again}")
    return returncode, stalls


def labelled_engine(engine: str | None, run_id: str) -> str:
    """CIBW_CONTAINER_ENGINE with a label for the run's containers added to its create_args."""
    label = f"--label={RUN_LABEL}={run_id}"
    if not engine:
        return f"docker; create_args: {label}"
    if "create_args:" in engine:
        return f"{engine} {label}"
    return f"{engine}; create_args: {label}"


def container_cpu_seconds(run_id: str) -> float | None:
    """The CPU time the run's running containers have used, from their cgroups (v1 cpuacct or
    v2 cpu.stat); None when there is no docker, no such container, or it cannot be read."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    try:
        listed = subprocess.run(
            [docker, "ps", "-q", "--no-trunc", "--filter", f"label={RUN_LABEL}={run_id}"],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
    except OSError:
        return None
    if not listed:
        return None
    total = 0.0
    for container in listed:
        used = cgroup_cpu_seconds(container)
        if used is None:
            return None
        total += used
    return total


def cgroup_cpu_seconds(container: str) -> float | None:
    pid = subprocess.run(
        ["docker", "inspect", "--format", "{{.State.Pid}}", container],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    cgroups = Path("/sys/fs/cgroup")
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "cpuacct" in controllers.split(","):
            for mount in ("cpuacct", "cpu,cpuacct"):
                usage = cgroups / mount / path.lstrip("/") / "cpuacct.usage"
                if usage.exists():
                    return int(usage.read_text()) / 1e9
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if not controllers:
            for root in (cgroups, cgroups / "unified"):
                stat = root / path.lstrip("/") / "cpu.stat"
                if stat.exists():
                    fields = dict(entry.split() for entry in stat.read_text().splitlines())
                    return int(fields["usage_usec"]) / 1e6
    return None


def run_watched(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    stall_seconds: float = STALL_SECONDS,
    quiet_seconds: float = QUIET_SECONDS,
    poll_seconds: float = 10,
    echo: bool = False,
    cpu_seconds: Callable[[], float | None] = lambda: None,
) -> int | None:
    """Runs command with its output appended to log_path (and shown, with echo=True). Returns
    its exit code, or None when it is stuck: it printed nothing for stall_seconds, or for
    quiet_seconds while `cpu_seconds` (its containers' CPU time) grew by less than
    IDLE_CPU_SECONDS. The command then gets SIGINT (Ctrl-C), on which cibuildwheel removes its
    container, and SIGKILL if it has not ended a minute later."""
    last_output = [time.monotonic()]
    samples: list[tuple[float, float]] = []
    # UTF-8 whatever the locale: cibuildwheel prints "✓", which Windows' cp1252 cannot encode.
    with log_path.open("a", encoding="utf-8", errors="replace") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert process.stdout is not None
        output = process.stdout

        def pump() -> None:
            # Whatever happens to one line, the pipe keeps being drained, or the command blocks.
            for chunk in iter(output.readline, b""):
                last_output[0] = time.monotonic()
                try:
                    log.write(chunk.decode(errors="replace"))
                    log.flush()
                    if echo:
                        sys.stdout.flush()
                        sys.stdout.buffer.write(chunk)
                        sys.stdout.buffer.flush()
                except (OSError, ValueError):
                    continue

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        reason = ""
        try:
            while True:
                try:
                    code = process.wait(timeout=poll_seconds)
                except subprocess.TimeoutExpired:
                    reason = stuck(
                        time.monotonic(), last_output[0], samples, cpu_seconds(),
                        stall_seconds=stall_seconds, quiet_seconds=quiet_seconds,
                    )  # fmt: skip
                    if reason:
                        break
                    continue
                reader.join(timeout=10)
                return code
            # Ctrl-C lets cibuildwheel remove its container; Windows has no SIGINT to send.
            if os.name == "nt":
                process.terminate()
            else:
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            reader.join(timeout=10)
            log.write(f"\n[watchdog] {reason}: stopped\n")
        finally:
            output.close()
    return None


def stuck(
    now: float,
    last_output: float,
    samples: list[tuple[float, float]],
    cpu: float | None,
    *,
    stall_seconds: float,
    quiet_seconds: float,
) -> str:
    """Why a run is stuck, or "" if it is not. `samples` keeps (time, CPU seconds) readings."""
    silent = now - last_output
    if cpu is None or (samples and cpu < samples[-1][1]):
        samples.clear()  # no container now, or another one: start counting again
    if cpu is not None:
        samples.append((now, cpu))
        while len(samples) > 1 and now - samples[1][0] >= quiet_seconds:
            samples.pop(0)
    if silent >= stall_seconds:
        return f"no output for {silent:.0f} s"
    if silent >= quiet_seconds and samples and now - samples[0][0] >= quiet_seconds:
        used = samples[-1][1] - samples[0][1]
        if used < IDLE_CPU_SECONDS:
            return f"no output and {used:.1f} s of CPU in its containers for {silent:.0f} s"
    return ""


def build_sdists(
    source: Path, distributions: list[Distribution], outdir: Path = WHEELHOUSE
) -> list[Path]:
    """The source distributions, built with the pinned `build` frontend."""
    made = []
    for distribution in distributions:
        package = source / distribution.package_dir.relative_to(ROOT)
        before = set(outdir.glob("*.tar.gz"))
        run(["python", "-m", "build", "--sdist", "--outdir", str(outdir), str(package)])
        (sdist,) = set(outdir.glob("*.tar.gz")) - before
        made.append(sdist)
    return made


def require_cibuildwheel() -> None:
    if shutil.which("cibuildwheel") is None:
        msg = "cibuildwheel is not installed: run the main job through scripts/build-wheels"
        raise FactoryError(msg)
