"""The artifacts a release must hold, derived from the cibuildwheel configuration.

Every wheel is named by the cibuildwheel build identifier it comes from (`cp313-manylinux_x86_64`,
`cp314t-win_arm64`); a Limited-API wheel by `abi3-<platform>` and the pure-Python wheel by
`py3-none-any`. The expected set is what `cibuildwheel --print-build-identifiers` gives for
each platform and distribution, one abi3 wheel per platform and architecture, the pure-Python
wheel of `addlist`, and both sdists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

from core import wheels
from core.config import ROOT
from core.distributions import ABI3_FLOOR, DISTRIBUTIONS, IMPLEMENTATIONS

PLATFORMS = ("linux", "macos", "windows")
#: The distribution that also ships a pure-Python wheel (its reference implementation).
PURE_DISTRIBUTION = str(IMPLEMENTATIONS["pure"].distribution)
PURE = "py3-none-any"
SDIST = "sdist"
#: A wheel platform tag -> the platform part of a cibuildwheel identifier.
PLATFORM_TAG = re.compile(
    r"^(?:(?P<linux>manylinux|musllinux)(?:_\d+_\d+|1|2010|2014)_(?P<linux_arch>.+)"
    r"|macosx_\d+_\d+_(?P<mac_arch>.+)"
    r"|win_(?P<win_arch>.+))$"
)


@dataclass(frozen=True, order=True)
class Slot:
    """One artifact of a release: a distribution and what it is built for."""

    distribution: str
    build: str

    def __str__(self) -> str:
        return f"{self.distribution} {self.build}"


def identifier_platform(platform_tag: str) -> str:
    """`manylinux_2_17_x86_64` -> `manylinux_x86_64`, `macosx_11_0_arm64` -> `macosx_arm64`."""
    match = PLATFORM_TAG.match(platform_tag)
    if match is None:
        msg = f"unknown wheel platform tag {platform_tag!r}"
        raise ValueError(msg)
    if match["linux"]:
        return f"{match['linux']}_{match['linux_arch']}"
    if match["mac_arch"]:
        return f"macosx_{match['mac_arch']}"
    return f"win_{match['win_arch']}"


def build_of(tags: Iterable[Tag]) -> str:
    """The build a wheel's tags come from: an identifier, `abi3-<platform>` or `py3-none-any`."""
    builds = set()
    for tag in tags:
        if tag.abi == "none" and tag.platform == "any":
            builds.add(PURE)
        elif tag.abi == "abi3":
            builds.add(f"abi3-{identifier_platform(tag.platform)}")
        else:
            builds.add(f"{tag.abi}-{identifier_platform(tag.platform)}")
    if len(builds) != 1:
        msg = f"tags {sorted(map(str, tags))} do not name one build"
        raise ValueError(msg)
    return builds.pop()


def slot_of(path: Path) -> Slot:
    """The release slot an artifact fills, from its file name."""
    if path.name.endswith(".whl"):
        name, _, _, tags = parse_wheel_filename(path.name)
        return Slot(canonicalize_name(name), build_of(tags))
    name, _ = parse_sdist_filename(path.name)
    return Slot(canonicalize_name(name), SDIST)


def build_identifiers(distribution: str, platform: str, archs: str | None = None) -> list[str]:
    """What cibuildwheel builds for a distribution on a platform, from its configuration."""
    return wheels.build_identifiers(ROOT / DISTRIBUTIONS[distribution].folder, platform, archs)


def tested_identifiers(distribution: str, platform: str) -> list[str]:
    """Every interpreter a wheel of the release is tested on: each identifier it builds, and
    the later GIL-enabled CPythons that each abi3 wheel is tested on (its run replaces the
    configured skip with wheels.ABI3_SKIP)."""
    built = build_identifiers(distribution, platform)
    parsed = [wheels.Identifier.parse(i) for i in built]
    abi3_platforms = {p.platform for p in parsed if p.python == ABI3_FLOOR}
    package = ROOT / DISTRIBUTIONS[distribution].folder
    widened = wheels.build_identifiers(package, platform, env={"CIBW_SKIP": wheels.ABI3_SKIP})
    abi3_tested = [i for i in widened if wheels.Identifier.parse(i).platform in abi3_platforms]
    return list(dict.fromkeys([*built, *abi3_tested]))


def expected_slots(platforms: Iterable[str] = PLATFORMS) -> set[Slot]:
    slots = set()
    for distribution in DISTRIBUTIONS:
        slots.add(Slot(distribution, SDIST))
        for platform in platforms:
            for identifier in build_identifiers(distribution, platform):
                slots.add(Slot(distribution, identifier))
                parsed = wheels.Identifier.parse(identifier)
                if parsed.python == ABI3_FLOOR:
                    slots.add(Slot(distribution, f"abi3-{parsed.platform}"))
    slots.add(Slot(PURE_DISTRIBUTION, PURE))
    return slots


@dataclass
class Comparison:
    found: dict[Slot, list[Path]]
    missing: list[Slot]
    unexpected: list[Path]
    duplicated: dict[Slot, list[Path]]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.duplicated)


def compare(files: Iterable[Path], expected: set[Slot]) -> Comparison:
    """Matches the artifacts against the expected set: each slot filled exactly once."""
    found: dict[Slot, list[Path]] = {}
    unexpected = []
    for file in sorted(files):
        try:
            slot = slot_of(file)
        except ValueError:
            unexpected.append(file)
            continue
        if slot in expected:
            found.setdefault(slot, []).append(file)
        else:
            unexpected.append(file)
    return Comparison(
        found=found,
        missing=sorted(expected - set(found)),
        unexpected=unexpected,
        duplicated={slot: paths for slot, paths in found.items() if len(paths) > 1},
    )


def artifacts(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.whl"), *folder.glob("*.tar.gz")])
