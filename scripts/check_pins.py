"""Checks that the copies of a pin agree with the pin.

pyproject.toml is the one place where tool versions are chosen; pre-commit needs them repeated
as hook revisions, and cibuildwheel's platform tables each repeat the Rust toolchain of
rust/pyproject.toml (a platform table replaces the general one). This check keeps the copies
honest. Usage: python scripts/check_pins.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: pre-commit hook repository -> the PyPI package whose pin it must match
HOOK_PACKAGES = {
    "astral-sh/ruff-pre-commit": "ruff",
    "pre-commit/mirrors-mypy": "mypy",
    "codespell-project/codespell": "codespell",
    "pre-commit/mirrors-clang-format": "clang-format",
    "abravalheri/validate-pyproject": "validate-pyproject",
    "zizmorcore/zizmor-pre-commit": "zizmor",
    "python-jsonschema/check-jsonschema": "check-jsonschema",
}
RUST_PIN = re.compile(r'RUSTUP_TOOLCHAIN = "([^"]+)"')


def pinned_versions(pyproject: str) -> dict[str, str]:
    """Every `name==version` (or `name[extra]==version`) string in pyproject.toml."""
    return dict(re.findall(r'"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^";]+)', pyproject))


def hook_revisions(config: str) -> dict[str, str]:
    """Hook repository (owner/name) -> its rev, without a leading v."""
    found = re.findall(r"repo: https://github\.com/(\S+)\s+rev: v?(\S+)", config)
    return dict(found)


def main() -> int:
    pins = pinned_versions((ROOT / "pyproject.toml").read_text())
    revisions = hook_revisions((ROOT / ".pre-commit-config.yaml").read_text())
    problems = []
    for repo, package in HOOK_PACKAGES.items():
        if revisions.get(repo) != pins.get(package):
            problems.append(
                f"{repo} is at {revisions.get(repo)} in .pre-commit-config.yaml but "
                f"{package} is pinned to {pins.get(package)} in pyproject.toml: make them agree"
            )
    rust_pins = set(RUST_PIN.findall((ROOT / "rust" / "pyproject.toml").read_text()))
    if len(rust_pins) != 1:
        problems.append(
            f"rust/pyproject.toml pins RUSTUP_TOOLCHAIN to {sorted(rust_pins) or 'nothing'}: "
            "every [tool.cibuildwheel] table must name the same toolchain"
        )
    for problem in problems:
        print(f"check_pins: {problem}", file=sys.stderr)
    if not problems:
        print(
            f"check_pins: {len(HOOK_PACKAGES)} pre-commit hooks match pyproject.toml; "
            f"one Rust toolchain for the wheels ({rust_pins.pop()})"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
