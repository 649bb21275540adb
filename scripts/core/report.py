"""The main job's report, as Markdown for people and JSON for tools."""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
    wheel_entries = []
    for record in records:
        entry: dict[str, Any] = asdict(record)
        if record.wheel:
            wheel = folder / record.wheel
            entry |= {
                "tags": wheel_tags(wheel),
                "platform_tag": platform_tags.get(record.wheel, "?"),
                "bytes": wheel.stat().st_size,
                "sha256": sha256(wheel),
            }
        wheel_entries.append(entry)
    sdist_entries = [
        {"sdist": sdist.name, "bytes": sdist.stat().st_size, "sha256": sha256(sdist)}
        for sdist in sdists
    ]
    document = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": f"{platform.system()} {platform.machine()}",
        "total_seconds": round(seconds),
        "images": [asdict(image) for image in images],
        "wheels": wheel_entries,
        "sdists": sdist_entries,
        "checks": [asdict(check) for check in checks],
        "not_exercised": not_exercised,
        "ok": all(r.ok for r in records) and all(c.ok for c in checks),
    }
    json_path = folder / "report.json"
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    md_path = folder / "report.md"
    md_path.write_text(markdown(document))
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


def markdown(document: dict[str, Any]) -> str:
    verdict = "all wheels built and tested, all checks passed" if document["ok"] else "FAILURES"
    lines = [
        "# Wheel factory report",
        "",
        f"{document['date']} on {document['host']}: **{verdict}**, {document['total_seconds']} s in all.",
        "",
        "## Images",
        "",
        "| image | state | seconds |",
        "|---|---|---|",
        *(f"| `{i['tag']}` | {i['state']} | {i['seconds']} |" for i in document["images"]),
        "",
        "## Wheels",
        "",
        "| wheel | interpreter | platform tag | size | sha256 | build s | tests | test scope |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for wheel in document["wheels"]:
        name = wheel["wheel"] or f"(none: {wheel['distribution']} {wheel['identifier']})"
        size = f"{wheel['bytes'] / 1024:.0f} KiB" if "bytes" in wheel else "-"
        digest = wheel.get("sha256", "-")[:16]
        mark = "" if wheel["ok"] else " **FAILED**"
        if wheel.get("stalls"):
            mark += f" (after {wheel['stalls']} stalled run(s), stopped)"
        lines.append(
            f"| `{name}` | {wheel['identifier']}{' (abi3)' if wheel['abi3'] else ''} | "
            f"{wheel.get('platform_tag', '-')} | {size} | `{digest}` | {wheel['seconds']:.0f} | "
            f"{wheel['tests']}{mark} | {wheel['test_scope']} |"
        )
    lines += ["", "## Source distributions", "", "| sdist | size | sha256 |", "|---|---|---|"]
    lines += [
        f"| `{s['sdist']}` | {s['bytes'] / 1024:.0f} KiB | `{s['sha256'][:16]}` |"
        for s in document["sdists"]
    ]
    lines += ["", "## Checks", "", "| artifact | check | result | detail |", "|---|---|---|---|"]
    lines += [
        f"| `{c['artifact']}` | {c['name']} | {'ok' if c['ok'] else '**FAILED**'} | {c['detail']} |"
        for c in document["checks"]
    ]
    lines += ["", "## Not exercised", ""]
    lines += [f"- {item}" for item in document["not_exercised"]] or ["- nothing"]
    return "\n".join(lines) + "\n"
