"""The local main job's options (`scripts/build-wheels`, `scripts/build-images`), parsed and
checked before anything is installed or built: the entry points' front (core.front) and
`python -m factory` read them here. Standard library only."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from enum import Enum

from core.config import ARCHES, DEFAULT_ARCHES, Arch, parse_arches
from core.distributions import DISTRIBUTIONS, Distribution
from core.progress import PipelineError


class ImageSource(str, Enum):
    """Where the Linux build images come from."""

    #: made here from Debian's archive (factory.images)
    LOCAL = "local"
    #: cibuildwheel's default manylinux/musllinux images, which need a container registry
    OFFICIAL = "official"


class Job(str, Enum):
    IMAGES = "images"
    WHEELS = "wheels"


@dataclass(frozen=True, kw_only=True)
class Options:
    job: Job
    arches: tuple[Arch, ...]
    distributions: tuple[Distribution, ...]
    images: ImageSource
    rebuild: bool
    jobs: int
    #: also the musllinux wheels that have a local image (x86_64, C)
    musllinux: bool = False

    @property
    def left_out(self) -> list[str]:
        """The architectures of a full run that these options leave out."""
        return sorted(set(ARCHES) - {arch.name for arch in self.arches})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--arch",
        default=",".join(DEFAULT_ARCHES),
        help=f"comma-separated architectures of {', '.join(ARCHES)}, or all (default: %(default)s)",
    )
    parser.add_argument(
        "--only", choices=sorted(DISTRIBUTIONS), help="build one distribution, not both"
    )
    parser.add_argument(
        "--images",
        choices=[source.value for source in ImageSource],
        default=ImageSource.LOCAL.value,
        help="local: images made here from Debian's archive (default); official: cibuildwheel's "
        "default manylinux/musllinux images, which need a container registry",
    )
    parser.add_argument(
        "--musllinux",
        action="store_true",
        help="also the musllinux wheels that have a local image (x86_64 and aarch64, addlist): "
        "their musl OpenSSL and CPython compile once, about 15 minutes each",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the images from nothing")
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="cibuildwheel runs (and image groups) at a time (default: %(default)s)",
    )


def options(job: Job, args: argparse.Namespace) -> Options:
    """The parsed arguments, checked: an unknown architecture or a bad --jobs is an error."""
    if args.jobs < 1:
        msg = f"--jobs {args.jobs}: give 1 or more"
        raise PipelineError(msg)
    try:
        arches = parse_arches(args.arch)
    except ValueError as error:
        raise PipelineError(str(error)) from None
    chosen = [DISTRIBUTIONS[args.only]] if args.only else list(DISTRIBUTIONS.values())
    return Options(
        job=job,
        arches=arches,
        distributions=tuple(chosen),
        images=ImageSource(args.images),
        rebuild=args.rebuild,
        jobs=args.jobs,
        musllinux=args.musllinux,
    )


def parse(argv: list[str] | None, prog: str = "python -m factory") -> Options:
    """`images|wheels [options]`, as `python -m factory` takes them."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("job", choices=[job.value for job in Job])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return options(Job(args.job), args)
    except PipelineError as error:
        parser.error(str(error))
