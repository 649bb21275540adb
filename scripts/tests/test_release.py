"""Tests of the release pipeline that need no GitHub: the workflows' static properties, the
expected wheel set and its match with the workflow matrix, the release gate's comparison, and
the rehearsal's choice of the wheel pip should pick."""

from __future__ import annotations

import fnmatch
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cibuildwheel.selector import selector_matches
from ruamel.yaml import YAML

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from core import host, wheels
from core.config import ARCHES, ROOT
from core.distributions import DISTRIBUTIONS
from core.progress import PipelineError
from factory import config, images
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


def test_publishing_is_trusted_attested_and_one_identity_per_project() -> None:
    publish = release_workflow()["jobs"]["publish"]
    assert publish["needs"] == "gate", "nothing is uploaded before the gate passes"
    # PyPI's (pending) trusted publishers are keyed by repository, workflow and environment:
    # one environment per distribution, or the first release cannot create both projects.
    assert sorted(publish["strategy"]["matrix"]["distribution"]) == sorted(DISTRIBUTIONS)
    assert "matrix.distribution" in publish["environment"]["name"]
    commands = [step.get("run", "") for step in publish["steps"]]
    upload = next(c for c in commands if "twine upload" in c)
    assert "--attestations" in upload
    assert "--skip-existing" in upload, "a re-run after a partial upload must finish the job"
    sign = next(c for c in commands if "pypi_attestations sign" in c)
    # twine attaches only attestation files that are among its inputs: it must be given the
    # signed folder itself, not just the wheels and sdists.
    signed = sign.split()[-1]
    assert upload.split()[-1] == signed, (sign, upload)
    assert "password" not in " ".join(commands)
    assert "TWINE_PASSWORD" not in str(publish)


def test_the_job_with_the_oidc_token_installs_only_hashed_pins() -> None:
    publish = release_workflow()["jobs"]["publish"]
    installs = [s["run"] for s in publish["steps"] if "pip install" in s.get("run", "")]
    assert installs, "the publish job installs its tools"
    for command in installs:
        assert "--require-hashes" in command, command
        assert "--group" not in command, command
    text = (ROOT / ".github" / "publish-requirements.txt").read_text()
    pins = [line for line in text.splitlines() if "==" in line]
    assert pins
    assert all(line.endswith(" \\") for line in pins), "every pin is followed by its hashes"


def test_every_job_has_a_time_budget_well_inside_githubs_limit() -> None:
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            minutes = job.get("timeout-minutes")
            assert isinstance(minutes, int), f"{path.name}:{name} has no timeout-minutes"
            assert minutes <= 120, f"{path.name}:{name}: {minutes} min (GitHub stops at 360)"


#: The first major of each action that runs on Node 24 (GitHub is retiring Node 20). An action
#: not listed here fails the test until someone checks it.
NODE24_MAJOR = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "actions/download-artifact": 7,
    "docker/setup-qemu-action": 4,
}


def test_every_action_runs_on_node_24() -> None:
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            found = re.search(r"uses: ([\w.-]+/[\w.-]+)@[0-9a-f]{40} # v(\d+)", line)
            if found:
                action, major = found[1], int(found[2])
                assert action in NODE24_MAJOR, f"{path.name}: is {action} on Node 24? {line}"
                assert major >= NODE24_MAJOR[action], f"{path.name}: {line.strip()}"


def shard_identifiers(distribution: str, platform: str, target: dict[str, str]) -> list[str]:
    """What one wheels job builds version-specific (its `build` selector, or all of them)."""
    identifiers = wheelset.build_identifiers(distribution, platform, target["arch"])
    if target["build"] == "abi3":
        return []
    if target["build"] == "all":
        return identifiers
    patterns = target["build"].split()
    return [i for i in identifiers if any(fnmatch.fnmatch(i, p) for p in patterns)]


def test_matrix_builds_every_identifier_and_every_abi3_wheel_exactly_once() -> None:
    matrix = release_workflow()["jobs"]["wheels"]["strategy"]["matrix"]
    assert sorted(matrix["distribution"]) == sorted(DISTRIBUTIONS)
    for distribution in matrix["distribution"]:
        for platform in wheelset.PLATFORMS:
            targets = [t for t in matrix["target"] if t["platform"] == platform]
            built = Counter(
                i for t in targets for i in shard_identifiers(distribution, platform, t)
            )
            configured = wheelset.build_identifiers(distribution, platform)
            assert configured, f"{distribution} builds nothing on {platform}"
            assert set(built) == set(configured), f"{distribution} on {platform}"
            assert max(built.values()) == 1, f"built twice: {built.most_common(3)}"
            for arch in {t["arch"] for t in targets}:
                abi3_jobs = [
                    t for t in targets if t["arch"] == arch and t["build"] in {"all", "abi3"}
                ]
                assert len(abi3_jobs) == 1, f"{platform} {arch}: the abi3 wheel in {abi3_jobs}"


def test_the_abi3_wheel_is_tested_on_every_gil_enabled_cpython() -> None:
    builds, missing = wheels.job_builds(DISTRIBUTIONS["addlist-rs"], "linux", "aarch64", "abi3")
    assert missing == []
    # One abi3 wheel per Linux platform, each built with the floor and tested on every later
    # GIL-enabled CPython of its platform.
    assert [(b.identifier, b.abi3) for b in builds] == [
        ("cp39-manylinux_aarch64", True),
        ("cp39-musllinux_aarch64", True),
    ]
    env = builds[0].environment()
    assert env["CIBW_BUILD"] == "cp3*-manylinux_aarch64"
    assert fnmatch.fnmatch("cp314t-manylinux_aarch64", env["CIBW_SKIP"])
    assert not fnmatch.fnmatch("cp314-manylinux_aarch64", env["CIBW_SKIP"])
    assert DISTRIBUTIONS["addlist-rs"].abi3_environment.items() <= env.items()
    assert env["CIBW_CONTAINER_ENGINE"] == "docker"  # GitHub: no local caches, no QEMU settings


def test_a_shard_runs_one_cibuildwheel_per_wheel_of_its_selector() -> None:
    shard, _ = wheels.job_builds(DISTRIBUTIONS["addlist"], "linux", "aarch64", "cp312-* cp313-*")
    assert sorted(b.environment()["CIBW_BUILD"] for b in shard) == [
        "cp312-manylinux_aarch64",
        "cp312-musllinux_aarch64",
        "cp313-manylinux_aarch64",
        "cp313-musllinux_aarch64",
    ]
    assert not any(b.abi3 for b in shard)
    everything, _ = wheels.job_builds(DISTRIBUTIONS["addlist"], "linux", "x86_64", "all")
    configured = wheelset.build_identifiers("addlist", "linux", "x86_64")
    assert [b.identifier for b in everything if not b.abi3] == configured
    assert sum(b.abi3 for b in everything) == 2  # manylinux and musllinux
    macos, _ = wheels.job_builds(DISTRIBUTIONS["addlist"], "macos", "arm64", "abi3")
    assert "CIBW_CONTAINER_ENGINE" not in macos[0].environment()


def test_rust_on_windows_arm64_targets_aarch64_not_the_emulated_x64() -> None:
    with (ROOT / "rust" / "pyproject.toml").open("rb") as file:
        overrides = tomllib.load(file)["tool"]["cibuildwheel"]["overrides"]
    (override,) = [o for o in overrides if fnmatch.fnmatch("cp313-win_arm64", o["select"])]
    assert not fnmatch.fnmatch("cp313-win_amd64", override["select"])
    assert override["environment"]["CARGO_BUILD_TARGET"] == "aarch64-pc-windows-msvc"
    assert override["inherit"]["environment"] == "append", "keep RUSTUP_TOOLCHAIN"
    assert "rustup toolchain install %RUSTUP_TOOLCHAIN%" in override["before-all"]
    assert "--target aarch64-pc-windows-msvc" in override["before-all"]


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
    for identifier in ["cp313-manylinux_i686", "cp39-manylinux_s390x", "cp314t-manylinux_riscv64"]:
        assert identifier in builds
    # Where only QEMU runs them, the abi3 wheel serves the GIL-enabled CPythons after the floor.
    assert "abi3-manylinux_ppc64le" in builds
    assert "cp313-manylinux_ppc64le" not in builds
    # rustup has no musl toolchain that runs on these: their users build from the sdist.
    assert "abi3-musllinux_riscv64" not in builds
    assert "abi3-musllinux_riscv64" in {s.build for s in expected if s.distribution == "addlist"}
    assert not [b for b in builds if "win32" in b]


def cibuildwheel_table(folder: str) -> dict[str, Any]:
    with (ROOT / folder / "pyproject.toml").open("rb") as file:
        table: dict[str, Any] = tomllib.load(file)["tool"]["cibuildwheel"]
    return table


def test_both_distributions_build_the_same_linux_architectures() -> None:
    c = cibuildwheel_table(DISTRIBUTIONS["addlist"].folder)
    rust = cibuildwheel_table(DISTRIBUTIONS["addlist-rs"].folder)
    assert c["linux"]["archs"] == rust["linux"]["archs"]
    assert set(c["skip"]) <= set(rust["skip"]), "the Rust table skips at least what the C one does"


def test_the_abi3_wheel_is_tested_where_version_specific_wheels_are_skipped() -> None:
    tested = wheelset.tested_identifiers("addlist", "linux")
    built = wheelset.build_identifiers("addlist", "linux")
    assert "cp313-manylinux_s390x" in tested
    assert "cp313-manylinux_s390x" not in built
    assert set(built) <= set(tested)
    builds, _ = wheels.job_builds(DISTRIBUTIONS["addlist"], "linux", "s390x", "abi3")
    env = builds[0].environment()
    # CIBW_SKIP replaces the configured skip, so the run tests the wheel on cp310 and later.
    assert env["CIBW_BUILD"] == "cp3*-manylinux_s390x"
    assert env["CIBW_SKIP"] == wheels.ABI3_SKIP
    rust = wheelset.tested_identifiers("addlist-rs", "linux")
    assert not [i for i in rust if i.endswith("musllinux_s390x")]


def test_every_emulated_job_registers_its_qemu_and_lightens_its_tests() -> None:
    wheels_job = release_workflow()["jobs"]["wheels"]
    native = {"x86_64", "i686"}  # what GitHub's x86_64 runners run without QEMU
    for target in wheels_job["strategy"]["matrix"]["target"]:
        if target["platform"] != "linux":
            continue
        assert ("qemu" in target) == (target["arch"] not in native), target
    (qemu,) = [s for s in wheels_job["steps"] if "setup-qemu" in s.get("uses", "")]
    assert "matrix.target.qemu" in qemu["if"]
    assert qemu["with"]["platforms"] == "${{ matrix.target.qemu }}"
    (build,) = [s for s in wheels_job["steps"] if "release wheels" in s.get("run", "")]
    assert "matrix.target.qemu" in build["env"]["ADDLIST_TEST_SCOPE"]


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


def test_the_gate_expects_everything_but_what_the_rehearsal_says_is_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = tmp_path / "addlist-1.0-cp313-cp313-manylinux_2_17_x86_64.whl"
    built.write_bytes(b"x")
    absent = wheelset.Slot("addlist", "cp314-manylinux_x86_64")
    expected = {wheelset.Slot("addlist", "cp313-manylinux_x86_64"), absent}
    monkeypatch.setattr(gate, "expected_slots", lambda _platforms: expected)
    monkeypatch.setattr(gate, "run_checks", lambda _files: [])
    # Told what cannot be built here (even a slot that was built), the gate passes and says so.
    told = gate.gate([built], ("linux",), None, absent={absent, *expected})
    assert told.ok
    assert told.absent == [absent]
    text = gate.matrix_markdown(told)
    assert "Not built in this rehearsal (1" in text
    assert "`addlist cp314-manylinux_x86_64`" in text
    # Not told, the same files fail the gate.
    assert not gate.gate([built], ("linux",), None).ok


def test_the_absent_slots_come_from_the_file_the_rehearsal_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = tmp_path / "absent.txt"
    listing.write_text("addlist cp310-win_amd64\naddlist-rs abi3-macosx_arm64\n")
    monkeypatch.setenv(gate.ABSENT_ENV, str(listing))
    assert gate.absent_slots() == {
        wheelset.Slot("addlist", "cp310-win_amd64"),
        wheelset.Slot("addlist-rs", "abi3-macosx_arm64"),
    }
    monkeypatch.delenv(gate.ABSENT_ENV)
    assert gate.absent_slots() == set()


@pytest.mark.parametrize("index", ["pypi", "testpypi"])
def test_twine_accepts_skip_existing_for_the_repositories_the_workflow_names(index: str) -> None:
    from twine.settings import Settings  # noqa: PLC0415 (the gate group's twine)

    upload = next(
        step["run"]
        for step in release_workflow()["jobs"]["publish"]["steps"]
        if "twine upload" in step.get("run", "")
    )
    assert '--repository "$INDEX"' in upload
    assert "--skip-existing" in upload
    settings = Settings(repository_name=index, skip_existing=True, username="u", password="p")
    settings.verify_feature_capability()  # raises UnsupportedConfiguration for other indexes


def test_in_local_images_each_wheel_is_built_in_the_image_that_holds_its_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, trixie, sid = (image.tag for image in config.IMAGES[("addlist-rs", "aarch64")])
    plan = {
        "cp313-manylinux_aarch64": trixie,
        "cp314-manylinux_aarch64": sid,
        "cp315-manylinux_aarch64": sid,
    }
    monkeypatch.setattr(images, "local_plan", lambda _images: plan)
    monkeypatch.setattr(host, "emulation_environment", lambda _arch, _machine: {"QEMU_CPU": "m"})
    monkeypatch.setenv("ADDLIST_IMAGES", "local")

    def job(build: str) -> tuple[list[wheels.Build], list[str]]:
        argv = [
            "wheels",
            "--distribution",
            "addlist-rs",
            "--platform",
            "linux",
            "--arch",
            "aarch64",
        ]
        return cli.job_builds(cli.parse([*argv, "--build", build]))

    builds, missing = job("cp313-* cp314-*")
    assert [b.environment()["CIBW_BUILD"] for b in builds] == [
        "cp313-manylinux_aarch64",
        "cp314-manylinux_aarch64",
    ]
    assert [b.environment()["CIBW_MANYLINUX_AARCH64_IMAGE"] for b in builds] == [trixie, sid]
    engines = [b.environment()["CIBW_CONTAINER_ENGINE"] for b in builds]
    assert all("--env=QEMU_CPU=m" in engine for engine in engines)
    assert all("--volume=addlist-cache-aarch64:/root/.cache" in engine for engine in engines)
    # The cross Rust's per-interpreter setting reaches the container.
    assert "--env=PYO3_CROSS_LIB_DIR=/usr/lib/python3.13" in engines[0].split()
    assert "--env=PYO3_CROSS_LIB_DIR=/usr/lib/python3.14" in engines[1].split()
    assert "cp313-musllinux_aarch64" in missing
    assert "cp314-manylinux_aarch64" not in missing
    # The abi3 wheel: built and tested in the image of the oldest interpreter that has one.
    (abi3,), missing = job("abi3")
    env = abi3.environment()
    assert env["CIBW_MANYLINUX_AARCH64_IMAGE"] == trixie
    assert env["CIBW_BUILD"] == "cp313-manylinux_aarch64"
    # The abi3 switch first, then the local images' own maturin arguments (zig).
    zig = config.maturin_zig_args(ARCHES["aarch64"])
    for name, value in DISTRIBUTIONS["addlist-rs"].abi3_environment.items():
        assert env[name] == f"{value} {zig}"
    assert missing == []


def test_where_no_local_image_holds_the_floor_the_abi3_wheel_is_built_with_the_oldest_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ppc64le's images start at bookworm's 3.11; `skip` leaves out cp311's version-specific
    # wheel there, but not the abi3 wheel built with it.
    (bookworm,) = (image.tag for image in config.IMAGES[("addlist", "ppc64le")])
    monkeypatch.setattr(images, "local_plan", lambda _images: {"cp311-manylinux_ppc64le": bookworm})
    monkeypatch.setattr(host, "emulation_environment", lambda _arch, _machine: {})
    monkeypatch.setenv("ADDLIST_IMAGES", "local")
    argv = ["wheels", "--distribution", "addlist", "--platform", "linux", "--arch", "ppc64le"]
    builds, missing = cli.job_builds(cli.parse([*argv, "--build", "all"]))
    (abi3,) = builds
    assert abi3.abi3
    assert abi3.environment()["CIBW_BUILD"] == "cp311-manylinux_ppc64le"
    assert abi3.environment()["CIBW_SKIP"] == wheels.ABI3_SKIP
    assert "cp39-manylinux_ppc64le" in missing
    assert "cp311-manylinux_ppc64le" not in missing


def test_rehearsal_containers_only_of_suites_served_for_the_architecture() -> None:
    chosen = rehearsal.cases(["ppc64le", "riscv64"], ["bullseye", "bookworm", "trixie", "sid"])
    assert {(c.suite, c.arch.name) for c in chosen} == {
        ("bookworm", "ppc64le"), ("trixie", "ppc64le"), ("sid", "ppc64le"),
        ("trixie", "riscv64"), ("sid", "riscv64"),
    }  # fmt: skip


def test_a_container_whose_image_cannot_be_made_fails_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mirror here lacked trixie's newest ppc64el packages: that container must fail with
    the reason, and the other containers still get their images."""
    chosen = rehearsal.cases(["ppc64le", "riscv64"], ["trixie"])
    layers: list[str] = []

    def rootfs(_client: str, suite: str, arch: Any, **_: Any) -> str:
        if arch.name == "ppc64le":
            msg = "`debootstrap --arch=ppc64el trixie` failed with exit code 1"
            raise PipelineError(msg)
        return f"addlist/rootfs:{suite}-{arch.debian}"

    monkeypatch.setattr(host, "build_client", lambda: "docker")
    monkeypatch.setattr(host, "ensure_emulation", lambda *_: None)
    monkeypatch.setattr(images, "build_rootfs", rootfs)
    monkeypatch.setattr(images, "build_layer", lambda *_, tag, **__: layers.append(tag))
    unmade = rehearsal.build_images(chosen)
    assert [case.arch.name for case in unmade] == ["ppc64le"]
    assert "debootstrap" in next(iter(unmade.values()))
    assert layers == [c.image for c in chosen if c.arch.name == "riscv64"]


def test_the_rehearsal_skips_a_shard_no_local_image_can_build() -> None:
    buildable = {wheelset.Slot("addlist", "cp39-manylinux_aarch64")}

    def shard(build: str) -> dict[str, Any]:
        return {
            "distribution": "addlist",
            "target": {"platform": "linux", "arch": "aarch64", "build": build},
        }

    cp311, cp39 = shard("cp311-* cp312-*"), shard("cp39-* cp310-*")
    assert rehearsal.unbuildable(cp311, ["aarch64"], buildable) == (
        "no local image holds cp311, cp312 on aarch64"
    )
    assert rehearsal.unbuildable(cp39, ["aarch64"], buildable) == ""
    assert rehearsal.unbuildable(cp39, ["x86_64"], buildable) == "aarch64: left out with --arch"
    mac = {
        "distribution": "addlist",
        "target": {"platform": "macos", "arch": "arm64", "build": "all"},
    }
    assert rehearsal.unbuildable(mac, ["aarch64"], buildable) == ""  # the runner decides that


def test_the_rehearsal_containers_get_what_cibuildwheel_gives_a_wheels_test() -> None:
    """The shared suite imports the registry: a container with tests/ alone cannot run it."""
    assert "scripts/core/distributions.py" in rehearsal.test_sources()
    assert "tests" in rehearsal.test_sources()


#: Official images without uv (manylinux's build_scripts/finalize.sh: uv has no musl build for
#: them), where cibuildwheel's build[uv] frontend stops before building.
IMAGES_WITHOUT_UV = ("musllinux_ppc64le", "musllinux_s390x")


@pytest.mark.parametrize("distribution", sorted(DISTRIBUTIONS))
def test_images_without_uv_build_and_test_with_pip(distribution: str) -> None:
    table = cibuildwheel_table(DISTRIBUTIONS[distribution].folder)
    for identifier in wheelset.tested_identifiers(distribution, "linux"):
        if not identifier.endswith(IMAGES_WITHOUT_UV):
            continue
        frontend, before_test = table["build-frontend"], table["before-test"]
        for override in table.get("overrides", []):
            if selector_matches(override["select"], identifier):
                frontend = override.get("build-frontend", frontend)
                before_test = override.get("before-test", before_test)
        assert frontend == "build", identifier
        assert not before_test.startswith("uv "), identifier


def test_a_password_that_looks_like_an_option_reaches_the_index(tmp_path: Path) -> None:
    """Urlsafe tokens can begin with "-": on twine's command line one was taken for an option
    (a rehearsal's re-upload check failed on "expected one argument")."""
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(
            "pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"
        )
        archive.writestr(
            "pkg-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr("pkg-1.0.dist-info/RECORD", "")
    closed = f"http://127.0.0.1:{rehearsal.free_port()}/"  # nothing listens there
    code, text = rehearsal.twine_upload(closed, [wheel], "-starts-like-an-option")
    assert code != 0
    assert "expected one argument" not in text
    assert "Connection" in text or "refused" in text, text
