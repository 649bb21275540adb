"""The release gate: nothing is uploaded unless the artifacts are exactly the expected set,
all of one version, and every one passes its checks. It also writes the wheel matrix that
GitHub shows as the job summary."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from core import checks

from .wheelset import PURE, SDIST, Comparison, Slot, compare, expected_slots, slot_of

#: Set only by the local rehearsal: a file of the slots ("addlist cp310-win_amd64") that cannot
#: be built on its machine. The gate expects everything else, and lists these as absent.
ABSENT_ENV = "ADDLIST_GATE_ABSENT"


@dataclass
class GateResult:
    comparison: Comparison
    checks: list[checks.Check]
    wrong_version: list[Path]
    #: expected slots that the rehearsal could not build (never set on GitHub)
    absent: list[Slot] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.comparison.ok and not self.wrong_version and all(c.ok for c in self.checks)


def artifact_version(path: Path) -> Version:
    if path.name.endswith(".whl"):
        return parse_wheel_filename(path.name)[1]
    return parse_sdist_filename(path.name)[1]


def run_checks(files: list[Path]) -> list[checks.Check]:
    results = checks.twine_check(files)
    for file in files:
        if file.name.endswith(".whl"):
            results.append(checks.wheel_contents(file))
            if "-abi3-" in file.name:
                results.append(checks.abi3_audit(file))
        else:
            results.append(checks.sdist_contents(file))
    return results


def absent_slots() -> set[Slot]:
    path = os.environ.get(ABSENT_ENV)
    if not path:
        return set()
    lines = [line.split() for line in Path(path).read_text().splitlines() if line.strip()]
    return {Slot(distribution, build) for distribution, build in lines}


def gate(
    files: list[Path],
    platforms: tuple[str, ...],
    version: Version | None,
    *,
    absent: set[Slot] | None = None,
) -> GateResult:
    expected = expected_slots(platforms)
    found = {slot_of(f) for f in files if f.name.endswith((".whl", ".tar.gz"))}
    missing_here = (absent or set()) & expected - found
    comparison = compare(files, expected - missing_here)
    wrong = [f for f in files if version is not None and artifact_version(f) != version]
    return GateResult(comparison, run_checks(files), wrong, sorted(missing_here))


def _python_order(build: str) -> tuple[int, str]:
    """cp39 < cp310 < cp314 < cp314t < abi3 < py3-none-any < sdist."""
    if build.startswith("cp3"):
        digits = "".join(ch for ch in build[3:] if ch.isdigit())
        return (int(digits), build)
    return (1000 + ["abi3", PURE, SDIST].index(build), build)


def matrix_markdown(result: GateResult) -> str:
    """Platform x Python, one table per distribution: wheel size, or what went wrong."""
    comparison = result.comparison
    failed = {c.artifact for c in result.checks if not c.ok}
    cells: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))

    def place(slot: Slot, text: str) -> None:
        python, _, platform = slot.build.partition("-")
        if slot.build in {PURE, SDIST}:
            python, platform = slot.build, "any"
        cells[slot.distribution][platform][python] = text

    for slot, paths in comparison.found.items():
        size = sum(p.stat().st_size for p in paths) / 1024
        bad = any(p.name in failed for p in paths)
        mark = "duplicated" if len(paths) > 1 else ("check failed" if bad else "ok")
        note = "" if mark == "ok" else f" ({mark})"
        place(slot, f"{'✅' if mark == 'ok' else '❌'} {size:.0f} KiB{note}")
    for slot in comparison.missing:
        place(slot, "❌ missing")

    lines = [
        "## Release artifacts",
        "",
        (
            "Every wheel below was built, repaired and tested by cibuildwheel (a wheel whose "
            "tests fail is never written), then checked here: the expected set, `twine check "
            "--strict`, wheel and sdist contents, and `abi3audit` for abi3 wheels."
        ),
        "",
    ]
    for distribution in sorted(cells):
        columns = sorted(
            {python for row in cells[distribution].values() for python in row}, key=_python_order
        )
        lines += [f"### {distribution}", "", "| platform | " + " | ".join(columns) + " |"]
        lines.append("|---" * (len(columns) + 1) + "|")
        for platform in sorted(cells[distribution]):
            row = cells[distribution][platform]
            lines.append(f"| {platform} | " + " | ".join(row.get(c, "") for c in columns) + " |")
        lines.append("")
    if comparison.unexpected:
        lines += ["### Unexpected files", ""]
        lines += [f"- ❌ `{p.name}`" for p in comparison.unexpected] + [""]
    if result.wrong_version:
        lines += ["### Wrong version", ""]
        lines += [f"- ❌ `{p.name}`" for p in result.wrong_version] + [""]
    failures = [c for c in result.checks if not c.ok]
    if failures:
        lines += ["### Failed checks", ""]
        lines += [f"- ❌ `{c.artifact}`: {c.name}: {c.detail}" for c in failures] + [""]
    if result.absent:
        lines += [
            f"### Not built in this rehearsal ({len(result.absent)}, told by {ABSENT_ENV})",
            "",
            ", ".join(f"`{slot}`" for slot in result.absent),
            "",
        ]
    verdict = "**Gate passed.**" if result.ok else "**Gate FAILED: nothing will be uploaded.**"
    lines += [verdict, ""]
    return "\n".join(lines)
