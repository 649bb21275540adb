"""Tests of the release pipeline that need no GitHub: the workflows' static properties, the
expected wheel set and its match with the workflow matrix, the release gate's comparison, and
the rehearsal's choice of the wheel pip should pick."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from factory.config import ROOT
from release import __main__ as cli
from release import gate, rehearsal, wheelset

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
#: The only permissions any job may hold, and the one job that may mint an OIDC token.
READ_ONLY = {"contents": "read"}
PUBLISH = {"contents": "read", "id-token": "write"}


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = YAML(typ="safe").load(path.read_text())
    return document


def release_workflow() -> dict[str, Any]:
    return load(ROOT / ".github" / "workflows" / "release.yml")


def all_steps() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{job_name}", step)
        for path in WORKFLOWS
        for job_name, job in load(path)["jobs"].items()
        for step in job.get("steps", [])
    ]


def test_there_are_workflows() -> None:
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "release.yml"}


@pytest.mark.parametrize(("where", "step"), all_steps())
def test_every_action_is_pinned_to_a_full_commit_sha(where: str, step: dict[str, Any]) -> None:
    if "uses" in step:
        assert PINNED.match(step["uses"]), f"{where}: {step['uses']} is not pinned to a commit"


def test_pinned_actions_name_their_version_in_a_comment() -> None:
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if "uses:" in line:
                assert re.search(r"@[0-9a-f]{40} # v\d", line), f"{path.name}: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_privilege(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}, "the default token must have no permissions"
    for name, job in workflow["jobs"].items():
        allowed = PUBLISH if (path.name, name) == ("release.yml", "publish") else READ_ONLY
        assert job.get("permissions") is not None, f"{name} must state its permissions"
        assert job["permissions"].items() <= allowed.items(), f"{path.name}:{name}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_pull_request_workflows_use_no_secrets(path: Path) -> None:
    if "pull_request" in load(path)["on"]:
        assert "secrets." not in path.read_text()
        assert "pull_request_target" not in path.read_text()


def test_checkouts_do_not_keep_the_token() -> None:
    for where, step in all_steps():
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, where


def test_publishing_is_trusted_and_attested() -> None:
    publish = release_workflow()["jobs"]["publish"]
    assert publish["needs"] == "gate", "nothing is uploaded before the gate passes"
    assert "environment" in publish
    commands = " ".join(step.get("run", "") for step in publish["steps"])
    assert "twine upload" in commands
    assert "--attestations" in commands
    assert "pypi_attestations sign" in commands
    assert "password" not in commands
    assert "TWINE_PASSWORD" not in str(publish)


def test_matrix_builds_every_identifier_exactly_once() -> None:
    matrix = release_workflow()["jobs"]["wheels"]["strategy"]["matrix"]
    assert sorted(matrix["dist"]) == sorted(wheelset.PACKAGE_DIRS)
    for distribution in matrix["dist"]:
        for platform in wheelset.PLATFORMS:
            archs = [t["arch"] for t in matrix["target"] if t["platform"] == platform]
            built = Counter(
                identifier
                for arch in archs
                for identifier in wheelset.build_identifiers(distribution, platform, arch)
            )
            configured = wheelset.build_identifiers(distribution, platform)
            assert configured, f"{distribution} builds nothing on {platform}"
            assert set(built) == set(configured), f"{distribution} on {platform}"
            assert max(built.values()) == 1, f"built twice: {built.most_common(3)}"


def test_expected_set_covers_every_platform_python_and_kind() -> None:
    expected = wheelset.expected_slots()
    builds = {slot.build for slot in expected if slot.distribution == "addlist-rs"}
    for identifier in [
        "cp39-manylinux_x86_64",
        "cp315t-musllinux_aarch64",
        "cp314t-macosx_arm64",
        "cp313-macosx_x86_64",
        "cp310-win_amd64",
        "cp314-win_arm64",
        "abi3-manylinux_aarch64",
        "abi3-win_arm64",
        "abi3-macosx_x86_64",
        "sdist",
    ]:
        assert identifier in builds
    assert wheelset.Slot("addlist", wheelset.PURE) in expected
    assert wheelset.Slot("addlist-rs", wheelset.PURE) not in expected
    # No 32-bit or exotic architectures sneak in.
    assert not [b for b in builds if re.search(r"i686|win32|ppc64le|s390x|armv7l|riscv64", b)]


@pytest.mark.parametrize(
    ("name", "slot"),
    [
        ("addlist-1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "addlist cp313-manylinux_x86_64"),
        ("addlist_rs-1.0-cp314-cp314t-musllinux_1_2_aarch64.whl", "addlist-rs cp314t-musllinux_aarch64"),
        ("addlist-1.0-cp39-abi3-macosx_10_13_x86_64.whl", "addlist abi3-macosx_x86_64"),
        ("addlist_rs-1.0-cp315-cp315-win_arm64.whl", "addlist-rs cp315-win_arm64"),
        ("addlist-1.0-py3-none-any.whl", "addlist py3-none-any"),
        ("addlist_rs-1.0.tar.gz", "addlist-rs sdist"),
    ],
)  # fmt: skip
def test_artifacts_are_named_by_their_build(name: str, slot: str) -> None:
    assert str(wheelset.slot_of(Path(name))) == slot


def test_comparison_finds_missing_unexpected_and_duplicated() -> None:
    expected = {
        wheelset.Slot("addlist", "cp313-manylinux_x86_64"),
        wheelset.Slot("addlist", "cp314-manylinux_x86_64"),
    }
    files = [
        Path("addlist-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"),
        Path("addlist-1.0-cp313-cp313-manylinux_2_28_x86_64.whl"),
        Path("addlist-1.0-cp39-cp39-manylinux_2_17_i686.whl"),
        Path("notes.whl"),
    ]
    result = wheelset.compare(files, expected)
    assert result.missing == [wheelset.Slot("addlist", "cp314-manylinux_x86_64")]
    assert [p.name for p in result.unexpected] == [files[2].name, files[3].name]
    assert list(result.duplicated) == [wheelset.Slot("addlist", "cp313-manylinux_x86_64")]
    assert not result.ok


def test_gate_summary_shows_what_is_missing(tmp_path: Path) -> None:
    wheel = tmp_path / "addlist-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"
    wheel.write_bytes(b"x" * 2048)
    expected = {
        wheelset.Slot("addlist", "cp313-manylinux_x86_64"),
        wheelset.Slot("addlist", "cp314-manylinux_x86_64"),
    }
    result = gate.GateResult(wheelset.compare([wheel], expected), [], [])
    text = gate.matrix_markdown(result)
    assert "| manylinux_x86_64 | ✅ 2 KiB | ❌ missing |" in text
    assert "Gate FAILED" in text


@pytest.mark.parametrize(
    ("ref", "index"),
    [
        ("v1.2.0", "pypi"),
        ("v1.2.0rc1", "testpypi"),
        ("v2.0.0.dev3", "testpypi"),
        ("main", "testpypi"),
    ],
)
def test_pre_releases_go_to_testpypi(
    ref: str, index: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", ref]) == 0
    assert capsys.readouterr().out.strip() == index


def test_rehearsal_expects_the_wheel_the_tags_rank_first() -> None:
    tags = ["cp313-cp313-manylinux_2_36_x86_64", "cp39-abi3-manylinux_2_17_x86_64", "py3-none-any"]
    wheels = [
        Path("addlist-1.0-cp39-abi3-manylinux_2_17_x86_64.whl"),
        Path("addlist-1.0-py3-none-any.whl"),
        Path("addlist-1.0-cp313-cp313-manylinux_2_36_x86_64.whl"),
        Path("addlist_rs-1.0-cp314-cp314-manylinux_2_17_x86_64.whl"),
    ]
    assert rehearsal.best_wheel(tags, wheels, "addlist") == wheels[2].name
    assert rehearsal.best_wheel(tags[1:], wheels, "addlist") == wheels[0].name
    assert rehearsal.best_wheel(tags, wheels, "addlist-rs") == "none"
