"""The release rehearsal's options (`scripts/rehearse-release`, `python -m release rehearse`),
parsed and checked before anything is installed or built. Standard library only: the entry
points' front (core.front) reads them before the pipeline's environment exists."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from enum import Enum

from core.config import ARCHES, DEFAULT_ARCHES, Arch, parse_arches
from core.progress import PipelineError

#: Debian suites whose own CPython installs and tests the release, on each architecture.
SUITES = ("bullseye", "bookworm", "trixie", "sid")


class Event(str, Enum):
    """What the rehearsed workflow run was started by."""

    #: a pushed v<version> tag: the whole release, publishing included
    TAG = "tag"
    #: a run by hand (workflow_dispatch): it stops at the gate
    MANUAL = "manual"


@dataclass(frozen=True, kw_only=True)
class RehearsalOptions:
    arches: tuple[Arch, ...]
    suites: tuple[str, ...]
    event: Event
    jobs: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--arch",
        default=",".join(DEFAULT_ARCHES),
        help=(
            f"architectures of {', '.join(ARCHES)} (or all) whose wheel jobs run and whose "
            "containers install (%(default)s)"
        ),
    )
    parser.add_argument("--suites", default=",".join(SUITES), help="Debian suites (%(default)s)")
    parser.add_argument(
        "--event",
        choices=[event.value for event in Event],
        default=Event.TAG.value,
        help="tag: a pushed v<version> tag (publishes); manual: a run by hand (stops at the gate)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="workflow job instances and containers at a time (default: %(default)s)",
    )


def options(args: argparse.Namespace) -> RehearsalOptions:
    """The parsed arguments, checked: unknown architectures or suites are an error."""
    try:
        arches = parse_arches(args.arch)
    except ValueError as error:
        raise PipelineError(str(error)) from None
    suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    unknown = sorted(set(suites) - set(SUITES))
    if unknown or not suites:
        msg = f"--suites: unknown {unknown or args.suites!r}; choose from {', '.join(SUITES)}"
        raise PipelineError(msg)
    if args.jobs < 1:
        msg = f"--jobs {args.jobs}: give 1 or more"
        raise PipelineError(msg)
    return RehearsalOptions(
        arches=arches,
        suites=tuple(suites),
        event=Event(args.event),
        jobs=args.jobs,
    )
