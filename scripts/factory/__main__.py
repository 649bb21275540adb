"""`python -m factory images|wheels`: see the package docstring and README.md."""

from __future__ import annotations

import functools
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from core import checks, host, native, report, wheels
from core.config import ARCHES, ROOT, WHEELHOUSE, WORK_DIR, Arch
from core.distributions import Distribution, SuiteScope
from core.progress import PipelineError, fail, logged_to, run_in_parallel, say, set_label, step

from . import images
from .config import Image, chosen_images
from .options import ImageSource, Job, Options, parse

ALWAYS_NOT_EXERCISED = [
    (
        "musllinux beyond x86_64 and aarch64 C: the local musllinux images (Debian's musl, "
        "CPython compiled against it) are of those two, and no Rust standard library for musl "
        "can be had here; the GitHub workflow builds every musllinux wheel with the official "
        "images"
    ),
    "macOS and Windows wheels: only GitHub's own runners can build them (release workflow)",
]


def release_only_arches(distributions: Sequence[Distribution]) -> list[str]:
    """The Linux architectures the release builds that no local image is made for."""
    found: dict[str, None] = {}
    for distribution in distributions:
        for identifier in wheels.build_identifiers(ROOT / distribution.folder, "linux"):
            found.setdefault(wheels.Identifier.parse(identifier).arch, None)
    return [arch for arch in found if arch not in ARCHES]


def image_chains(
    arches: Sequence[Arch], distributions: Sequence[Distribution], *, musllinux: bool
) -> list[list[Image]]:
    """The chosen images grouped by (suite, architecture): the images of a group share their
    lower layers and are built one after the other; the groups are independent."""
    chains: dict[tuple[str, str], list[Image]] = {}
    for arch in arches:
        for distribution in distributions:
            for image in chosen_images(distribution.name, arch.name, musllinux=musllinux):
                chain = chains.setdefault((image.suite, arch.name), [])
                if image not in chain:
                    chain.append(image)
    return list(chains.values())


def ensure_images(
    arches: Sequence[Arch],
    distributions: Sequence[Distribution],
    *,
    rebuild: bool,
    jobs: int,
    musllinux: bool = False,
) -> list[report.ImageRecord]:
    """Builds or reuses every image the chosen builds need, `jobs` (suite, architecture) groups
    at a time, each with its own log; returns what it did, for the report."""
    client = host.build_client()
    machine = platform.machine()
    emulation = {}
    for arch in arches:
        host.ensure_emulation(arch, machine)
        emulation[arch.name] = host.emulation_environment(arch, machine)

    chains = image_chains(arches, distributions, musllinux=musllinux)
    shared = images.ensure_shared(
        client, [image for chain in chains for image in chain], rebuild=rebuild
    )

    def build_chain(chain: list[Image]) -> list[report.ImageRecord]:
        first = chain[0]
        log = WORK_DIR / "logs" / "images" / f"{first.suite}-{first.arch.name}.log"
        say(f"images {first.suite}-{first.arch.name}: building or reusing (log: {log})")
        done = []
        with logged_to(log):
            for image in chain:
                before = images.image_label(image.tag)
                started = time.monotonic()
                images.build_image(
                    client, image, rebuild=rebuild, emulation=emulation[image.arch.name],
                    shared=shared,
                )  # fmt: skip
                after = images.image_label(image.tag)
                state = (
                    "reused" if not rebuild and before is not None and before == after else "built"
                )
                seconds = round(time.monotonic() - started)
                say(f"{image.tag}: {state} in {seconds} s")
                done.append(report.ImageRecord(tag=image.tag, state=state, seconds=seconds))
        return done

    results = run_in_parallel(
        chains, build_chain, jobs=jobs, first=lambda chain: host.emulated(chain[0].arch, machine)
    )
    return [line for chain in results for line in chain]


def run_wheels(options: Options) -> bool:
    started = time.monotonic()
    arches, distributions = options.arches, options.distributions
    wheels.require_cibuildwheel()
    for stale in [*WHEELHOUSE.glob("*.whl"), *WHEELHOUSE.glob("*.tar.gz")]:
        stale.unlink()
    WHEELHOUSE.mkdir(exist_ok=True)
    not_exercised = list(ALWAYS_NOT_EXERCISED)
    if not options.musllinux:
        not_exercised.append(
            "musllinux x86_64 and aarch64 C wheels: not chosen (--musllinux builds them here, "
            "in images whose OpenSSL and CPython are compiled against musl)"
        )
    image_log: list[report.ImageRecord] = []
    records: list[wheels.WheelRecord] = []

    if not host.docker_available():
        say("no container engine here: building, repairing and testing host-native wheels only")
        not_exercised.insert(
            0,
            "containers: there is no container engine, so only host-native wheels were built "
            "(this machine's architecture and glibc; install Docker for the full Linux set)",
        )
        records.extend(
            native.build_one(distribution, abi3=abi3)
            for distribution in distributions
            for abi3 in (False, True)
        )
        source = ROOT
        if any(d.name == "addlist" for d in distributions):
            records.append(native.build_pure(source))
    else:
        local = options.images is ImageSource.LOCAL
        if local:
            with step("Build images"):
                image_log = ensure_images(
                    arches, distributions, rebuild=options.rebuild, jobs=options.jobs,
                    musllinux=options.musllinux,
                )  # fmt: skip
        else:
            for arch in arches:
                host.ensure_emulation(arch, platform.machine())
        source = wheels.export_source()
        builds = planned_builds(
            arches, distributions, local=local, musllinux=options.musllinux,
            not_exercised=not_exercised,
        )  # fmt: skip
        emulated = sorted({b.arch for b in builds if b.test_scope is SuiteScope.EMULATED})
        if emulated:
            not_exercised.append(
                f"the full suite on {', '.join(emulated)}: its wheels were tested under QEMU "
                f"with ADDLIST_TEST_SCOPE=emulated ({SuiteScope.EMULATED.description}); "
                "native wheels ran the full suite"
            )
        # (run, long): the emulated runs take longest; the pure wheel, built and tested on the
        # host, fills a gap among the short ones.
        tasks: list[tuple[Callable[[], wheels.WheelRecord], bool]] = [
            (
                functools.partial(wheels.build_one, source, build, output_dir=WHEELHOUSE),
                build.test_scope is SuiteScope.EMULATED,
            )
            for build in builds
        ]
        if any(d.name == "addlist" for d in distributions):
            tasks.append((functools.partial(build_pure_logged, source), False))
        with step(f"{len(tasks)} wheels, {options.jobs} at a time"):
            records += run_in_parallel(
                tasks, lambda task: task[0](), jobs=options.jobs, first=lambda task: task[1]
            )
    if options.left_out:
        not_exercised.append(f"{', '.join(options.left_out)}: left out with --arch")
    others = release_only_arches(distributions)
    if others:
        not_exercised.append(
            f"Linux {', '.join(others)}: no build images for them are made here; the release "
            "workflow builds them with the official images, under QEMU"
        )

    with step("Source distributions and checks"):
        sdists = wheels.build_sdists(source, distributions)
        built = [WHEELHOUSE / r.wheel for r in records if r.wheel]
        results = checks.twine_check([*built, *sdists])
        platform_tags: dict[str, str] = {}
        for wheel in built:
            results.append(checks.wheel_contents(wheel))
            if wheel.name.endswith("-none-any.whl"):
                platform_tags[wheel.name] = "any"
                continue
            shown, tag = checks.auditwheel_show(wheel)
            platform_tags[wheel.name] = tag
            results.append(shown)
            if "-abi3-" in wheel.name:
                results.append(checks.abi3_audit(wheel))
        results += [checks.sdist_contents(sdist) for sdist in sdists]

    md_path, json_path = report.write(
        WHEELHOUSE,
        records=records,
        sdists=sdists,
        checks=results,
        platform_tags=platform_tags,
        images=image_log,
        not_exercised=not_exercised,
        seconds=time.monotonic() - started,
    )
    print()
    print(md_path.read_text())
    ok = all(r.ok for r in records) and all(c.ok for c in results)
    say(f"report: {md_path.relative_to(ROOT)} and {json_path.relative_to(ROOT)}")
    say("all wheels built and tested, all checks passed" if ok else "FAILURES: see the report")
    return ok


def build_pure_logged(source: Path) -> wheels.WheelRecord:
    """The pure wheel (core.native.build_pure) with its output in a log of its own, as the
    container runs beside it have theirs."""
    with logged_to(WORK_DIR / "logs" / "addlist-pure.log"):
        return native.build_pure(source)


def planned_builds(
    arches: Sequence[Arch],
    distributions: Sequence[Distribution],
    *,
    local: bool,
    musllinux: bool,
    not_exercised: list[str],
) -> list[wheels.Build]:
    """Every cibuildwheel run of the job: what the release workflow's wheel jobs run for Linux
    (core.wheels.job_builds), in the images made here (or the default ones) with the local
    cache volumes."""
    builds: list[wheels.Build] = []
    for arch in arches:
        emulated = host.emulated(arch, platform.machine())
        for distribution in distributions:
            scope = SuiteScope.EMULATED if emulated else SuiteScope.FULL
            if local:
                planned, missing = images.local_job_builds(
                    distribution, arch, "all", test_scope=scope, musllinux=musllinux
                )
            else:
                planned, missing = wheels.job_builds(
                    distribution, "linux", arch.name, "all", test_scope=scope,
                    container_environment=host.emulation_environment(arch, platform.machine()),
                    volumes=wheels.cache_volumes(arch.name),
                )  # fmt: skip
            builds += planned
            if missing:
                not_exercised.append(
                    f"{distribution.name} on {arch.name}: no local image holds the interpreters "
                    f"of {wheels.describe(missing)} (see README: Images and interpreters)"
                )
    return builds


def run_images(options: Options) -> bool:
    if not host.docker_available():
        msg = "building images needs a container engine: `apt-get install docker.io`"
        raise PipelineError(msg)
    chosen = options.arches, options.distributions
    for line in ensure_images(
        *chosen, rebuild=options.rebuild, jobs=options.jobs, musllinux=options.musllinux
    ):
        say(f"{line.tag}: {line.state} ({line.seconds} s)")
    return True


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    set_label("factory")
    command = run_images if options.job is Job.IMAGES else run_wheels
    try:
        return 0 if command(options) else 1
    except PipelineError as error:
        fail(str(error))
        return 2


if __name__ == "__main__":
    sys.exit(main())
