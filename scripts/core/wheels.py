"""Building, repairing and testing wheels: one cibuildwheel run per wheel, under a watchdog.

The same code runs in the release workflow's wheel jobs (`python -m release wheels`) and in
the local main job (`python -m factory wheels`); only the images (cibuildwheel's default ones,
or those made here) and the local cache volumes differ. Each wheel gets a run of its own, so
that every wheel has its own build time and test result, and one failure does not hide others.
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .config import ROOT, WHEELHOUSE, WORK_DIR
from .distributions import ABI3_FLOOR, SCOPE_VARIABLE, Distribution, SuiteScope
from .progress import PipelineError, run, say

#: pytest's closing line: "===== 189 passed, 1 skipped in 7.90s =====", or without the rules
#: under -q.
PYTEST_SUMMARY = re.compile(
    r"^(?:=+ )?(?P<summary>\d+ (?:passed|failed|error|skipped|deselected)\b.*) "
    r"in [\d.]+s(?: \(.*\))?(?: =+)?$"
)


def pytest_summary(output: str) -> str | None:
    """The last pytest summary in a command's output, e.g. "189 passed, 1 skipped"."""
    found = [m["summary"] for m in map(PYTEST_SUMMARY.match, output.splitlines()) if m]
    return found[-1] if found else None


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
    test_scope: SuiteScope
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


def build_identifiers(
    package: Path, platform: str, archs: str | None = None, *, env: dict[str, str] | None = None
) -> list[str]:
    """What cibuildwheel builds from a package folder's configuration on a platform; `env`
    (CIBW_BUILD, CIBW_SKIP) narrows it as it would narrow a build."""
    command = ["cibuildwheel", "--print-build-identifiers", "--platform", platform]
    if archs:
        command += ["--archs", archs]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIBW_")}
    return run([*command, str(package)], capture=True, env={**clean, **(env or {})}).stdout.split()


def container_engine(environment: Mapping[str, str], volumes: Mapping[str, str]) -> str:
    """CIBW_CONTAINER_ENGINE: docker, with `environment` for every process in the container
    and named `volumes` (name -> mount point)."""
    args = [f"--volume={name}:{mount}" for name, mount in volumes.items()]
    args += [f"--env={name}={value}" for name, value in environment.items()]
    return "docker; create_args: " + " ".join(args) if args else "docker"


def cache_volumes(arch: str) -> dict[str, str]:
    """The local pipeline's caches across runs: pip's and cargo's downloads and cargo's build
    output (per architecture: the compiled crates differ). Cargo's whole home is the volume,
    not only its registry: the lock that keeps two cargos from unpacking one crate at once
    (`.package-cache`) lives there, and with the registry alone shared, two builds at a time
    on a cold volume failed ("failed to unpack package ... .cargo-ok: File exists")."""
    return {
        f"addlist-cache-{arch}": "/root/.cache",
        "addlist-cargo-home": CARGO_HOME,
    }


#: CARGO_HOME in the images (the images put nothing there: their Rust is in /opt or /usr).
CARGO_HOME = "/root/.cargo"


#: CIBW_SKIP of an abi3 run: free-threaded CPython cannot load abi3 wheels. It replaces the
#: configured skip, so that the wheel is tested on every later GIL-enabled CPython even where
#: [tool.cibuildwheel] skips their version-specific wheels.
ABI3_SKIP = "*t-*"

#: Where cargo builds in a container that has the cache volumes: a folder per build, because
#: PyO3 is configured for one interpreter and feature set and a shared folder would rebuild.
CARGO_TARGET_CACHE = "/root/.cache/addlist-cargo-target"


@dataclass(frozen=True, kw_only=True)
class Build:
    """One cibuildwheel run, which makes one wheel."""

    distribution: Distribution
    #: cibuildwheel's platform and one of its architectures (x86_64, aarch64, arm64, AMD64)
    platform: str
    arch: str
    #: the wheel's build identifier; for the abi3 wheel, the identifier it is built with
    identifier: str
    abi3: bool = False
    #: CIBW_BUILD: the identifier, or for the abi3 wheel every interpreter it is tested on
    select: str = ""
    #: a build image made here; None: cibuildwheel's default image
    image: str | None = None
    #: how much of the suite the wheel's test runs: `emulated` where QEMU runs the architecture
    test_scope: SuiteScope = SuiteScope.FULL
    #: for every process in the container (host.emulation_environment)
    container_environment: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: named volumes for the container: the local pipeline's caches (cache_volumes)
    volumes: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: values appended (space-separated) to what the run sets, such as the abi3 switch in
    #: MATURIN_PEP517_ARGS: a local image's own build arguments
    appended_environment: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def label(self) -> str:
        return f"{self.distribution.name} {self.identifier}{' abi3' if self.abi3 else ''}"

    def environment(self) -> dict[str, str]:
        """What this run adds to cibuildwheel's environment."""
        env = {
            "CIBW_ARCHS": self.arch,
            "CIBW_BUILD": self.select or self.identifier,
            # Reaches the tests through environment-pass in [tool.cibuildwheel.linux].
            SCOPE_VARIABLE: self.test_scope.value,
        }
        if self.abi3:
            env["CIBW_SKIP"] = ABI3_SKIP
            env.update(self.distribution.abi3_environment)
        for name, value in self.appended_environment.items():
            env[name] = f"{env[name]} {value}" if name in env else value
        if self.platform == "linux":
            container = dict(self.container_environment)
            if self.volumes:
                abi = "abi3" if self.abi3 else "version-specific"
                container["CARGO_TARGET_DIR"] = f"{CARGO_TARGET_CACHE}/{self.identifier}-{abi}"
            env["CIBW_CONTAINER_ENGINE"] = container_engine(container, self.volumes)
            if self.image is not None:
                kind = Identifier.parse(self.identifier).kind  # manylinux or musllinux
                env[f"CIBW_{kind.upper()}_{self.arch.upper()}_IMAGE"] = self.image
        return env


def job_builds(
    distribution: Distribution,
    platform: str,
    arch: str,
    selection: str = "all",
    *,
    images: Mapping[str, str] | None = None,
    test_scope: SuiteScope = SuiteScope.FULL,
    container_environment: Mapping[str, str] | None = None,
    volumes: Mapping[str, str] | None = None,
) -> tuple[list[Build], list[str]]:
    """The runs of one wheels job, and the identifiers it selects that no image holds.

    `selection` is `all` (every version-specific wheel, then the abi3 wheels), `abi3`, or a
    CIBW_BUILD selector of version-specific wheels (one shard of an emulated architecture).
    `images` maps identifiers to the local images that hold their interpreters (None:
    cibuildwheel's default images, which hold them all). An abi3 wheel is built per platform
    (manylinux, musllinux, ...) with its oldest interpreter, then found compatible with each
    later GIL-enabled one in the same image and tested there too.
    """
    narrowed = {} if selection in {"all", "abi3"} else {"CIBW_BUILD": selection}
    wanted = build_identifiers(ROOT / distribution.folder, platform, arch, env=narrowed)
    held = wanted if images is None else [i for i in wanted if i in images]
    missing = [] if selection == "abi3" else [i for i in wanted if i not in held]
    template = Build(
        distribution=distribution,
        platform=platform,
        arch=arch,
        identifier="",
        test_scope=test_scope,
        container_environment=dict(container_environment or {}),
        volumes=dict(volumes or {}),
    )
    builds = []
    if selection != "abi3":
        builds += [
            replace(template, identifier=i, image=images[i] if images else None) for i in held
        ]
    if selection in {"all", "abi3"}:
        # The abi3 wheel serves CPythons whose version-specific wheels `skip` leaves out; in
        # the images made here it is built with the oldest interpreter they hold of those (on
        # GitHub the floor's is always there): ppc64le's images start at 3.11.
        candidates = held
        if images is not None:
            every = build_identifiers(
                ROOT / distribution.folder, platform, arch, env={"CIBW_SKIP": ABI3_SKIP}
            )
            candidates = [i for i in every if i in images]
        by_platform: dict[str, list[str]] = {}
        for identifier in candidates:
            parsed = Identifier.parse(identifier)
            if not parsed.free_threaded:
                by_platform.setdefault(parsed.platform, []).append(identifier)
        for platform_part, identifiers in by_platform.items():
            oldest = identifiers[0]
            if images is None:
                if not oldest.startswith(f"{ABI3_FLOOR}-"):
                    continue  # no abi3 wheel where the floor's interpreter does not exist
                select, image = f"cp3*-{platform_part}", None
            else:
                image = images[oldest]
                select = " ".join(i for i in identifiers if images[i] == image)
            builds.append(
                replace(template, identifier=oldest, abi3=True, select=select, image=image)
            )
    return builds, missing


@dataclass(frozen=True)
class Identifier:
    """A cibuildwheel build identifier by its parts: cp313t-manylinux_x86_64 is the
    interpreter cp313t on the platform manylinux_x86_64 (kind manylinux, architecture x86_64;
    cp39-win_amd64: win, amd64)."""

    python: str
    platform: str

    @classmethod
    def parse(cls, identifier: str) -> Identifier:
        python, _, platform = identifier.partition("-")
        if not re.fullmatch(r"cp3\d+t?", python) or "_" not in platform:
            msg = f"{identifier!r} is not a CPython build identifier such as cp313-manylinux_x86_64"
            raise ValueError(msg)
        return cls(python, platform)

    @property
    def free_threaded(self) -> bool:
        return self.python.endswith("t")

    @property
    def version(self) -> str:
        """cp313 and cp313t -> 3.13."""
        digits = self.python.removeprefix("cp").removesuffix("t")
        return f"{digits[0]}.{digits[1:]}"

    @property
    def kind(self) -> str:
        return self.platform.partition("_")[0]

    @property
    def arch(self) -> str:
        return self.platform.partition("_")[2]


def describe(identifiers: list[str]) -> str:
    """`cp39-manylinux_x86_64 cp310-manylinux_x86_64` -> `manylinux_x86_64: cp39, cp310`."""
    by_platform: dict[str, list[str]] = {}
    for parsed in map(Identifier.parse, identifiers):
        by_platform.setdefault(parsed.platform, []).append(parsed.python)
    return "; ".join(f"{part}: {', '.join(pythons)}" for part, pythons in by_platform.items())


def build_one(
    source: Path, build: Build, *, output_dir: Path, echo: bool = False, summary: Path | None = None
) -> WheelRecord:
    """One cibuildwheel run: build, repair (auditwheel, delocate, delvewheel) and the test
    suite on the result; the wheel is moved to `output_dir`, the log kept in WORK_DIR/logs.
    With echo=True the output is shown too (GitHub's log); cibuildwheel's job summary table
    goes to `summary` (it would replace $GITHUB_STEP_SUMMARY's content)."""
    name = f"{build.distribution.name}-{build.identifier}{'-abi3' if build.abi3 else ''}"
    output = WORK_DIR / "out" / name
    shutil.rmtree(output, ignore_errors=True)
    log_path = WORK_DIR / "logs" / f"{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    package = build.distribution.folder
    where = f" in {build.image}" if build.image else ""
    say(f"{build.label}: building, repairing and testing{where} (log: {display(log_path)})")
    command = [
        "cibuildwheel", "--platform", build.platform, "--output-dir", str(output), str(package),
    ]  # fmt: skip
    step_summary = {"GITHUB_STEP_SUMMARY": str(summary)} if summary else {}
    started = time.monotonic()
    returncode, stalls = run_with_watchdog(
        command, cwd=source, env={**os.environ, **build.environment(), **step_summary},
        log_path=log_path,
        label=build.label, echo=echo, containers=build.platform == "linux",
        before_each=lambda: shutil.rmtree(output, ignore_errors=True),
    )  # fmt: skip
    seconds = time.monotonic() - started
    wheels = sorted(output.glob("*.whl"))
    output_dir.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        shutil.move(str(wheel), output_dir / wheel.name)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    tests = pytest_summary(text) or "no test summary (the build failed before testing)"
    ok = returncode == 0 and len(wheels) == 1
    failure = "stalled" if returncode is None else f"exit {returncode}, {len(wheels)} wheels"
    say(
        f"{build.label}: {'ok' if ok else f'FAILED ({failure})'} in {seconds:.0f} s; tests: {tests}"
    )
    if not ok and not echo:
        print("\n".join(text.splitlines()[-30:]), flush=True)
    return WheelRecord(
        distribution=build.distribution.name,
        arch=build.arch,
        identifier=build.identifier,
        abi3=build.abi3,
        wheel=wheels[0].name if len(wheels) == 1 else None,
        seconds=seconds,
        tests=tests,
        test_scope=build.test_scope,
        ok=ok,
        log=display(log_path),
        stalls=stalls,
    )


def display(path: Path) -> str:
    """A path relative to the repository where it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


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
            command, cwd=cwd, env=env, log_path=log_path, echo=echo, cpu_seconds=cpu_seconds,
            on_stop=(lambda: remove_containers(run_id)) if containers else lambda: None,
        )  # fmt: skip
        if returncode is None:
            if containers:
                remove_containers(run_id)
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


def remove_containers(run_id: str) -> None:
    """Removes what is left of a stopped run's containers (they carry its label)."""
    docker = shutil.which("docker")
    if docker is None:
        return
    listed = subprocess.run(
        [docker, "ps", "-aq", "--filter", f"label={RUN_LABEL}={run_id}"],
        capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    if listed:
        run([docker, "rm", "--force", *listed], capture=True, check=False)


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
    grace_seconds: float = 60,
    echo: bool = False,
    cpu_seconds: Callable[[], float | None] = lambda: None,
    on_stop: Callable[[], object] = lambda: None,
) -> int | None:
    """Runs command with its output appended to log_path (and shown, with echo=True). Returns
    its exit code, or None when it is stuck: it printed nothing for stall_seconds, or for
    quiet_seconds while `cpu_seconds` (its containers' CPU time) grew by less than
    IDLE_CPU_SECONDS. The command then gets SIGINT (Ctrl-C), on which cibuildwheel removes its
    container, and SIGKILL if it has not ended `grace_seconds` later (a process started from a
    non-interactive shell's background job ignores SIGINT; run_with_watchdog then removes the
    run's containers itself). `on_stop` then removes what may still hold the output pipe open
    (a `docker start --attach` that cibuildwheel left behind), so that the reader sees its end;
    if something still holds it, the reader is left to its daemon thread rather than waited
    for: closing the pipe under a blocked reader would wait forever for its lock."""
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
            # The reader closes the pipe itself: it may outlive this call (see on_stop).
            with output:
                drain()

        def drain() -> None:
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
                process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            on_stop()
            reader.join(timeout=10)
            log.write(f"\n[watchdog] {reason}: stopped\n")
        finally:
            # Normally done already; a reader still blocked on a pipe held open is left.
            reader.join(timeout=10)
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
    source: Path, distributions: Sequence[Distribution], outdir: Path = WHEELHOUSE
) -> list[Path]:
    """The source distributions, built with the pinned `build` frontend."""
    made = []
    for distribution in distributions:
        package = source / distribution.folder
        before = set(outdir.glob("*.tar.gz"))
        run(["python", "-m", "build", "--sdist", "--outdir", str(outdir), str(package)])
        (sdist,) = set(outdir.glob("*.tar.gz")) - before
        made.append(sdist)
    return made


def require_cibuildwheel() -> None:
    if shutil.which("cibuildwheel") is None:
        msg = "cibuildwheel is not installed: run the main job through scripts/build-wheels"
        raise PipelineError(msg)
