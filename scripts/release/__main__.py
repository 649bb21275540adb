"""`python -m release wheels|sources|gate|index|resolve|lock|rehearse`: the steps of the release workflow
(.github/workflows/release.yml) and the local release rehearsal (scripts/rehearse-release)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from packaging.version import InvalidVersion, Version

from factory import host
from factory import wheels as factory_wheels
from factory.config import ARCHES, DISTRIBUTIONS, IMAGES, ROOT
from factory.native import build_pure
from factory.progress import FactoryError, fail, say, step
from factory.wheels import build_sdists, run_with_watchdog

from . import gate, rehearsal, resolution
from .wheelset import ABI3_FLOOR, PACKAGE_DIRS, PLATFORMS, artifacts


def wheel_runs(dist: str, arch: str, build: str) -> list[tuple[str, dict[str, str]]]:
    """The cibuildwheel runs of one wheels job, as (title, environment) pairs.

    `build` is `all` (every version-specific wheel, then the abi3 wheel), `abi3`, or a
    CIBW_BUILD selector of version-specific wheels (one shard of an emulated architecture).
    The abi3 run selects every GIL-enabled CPython: cibuildwheel builds the abi3 wheel with
    the oldest, then finds it compatible with each later one and tests it there too.
    """
    base = {**os.environ, "CIBW_ARCHS": arch}
    runs = []
    if build != "abi3":
        selected = {} if build == "all" else {"CIBW_BUILD": build}
        runs.append((f"version-specific wheels ({build})", {**base, **selected}))
    if build in {"all", "abi3"}:
        abi3 = {
            **base,
            "CIBW_BUILD": "cp3*",
            "CIBW_SKIP": "*t-*",  # free-threaded CPython cannot load abi3 wheels
            **DISTRIBUTIONS[dist].abi3_environment,
        }
        title = f"the abi3 wheel, built with {ABI3_FLOOR} and tested on every later CPython"
        runs.append((title, abi3))
    return runs


def local_image_runs(
    runs: list[tuple[str, dict[str, str]]], dist: str, arch: str
) -> tuple[list[tuple[str, dict[str, str]]], list[str]]:
    """The same runs in the build images made here (ADDLIST_IMAGES=local: the release
    rehearsal): one run per image, for the selected identifiers it holds, with the factory's
    caches and QEMU settings. Also returns the selected identifiers no local image holds."""
    architecture = ARCHES[arch]
    plan = factory_wheels.plan_local(IMAGES[(dist, arch)])
    machine = platform.machine()
    engine = factory_wheels.container_engine(
        architecture, host.emulation_environment(architecture, machine)
    )
    local: list[tuple[str, dict[str, str]]] = []
    missing: list[str] = []
    for title, env in runs:
        wanted = factory_wheels.build_identifiers(
            PACKAGE_DIRS[dist],
            "linux",
            arch,
            env={k: v for k, v in env.items() if k.startswith("CIBW_")},
        )
        by_image: dict[str, list[str]] = {}
        for identifier in wanted:
            image = plan.get(identifier)
            if image is None:
                missing.append(identifier)
            else:
                by_image.setdefault(image.tag, []).append(identifier)
        for tag, identifiers in by_image.items():
            local.append(
                (
                    f"{title}, in {tag}",
                    {
                        **env,
                        "CIBW_BUILD": " ".join(identifiers),
                        f"CIBW_MANYLINUX_{arch.upper()}_IMAGE": tag,
                        "CIBW_CONTAINER_ENGINE": engine,
                    },
                )
            )
            if "CIBW_SKIP" in env:  # the abi3 wheel: built and tested in its oldest image only
                break
    return local, sorted(set(missing))


def run_wheels(args: argparse.Namespace) -> bool:
    """cibuildwheel for one distribution, platform and architecture (or one shard of it), under
    the stall watchdog; each run's time and result go to --summary (GitHub's job summary),
    beside cibuildwheel's own table of wheels."""
    package = str(PACKAGE_DIRS[args.dist].relative_to(ROOT)) or "."
    command = [
        "cibuildwheel", "--platform", args.platform, "--output-dir", args.output_dir, package,
    ]  # fmt: skip
    rows: list[str] = []
    ok = True
    runs = wheel_runs(args.dist, args.arch, args.build)
    if os.environ.get("ADDLIST_IMAGES") == "local" and args.platform == "linux":
        runs, missing = local_image_runs(runs, args.dist, args.arch)
        for identifier in missing:
            say(f"{identifier}: no local image has its interpreter; not built in this rehearsal")
            rows.append(f"| {identifier} | - | - | not built here: no local image has it |")
    parts: list[Path] = []
    for title, env in runs:
        label = f"{args.dist} {args.platform} {args.arch}: {title}"
        log_path = Path(args.output_dir).resolve().parent / "logs" / f"{len(rows)}.log"
        # cibuildwheel replaces $GITHUB_STEP_SUMMARY with its table: one file per run, joined
        # below, so that a later run does not erase an earlier one's.
        part = log_path.with_suffix(".summary.md")
        part.unlink(missing_ok=True)
        parts.append(part)
        with step(label):
            started = time.monotonic()
            code, stalls = run_with_watchdog(
                command, cwd=ROOT, env={**env, "GITHUB_STEP_SUMMARY": str(part)},
                log_path=log_path, label=label, echo=True,
                containers=args.platform == "linux",
            )  # fmt: skip
        verdict = "ok" if code == 0 else ("stalled" if code is None else f"exit {code}")
        rows.append(f"| {title} | {time.monotonic() - started:.0f} s | {stalls} | {verdict} |")
        ok = ok and code == 0
        if not ok:
            break
    if args.summary:
        table = [
            f"### {args.dist}, {args.platform} {args.arch} ({args.build})",
            "",
            "| cibuildwheel run | time | stalled runs restarted | result |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
        written = [part.read_text(encoding="utf-8") for part in parts if part.exists()]
        with Path(args.summary).open("a", encoding="utf-8") as file:
            file.write("\n".join([*written, *table]) + "\n")
    return ok


def run_sources(args: argparse.Namespace) -> bool:
    """Both sdists, and the pure-Python wheel of addlist, tested in a fresh environment."""
    outdir = Path(args.output_dir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    build_sdists(ROOT, list(DISTRIBUTIONS.values()), outdir)
    return build_pure(ROOT, outdir).ok


def run_gate(args: argparse.Namespace) -> bool:
    files = artifacts(Path(args.folder))
    version = Version(args.version) if args.version else None
    platforms = tuple(args.platforms.split(","))
    result = gate.gate(files, platforms, version, absent=gate.absent_slots())
    summary = gate.matrix_markdown(result)
    print(summary)
    if args.summary:
        with Path(args.summary).open("a") as file:
            file.write(summary + "\n")
    for slot in result.comparison.missing:
        say(f"missing: {slot}")
    for path in result.comparison.unexpected:
        say(f"unexpected: {path.name}")
    return result.ok


def run_index(args: argparse.Namespace) -> bool:
    """pypi for a release tag, testpypi for a pre-release (v1.0.0rc1) or anything else."""
    try:
        version = Version(args.ref.removeprefix("v"))
    except InvalidVersion:
        print("testpypi")
        return True
    print("testpypi" if version.is_prerelease or version.is_devrelease else "pypi")
    return True


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m release", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    wheels = commands.add_parser("wheels", help=run_wheels.__doc__)
    wheels.add_argument("--dist", choices=sorted(PACKAGE_DIRS), required=True)
    wheels.add_argument("--platform", choices=PLATFORMS, required=True)
    wheels.add_argument("--arch", required=True, help="one cibuildwheel architecture")
    wheels.add_argument(
        "--build",
        default="all",
        help="all (default), abi3, or a CIBW_BUILD selector of version-specific wheels",
    )
    wheels.add_argument("--output-dir", default="wheelhouse")
    wheels.add_argument("--summary", help="append each run's time and result (Markdown) here")
    wheels.set_defaults(run=run_wheels)

    sources = commands.add_parser("sources", help=run_sources.__doc__)
    sources.add_argument("output_dir")
    sources.set_defaults(run=run_sources)

    gate_parser = commands.add_parser("gate", help=gate.__doc__)
    gate_parser.add_argument("folder", help="the folder with every wheel and sdist")
    gate_parser.add_argument("--version", help="the version every artifact must have")
    gate_parser.add_argument(
        "--platforms", default=",".join(PLATFORMS), help="expected platforms (%(default)s)"
    )
    gate_parser.add_argument("--summary", help="append the wheel matrix (Markdown) to this file")
    gate_parser.set_defaults(run=run_gate)

    index = commands.add_parser("index", help=run_index.__doc__)
    index.add_argument("ref", help="the tag, e.g. v1.2.0")
    index.set_defaults(run=run_index)

    resolve = commands.add_parser("resolve", help=resolution.check.__doc__)
    resolution.add_arguments(resolve)
    resolve.set_defaults(run=resolution.check)

    lock = commands.add_parser("lock", help=resolution.lock.__doc__)
    lock.add_argument("--check", action="store_true", help="fail if the file is stale")
    lock.set_defaults(run=resolution.lock)

    rehearse = commands.add_parser("rehearse", help=rehearsal.__doc__)
    rehearsal.add_arguments(rehearse)
    rehearse.set_defaults(run=rehearsal.rehearse)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        return 0 if args.run(args) else 1
    except FactoryError as error:
        fail(str(error))
        return 2


if __name__ == "__main__":
    sys.exit(main())
