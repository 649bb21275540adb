"""The main job's report, as Markdown for people and JSON for tools."""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from .checks import Check
from .wheels import WheelRecord, describe


@dataclass(frozen=True, kw_only=True)
class ImageRecord:
    """One build image of the run: built or reused, and how long that took."""

    tag: str
    state: str
    seconds: int


def wheel_tags(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/WHEEL"))
        lines = archive.read(metadata).decode().splitlines()
    return [line.split(": ", 1)[1] for line in lines if line.startswith("Tag: ")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class WheelEntry:
    """One cibuildwheel run in the report, with what the wheel it made carries."""

    record: WheelRecord
    tags: tuple[str, ...] = ()
    platform_tag: str = "-"
    size: int | None = None
    sha256: str = "-"


@dataclass(frozen=True, kw_only=True)
class SdistEntry:
    sdist: str
    size: int
    sha256: str


@dataclass(frozen=True, kw_only=True)
class Report:
    """The main job's report: report.json is its fields, report.md its tables."""

    date: str
    host: str
    total_seconds: int
    images: list[ImageRecord]
    wheels: list[WheelEntry]
    sdists: list[SdistEntry]
    checks: list[Check]
    not_exercised: list[str]

    @property
    def ok(self) -> bool:
        return all(w.record.ok for w in self.wheels) and all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, object]:
        """The JSON document: each wheel's record fields beside what its wheel carries."""
        wheels = []
        for entry in self.wheels:
            fields: dict[str, object] = asdict(entry.record)
            if entry.record.wheel:
                fields |= {
                    "tags": list(entry.tags),
                    "platform_tag": entry.platform_tag,
                    "bytes": entry.size,
                    "sha256": entry.sha256,
                }
            wheels.append(fields)
        return {
            "date": self.date,
            "host": self.host,
            "total_seconds": self.total_seconds,
            "images": [asdict(image) for image in self.images],
            "wheels": wheels,
            "sdists": [
                {"sdist": s.sdist, "bytes": s.size, "sha256": s.sha256} for s in self.sdists
            ],
            "checks": [asdict(check) for check in self.checks],
            "not_exercised": self.not_exercised,
            "ok": self.ok,
        }


def write(
    folder: Path,
    *,
    records: list[WheelRecord],
    sdists: list[Path],
    checks: list[Check],
    platform_tags: dict[str, str],
    images: list[ImageRecord],
    not_exercised: list[str],
    seconds: float,
) -> tuple[Path, Path]:
    entries = []
    for record in records:
        if record.wheel:
            wheel = folder / record.wheel
            entries.append(
                WheelEntry(
                    record=record,
                    tags=tuple(wheel_tags(wheel)),
                    platform_tag=platform_tags.get(record.wheel, "?"),
                    size=wheel.stat().st_size,
                    sha256=sha256(wheel),
                )
            )
        else:
            entries.append(WheelEntry(record=record))
    report = Report(
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        host=f"{platform.system()} {platform.machine()}",
        total_seconds=round(seconds),
        images=images,
        wheels=entries,
        sdists=[
            SdistEntry(sdist=sdist.name, size=sdist.stat().st_size, sha256=sha256(sdist))
            for sdist in sdists
        ],
        checks=checks,
        not_exercised=not_exercised,
    )
    json_path = folder / "report.json"
    json_path.write_text(json.dumps(report.as_json(), indent=2) + "\n")
    md_path = folder / "report.md"
    md_path.write_text(markdown(report))
    return md_path, json_path


def records_markdown(title: str, records: list[WheelRecord], missing: list[str]) -> str:
    """One wheels job's runs as a Markdown table (GitHub's job summary)."""
    lines = [
        f"### {title}",
        "",
        "| wheel | built with | seconds | tests | result |",
        "|---|---|---|---|---|",
    ]
    for record in records:
        result = "ok" if record.ok else "**FAILED**"
        if record.stalls:
            result += f" (after {record.stalls} stalled run(s), stopped)"
        built_with = f"{record.identifier}{' (abi3)' if record.abi3 else ''}"
        lines.append(
            f"| `{record.wheel or '-'}` | {built_with} | {record.seconds:.0f} | "
            f"{record.tests} ({record.test_scope.value}) | {result} |"
        )
    if missing:
        lines += ["", f"Not built: no image holds the interpreters of {describe(missing)}."]
    return "\n".join(lines) + "\n"


def markdown(report: Report) -> str:
    verdict = "all wheels built and tested, all checks passed" if report.ok else "FAILURES"
    lines = [
        "# Wheel factory report",
        "",
        f"{report.date} on {report.host}: **{verdict}**, {report.total_seconds} s in all.",
        "",
        "## Images",
        "",
        "| image | state | seconds |",
        "|---|---|---|",
        *(f"| `{i.tag}` | {i.state} | {i.seconds} |" for i in report.images),
        "",
        "## Wheels",
        "",
        "| wheel | interpreter | platform tag | size | sha256 | build s | tests | test scope |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for entry in report.wheels:
        record = entry.record
        name = record.wheel or f"(none: {record.distribution} {record.identifier})"
        size = f"{entry.size / 1024:.0f} KiB" if entry.size is not None else "-"
        mark = "" if record.ok else " **FAILED**"
        if record.stalls:
            mark += f" (after {record.stalls} stalled run(s), stopped)"
        lines.append(
            f"| `{name}` | {record.identifier}{' (abi3)' if record.abi3 else ''} | "
            f"{entry.platform_tag} | {size} | `{entry.sha256[:16]}` | {record.seconds:.0f} | "
            f"{record.tests}{mark} | {record.test_scope.value} |"
        )
    lines += ["", "## Source distributions", "", "| sdist | size | sha256 |", "|---|---|---|"]
    lines += [
        f"| `{s.sdist}` | {s.size / 1024:.0f} KiB | `{s.sha256[:16]}` |" for s in report.sdists
    ]
    lines += ["", "## Checks", "", "| artifact | check | result | detail |", "|---|---|---|---|"]
    lines += [
        f"| `{c.artifact}` | {c.name} | {'ok' if c.ok else '**FAILED**'} | {c.detail} |"
        for c in report.checks
    ]
    lines += ["", "## Not exercised", ""]
    lines += [f"- {item}" for item in report.not_exercised] or ["- nothing"]
    return "\n".join(lines) + "\n"
