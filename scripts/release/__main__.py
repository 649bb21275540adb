"""`python -m release wheels|sources|gate|index|resolve|lock|rehearse`: the steps of the release workflow
(.github/workflows/release.yml) and the local release rehearsal (scripts/rehearse-release)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

from core import report, wheels
from core.config import ARCHES, ROOT, WORK_DIR
from core.distributions import DISTRIBUTIONS, SCOPE_VARIABLE, SuiteScope
from core.native import build_pure
from core.progress import PipelineError, fail, say, set_label, step

from . import gate, rehearsal, resolution
from . import options as rehearsal_options
from .wheelset import PLATFORMS, artifacts


def job_builds(args: argparse.Namespace) -> tuple[list[wheels.Build], list[str]]:
    """The wheels job's runs: with cibuildwheel's default images, or (ADDLIST_IMAGES=local, the
    release rehearsal's stand-in for them) in the build images made here, with the local
    caches and QEMU settings."""
    distribution = DISTRIBUTIONS[args.distribution]
    test_scope = SuiteScope(os.environ.get(SCOPE_VARIABLE, SuiteScope.FULL.value))
    if os.environ.get("ADDLIST_IMAGES") != "local" or args.platform != "linux":
        return wheels.job_builds(
            distribution, args.platform, args.arch, args.build, test_scope=test_scope
        )
    from factory import images  # noqa: PLC0415 (only the rehearsal has local images)

    return images.local_job_builds(
        distribution, ARCHES[args.arch], args.build, test_scope=test_scope
    )


def run_wheels(args: argparse.Namespace) -> bool:
    """cibuildwheel for one distribution, platform and architecture (or one shard of it), one
    run per wheel under the stall watchdog; each wheel's time, tests and result go to
    --summary (GitHub's job summary), after cibuildwheel's own tables."""
    builds, missing = job_builds(args)
    output_dir = Path(args.output_dir).resolve()
    records: list[wheels.WheelRecord] = []
    parts: list[Path] = []
    for build in builds:
        # cibuildwheel replaces $GITHUB_STEP_SUMMARY with its table: one file per run, joined
        # below, so that a later run does not erase an earlier one's.
        part = WORK_DIR / "summaries" / f"{len(parts)}.md"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.unlink(missing_ok=True)
        parts.append(part)
        with step(build.label):
            records.append(
                wheels.build_one(ROOT, build, output_dir=output_dir, echo=True, summary=part)
            )
    if missing:
        say(f"not built: no local image holds the interpreters of {wheels.describe(missing)}")
    if args.summary:
        written = [part.read_text(encoding="utf-8") for part in parts if part.exists()]
        table = report.records_markdown(
            f"{args.distribution}, {args.platform} {args.arch} ({args.build})", records, missing
        )
        with Path(args.summary).open("a", encoding="utf-8") as file:
            file.write("\n".join([*written, table]) + "\n")
    return bool(records) and all(record.ok for record in records)


def run_sources(args: argparse.Namespace) -> bool:
    """Both sdists, and the pure-Python wheel of addlist, tested in a fresh environment."""
    outdir = Path(args.output_dir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    wheels.build_sdists(ROOT, list(DISTRIBUTIONS.values()), outdir)
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
    wheels.add_argument("--distribution", choices=sorted(DISTRIBUTIONS), required=True)
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
    rehearsal_options.add_arguments(rehearse)
    rehearse.set_defaults(run=lambda args: rehearsal.rehearse(rehearsal_options.options(args)))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    set_label(f"release {args.command}")
    try:
        return 0 if args.run(args) else 1
    except PipelineError as error:
        fail(str(error))
        return 2


if __name__ == "__main__":
    sys.exit(main())
