"""Unit tests of the wheel factory's own logic: parsers, checks and configuration.

The factory's full run (images, cibuildwheel, QEMU) is the main job, far too slow for every
CI run; these tests keep its pure parts honest on every run.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from core import checks, config, host, progress, report, wheels
from core.distributions import DISTRIBUTIONS, SuiteScope
from factory import __main__ as factory_main
from factory import config as image_config
from factory import images
from factory import options as factory_options

WHEEL_PACKAGE = sorted(DISTRIBUTIONS["addlist"].package_files)


def make_wheel(folder: Path, name: str, files: list[str]) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        for file in files:
            archive.writestr(file, "x")
        archive.writestr(
            "addlist-0.1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nTag: cp39-abi3-manylinux_2_5_x86_64\nTag: cp39-abi3-manylinux1_x86_64\n",
        )
    return path


@pytest.mark.parametrize(
    ("line", "summary"),
    [
        ("======================== 97 passed, 1 skipped in 7.90s =========================", "97 passed, 1 skipped"),
        ("======================= 189 passed in 123.36s (0:02:03) ========================", "189 passed"),
        ("=================== 6 failed, 183 passed in 11.06s ===================", "6 failed, 183 passed"),
    ],
)  # fmt: skip
def test_pytest_summary_is_found(line: str, summary: str) -> None:
    match = wheels.PYTEST_SUMMARY.match(line)
    assert match is not None
    assert match["summary"] == summary


def test_pytest_summary_ignores_other_rules() -> None:
    assert wheels.PYTEST_SUMMARY.match("============ test session starts ============") is None


def test_interpreters_are_ordered_by_version() -> None:
    tags = ["cp314t-cp314t", "cp311-cp311", "cp39-cp39", "cp315-cp315", "cp314-cp314"]
    ordered = sorted(tags, key=images.version_order)
    assert ordered == ["cp39-cp39", "cp311-cp311", "cp314-cp314", "cp314t-cp314t", "cp315-cp315"]


def test_good_wheel_passes_the_contents_check(tmp_path: Path) -> None:
    files = [f"addlist/{name}" for name in WHEEL_PACKAGE]
    files += ["addlist/_core.abi3.so", "addlist-0.1.0.dist-info/licenses/LICENSE"]
    wheel = make_wheel(tmp_path, "addlist-0.1.0-cp39-abi3-manylinux_2_5_x86_64.whl", files)
    check = checks.wheel_contents(wheel)
    assert check.ok, check.detail
    assert report.wheel_tags(wheel) == [
        "cp39-abi3-manylinux_2_5_x86_64",
        "cp39-abi3-manylinux1_x86_64",
    ]


@pytest.mark.parametrize(
    ("extra", "drop", "problem"),
    [
        (["addlist/_core.c"], [], "source files"),
        (["addlist.libs/libfoo.so"], [], "grafted"),
        ([], ["addlist-0.1.0.dist-info/licenses/LICENSE"], "LICENSE"),
        ([], ["addlist/py.typed"], "package files"),
        (["addlist/_core.cpython-39-x86_64-linux-gnu.so"], [], "extension modules"),
    ],
)
def test_bad_wheels_fail_the_contents_check(
    tmp_path: Path, extra: list[str], drop: list[str], problem: str
) -> None:
    files = [f"addlist/{name}" for name in WHEEL_PACKAGE]
    files += ["addlist/_core.abi3.so", "addlist-0.1.0.dist-info/licenses/LICENSE", *extra]
    files = [file for file in files if file not in drop]
    wheel = make_wheel(tmp_path, "addlist-0.1.0-cp39-abi3-manylinux_2_5_x86_64.whl", files)
    check = checks.wheel_contents(wheel)
    assert not check.ok
    assert problem in check.detail


def make_sdist(folder: Path, name: str, files: list[str]) -> Path:
    path = folder / name
    with tarfile.open(path, "w:gz") as archive:
        for file in files:
            info = tarfile.TarInfo(f"{name.removesuffix('.tar.gz')}/{file}")
            info.size = 1
            archive.addfile(info, io.BytesIO(b"x"))
    return path


def test_sdist_contents(tmp_path: Path) -> None:
    complete = sorted(DISTRIBUTIONS["addlist-rs"].sdist_files)
    good = make_sdist(tmp_path, "addlist_rs-0.1.0.tar.gz", complete)
    assert checks.sdist_contents(good).ok
    bad = make_sdist(tmp_path / "", "addlist-0.1.0.tar.gz", ["pyproject.toml", "target/x"])
    verdict = checks.sdist_contents(bad)
    assert not verdict.ok
    assert "missing" in verdict.detail
    assert "build output" in verdict.detail


def test_every_distribution_has_images_per_architecture() -> None:
    for distribution in DISTRIBUTIONS:
        for arch in config.ARCHES:
            chosen = image_config.IMAGES[(distribution, arch)]
            assert chosen
            assert all(image.arch.name == arch for image in chosen)
            # One image per suite, so that every image has a tag of its own.
            assert len({image.tag for image in chosen}) == len(chosen)
            # The Rust images must carry Rust; the C ones need none.
            assert all(bool(image.rust) == (distribution == "addlist-rs") for image in chosen)


def test_image_pins_come_from_pyproject() -> None:
    interpreter = config.pinned_requirements("image-interpreter")
    assert all("==" in req for req in interpreter)
    files = dict(images.requirement_files())
    assert set(files) == {"requirements/interpreter.txt", "requirements/tools.txt"}
    # uv is not installed into the images' tools environment: they copy factory.images.build_uv's.
    tools = files["requirements/tools.txt"].decode().splitlines()
    assert not any(line.startswith("uv") for line in tools)
    pin, version = images.uv_release()
    assert config.pinned_requirements("uv") == [pin]
    assert pin == f"uv=={version}"


def test_every_image_copies_the_build_machines_uv_onto_path() -> None:
    # cibuildwheel's build[uv] frontend stops when `which uv` finds nothing in the container.
    recipe = (image_config.DOCKER_DIR / "manylinux.Dockerfile").read_text()
    assert "FROM --platform=linux/amd64 ${UV} AS uv" in recipe
    assert images.BUILD_MACHINE.platform == "linux/amd64"
    assert "COPY --from=uv /uv /usr/local/bin/uv" in recipe


def test_markdown_report_lists_failures() -> None:
    failed = wheels.WheelRecord(
        distribution="addlist", arch="x86_64", identifier="cp39-manylinux_x86_64", abi3=False,
        wheel=None, seconds=3.0, tests="no test summary", test_scope=SuiteScope.EMULATED,
        ok=False, log="-",
    )  # fmt: skip
    stalled = wheels.WheelRecord(
        distribution="addlist-rs", arch="aarch64", identifier="cp313-manylinux_aarch64",
        abi3=False, wheel="addlist_rs-0.1.0-cp313-cp313-manylinux_2_34_aarch64.whl",
        seconds=2500.0, tests="95 passed", test_scope=SuiteScope.EMULATED, ok=True, log="-",
        stalls=1,
    )  # fmt: skip
    document = report.Report(
        date="2026-11-24T00:00:00+00:00",
        host="Linux x86_64",
        total_seconds=1,
        images=[],
        wheels=[
            report.WheelEntry(record=failed),
            report.WheelEntry(
                record=stalled, size=180000, sha256="0" * 64, platform_tag="manylinux_2_34"
            ),
        ],
        sdists=[],
        checks=[],
        not_exercised=["musllinux"],
    )
    text = report.markdown(document)
    assert "95 passed (after 1 stalled run(s), stopped)" in text
    assert "**FAILURES**" in text
    assert "(none: addlist cp39-manylinux_x86_64)" in text
    assert "- musllinux" in text
    assert document.as_json()["ok"] is False


def test_only_foreign_architectures_are_emulated() -> None:
    assert not host.emulated(config.ARCHES["x86_64"], "x86_64")
    assert host.emulated(config.ARCHES["aarch64"], "x86_64")
    assert host.emulated(config.ARCHES["x86_64"], "aarch64")
    assert not host.emulated(config.ARCHES["i686"], "x86_64")
    for name in ("armv7l", "ppc64le", "s390x", "riscv64"):
        assert host.emulated(config.ARCHES[name], "x86_64")
    assert [config.ARCHES[n].emulator for n in ("aarch64", "armv7l", "ppc64le", "riscv64")] == [
        "qemu-aarch64", "qemu-arm", "qemu-ppc64le", "qemu-riscv64",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("qemu_says", "expected"),
    [
        (
            "qemu-aarch64: /bin/sh: Invalid ELF image for this architecture",
            {"QEMU_CPU": "max,pauth-impdef=on"},
        ),
        ("qemu-aarch64: can't apply global max-arm-cpu.pauth-impdef=on: Property not found", {}),
    ],
)
def test_emulated_containers_get_the_fast_cpu_model_only_where_qemu_takes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qemu_says: str, expected: dict[str, str]
) -> None:
    fake_qemu = tmp_path / "fake-qemu-aarch64"
    # Like QEMU, it reads the CPU model from QEMU_CPU; the test checks it was given one.
    fake_qemu.write_text(f"#!/bin/sh\n[ -n \"$QEMU_CPU\" ] && echo '{qemu_says}' >&2\nexit 1\n")
    fake_qemu.chmod(0o755)
    (tmp_path / "qemu-aarch64").write_text(f"enabled\ninterpreter {fake_qemu}\nflags: F\n")
    monkeypatch.setattr(host, "BINFMT", tmp_path)
    assert host.emulation_environment(config.ARCHES["aarch64"], "x86_64") == expected
    assert host.emulation_environment(config.ARCHES["x86_64"], "x86_64") == {}


def test_container_environment_reaches_every_process_in_the_container() -> None:
    engine = wheels.container_engine({"QEMU_CPU": "max"}, wheels.cache_volumes("aarch64"))
    assert engine.startswith("docker; create_args: ")
    assert "--env=QEMU_CPU=max" in engine.split()
    assert "--volume=addlist-cache-aarch64:/root/.cache" in engine.split()
    assert wheels.container_engine({}, {}) == "docker"  # as on GitHub: no caches, no QEMU


def test_long_tasks_start_first_and_results_keep_their_order() -> None:
    started: list[str] = []

    def work(name: str) -> str:
        started.append(name)
        return name.upper()

    tasks = ["native-1", "emulated-1", "native-2"]
    results = progress.run_in_parallel(
        tasks, work, jobs=1, first=lambda name: name.startswith("emulated")
    )
    assert started == ["emulated-1", "native-1", "native-2"]
    assert results == ["NATIVE-1", "EMULATED-1", "NATIVE-2"]


def test_a_run_that_goes_quiet_is_stopped(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    started = time.monotonic()
    # SIGINT as cibuildwheel gets it, even where this test runs from a background job (whose
    # children start with SIGINT ignored).
    script = (
        "import signal, time; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "print('compiling', flush=True); time.sleep(60)"
    )
    code = wheels.run_watched(
        [sys.executable, "-c", script],
        cwd=tmp_path, env=dict(os.environ), log_path=log, stall_seconds=1, poll_seconds=0.1,
    )  # fmt: skip
    assert code is None
    assert time.monotonic() - started < 30
    assert log.read_text().startswith("compiling\n")
    assert "[watchdog] no output for 1 s: stopped" in log.read_text()


def test_a_stuck_run_that_ignores_ctrl_c_is_killed(tmp_path: Path) -> None:
    script = (
        "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "print('compiling', flush=True); time.sleep(60)"
    )
    started = time.monotonic()
    code = wheels.run_watched(
        [sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ),
        log_path=tmp_path / "run.log", stall_seconds=1, poll_seconds=0.1, grace_seconds=1,
    )  # fmt: skip
    assert code is None
    assert time.monotonic() - started < 30


def test_a_stuck_run_whose_child_keeps_the_output_open_is_left_behind(tmp_path: Path) -> None:
    # As cibuildwheel's `docker start --attach` outlives it under QEMU: a grandchild still holds
    # the pipe after the run is stopped. The watchdog used to wait for that pipe forever.
    script = (
        "import subprocess, sys, time; print('compiling', flush=True); "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    )
    started = time.monotonic()
    stopped: list[bool] = []
    code = wheels.run_watched(
        [sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ),
        log_path=tmp_path / "run.log", stall_seconds=1, poll_seconds=0.1, grace_seconds=1,
        on_stop=lambda: stopped.append(True),
    )  # fmt: skip
    assert code is None
    assert stopped == [True]
    assert time.monotonic() - started < 30
    assert "[watchdog] no output for 1 s: stopped" in (tmp_path / "run.log").read_text()


def test_a_run_that_keeps_printing_gets_its_exit_code(tmp_path: Path) -> None:
    script = "import time\nfor i in range(8):\n    print(i, flush=True); time.sleep(0.2)\nraise SystemExit(3)"
    code = wheels.run_watched(
        [sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ),
        log_path=tmp_path / "run.log", stall_seconds=1, poll_seconds=0.1,
    )  # fmt: skip
    assert code == 3


def collect_suite(scope: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", str(config.ROOT / "tests"), "--collect-only",
            "-p", "no:cacheprovider", "--implementations=reference",
        ],
        env={**os.environ, "ADDLIST_TEST_SCOPE": scope},
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def test_emulated_scope_deselects_the_slow_tests_and_says_so() -> None:
    full, emulated = collect_suite("full"), collect_suite("emulated")
    assert full.returncode == emulated.returncode == 0, full.stdout + emulated.stdout
    assert f"test scope: emulated ({SuiteScope.EMULATED.description})" in emulated.stdout
    # pytest's own count: the slow tests only (the reference alone is not beside a compiled
    # module, so its tests stay).
    assert not re.search(r"\d+ deselected", full.stdout)
    counted = re.search(r"(\d+)/(\d+) tests collected \((\d+) deselected\)", emulated.stdout)
    assert counted, emulated.stdout
    left, total, deselected = map(int, counted.groups())
    assert 0 < deselected < total
    assert left + deselected == total
    assert f"{total} tests collected" in full.stdout
    assert "[reference" in emulated.stdout


@pytest.mark.parametrize("scope", list(SuiteScope))
def test_what_each_scope_leaves_out(scope: SuiteScope) -> None:
    emulated = scope is SuiteScope.EMULATED
    assert scope.leaves_out(slow=True, python_source_beside_compiled=False) is emulated
    assert scope.leaves_out(slow=False, python_source_beside_compiled=True) is emulated
    assert scope.leaves_out(slow=False, python_source_beside_compiled=False) is False


def test_an_unknown_test_scope_is_refused_with_the_choices() -> None:
    done = collect_suite("quick")
    assert done.returncode != 0
    assert "ADDLIST_TEST_SCOPE='quick': choose from full, emulated" in done.stdout + done.stderr


def readings(cpu_per_poll: float, polls: int, quiet: float = 300) -> str:
    """What the watchdog says after `polls` readings 10 s apart, with no output meanwhile."""
    samples: list[tuple[float, float]] = []
    reason = ""
    for poll in range(polls):
        reason = wheels.stuck(
            now=10.0 * poll, last_output=0.0, samples=samples, cpu=cpu_per_poll * poll,
            stall_seconds=1200, quiet_seconds=quiet,
        )  # fmt: skip
    return reason


def test_a_silent_run_whose_containers_use_no_cpu_is_stuck_after_five_minutes() -> None:
    assert readings(cpu_per_poll=0.0, polls=30) == ""  # 290 s: not yet
    assert "of CPU in its containers" in readings(cpu_per_poll=0.0, polls=32)


def test_a_silent_run_that_keeps_a_core_busy_is_not_stuck_until_twenty_minutes() -> None:
    # An LTO link under QEMU prints nothing for minutes but uses a core.
    assert readings(cpu_per_poll=10.0, polls=100) == ""
    assert readings(cpu_per_poll=10.0, polls=122).startswith("no output for")


def test_without_a_cpu_reading_only_the_long_rule_applies() -> None:
    samples: list[tuple[float, float]] = []
    assert wheels.stuck(600, 0, samples, None, stall_seconds=1200, quiet_seconds=300) == ""
    assert wheels.stuck(1200, 0, samples, None, stall_seconds=1200, quiet_seconds=300)


def test_concurrent_builds_share_cargos_lock_with_its_downloads() -> None:
    """Cargo locks its package cache with $CARGO_HOME/.package-cache: a volume holding only
    the registry let two containers unpack one crate at once."""
    mounts = wheels.cache_volumes("x86_64").values()
    assert wheels.CARGO_HOME in mounts
    assert not [m for m in mounts if m.startswith(f"{wheels.CARGO_HOME}/")]


def test_each_run_labels_its_containers() -> None:
    assert wheels.labelled_engine(None, "r1") == "docker; create_args: --label=org.addlist.run=r1"
    engine = wheels.container_engine({}, wheels.cache_volumes("x86_64"))
    labelled = wheels.labelled_engine(engine, "r2")
    assert labelled.startswith(engine)
    assert labelled.endswith(" --label=org.addlist.run=r2")


@pytest.mark.parametrize(
    ("package", "platform", "graft", "ok"),
    [
        # Rust's unwinder needs libgcc_s on musl, which the musllinux policy does not list.
        ("addlist_rs", "musllinux_1_2_x86_64", "libgcc_s-1a2b3c4d.so.1", True),
        ("addlist_rs", "musllinux_1_2_x86_64", "libssl-1a2b3c4d.so.3", False),
        ("addlist_rs", "manylinux_2_28_x86_64", "libgcc_s-1a2b3c4d.so.1", False),
        ("addlist", "musllinux_1_2_x86_64", "libgcc_s-1a2b3c4d.so.1", False),
    ],
)
def test_only_rusts_libgcc_s_may_be_grafted_and_only_into_musllinux_wheels(
    tmp_path: Path, package: str, platform: str, graft: str, *, ok: bool
) -> None:
    (shipped,) = [d.package_files for d in DISTRIBUTIONS.values() if d.package == package]
    files = [f"{package}/{name}" for name in sorted(shipped)]
    files += [f"{package}/_core.cpython-313-x86_64-linux-musl.so", f"{package}.libs/{graft}"]
    files.append(f"{package}-0.1.0.dist-info/licenses/LICENSE")
    wheel = make_wheel(tmp_path, f"{package}-0.1.0-cp313-cp313-{platform}.whl", files)
    check = checks.wheel_contents(wheel)
    assert check.ok is ok, check.detail


def test_every_linux_architecture_of_the_release_has_local_images() -> None:
    # What the report would name as built on GitHub only.
    assert factory_main.release_only_arches(list(DISTRIBUTIONS.values())) == []


def test_every_local_architecture_has_images_and_the_default_is_bounded() -> None:
    for arch in config.ARCHES:
        for distribution in DISTRIBUTIONS:
            assert image_config.IMAGES[(distribution, arch)], (distribution, arch)
    assert set(config.DEFAULT_ARCHES) == {"x86_64", "aarch64"}
    assert config.parse_arches("all") == tuple(config.ARCHES.values())
    with pytest.raises(ValueError, match="or all"):
        config.parse_arches("mips64el")
    # Each image's suite is one the archive serves for its architecture (no bullseye ppc64el).
    for chosen in image_config.IMAGES.values():
        assert all(image.suite in image.arch.suites for image in chosen)


@pytest.mark.parametrize(
    ("recorded", "arch", "ok"),
    [
        ("linux/arm64", "aarch64", True),
        ("linux/arm64/v8", "aarch64", True),
        ("linux/arm/v7", "armv7l", True),
        ("linux/arm", "armv7l", False),
        ("linux/arm/v6", "armv7l", False),
        ("linux/amd64", "ppc64le", False),
        ("linux/ppc64le", "ppc64le", True),
    ],
)
def test_an_images_recorded_platform_must_be_its_architectures(
    recorded: str, arch: str, ok: bool
) -> None:
    assert images.records_platform(recorded, config.ARCHES[arch]) is ok


def test_cross_rust_images_tell_pyo3_where_each_interpreter_is() -> None:
    cross = [
        image
        for chosen in image_config.IMAGES.values()
        for image in chosen
        if image.rust == "cross"
    ]
    emulated = {name for name, arch in config.ARCHES.items() if host.emulated(arch, "x86_64")}
    assert {image.arch.name for image in cross} == emulated
    # bullseye too: the compiler comes from CROSS_SUITE, so CPython 3.9 gets Rust wheels.
    assert {image.suite for image in cross} == {"bullseye", "bookworm", "trixie", "sid"}
    for image in cross:
        for python in image.debian_pythons:
            minor = python.removeprefix("python")
            identifier = f"cp{minor.replace('.', '')}-manylinux_{image.arch.name}"
            env = image.container_environment(identifier)
            assert env["PYO3_CROSS_LIB_DIR"] == f"/usr/lib/{python}"
        with pytest.raises(ValueError, match=r"no Debian python3\.12"):
            image.container_environment(f"cp312-manylinux_{image.arch.name}")
    # Images without Rust add nothing.
    assert image_config.IMAGES[("addlist", "aarch64")][0].container_environment("cp39-x") == {}


def test_zigs_linker_wrappers_run_one_path_in_every_rust_image() -> None:
    # cargo fingerprints the linker's path: the wrappers' own must not change between runs.
    script = image_config.DOCKER_DIR / f"{image_config.MATURIN_FROM_PATH.name}.sh"
    assert 'exec -a "$0" maturin "$@"' in script.read_text()
    for (distribution, arch), chosen in image_config.IMAGES.items():
        for image in chosen:
            if not image.debian_pythons:
                assert not image.rust  # only the musl image has none of Debian's
                continue
            minor = image.debian_pythons[0].removeprefix("python").replace(".", "")
            env = image.container_environment(f"cp{minor}-manylinux_{arch}")
            wrapper = env.get(image_config.ZIG_WRAPPER_VARIABLE)
            assert (wrapper == str(image_config.MATURIN_FROM_PATH)) is bool(image.rust), image
            assert bool(image.rust) == (distribution == "addlist-rs")
    for recipe in ("rust-from-host", "rust-from-debian", "rust-cross-debian"):
        text = (image_config.DOCKER_DIR / f"{recipe}.Dockerfile").read_text()
        assert (
            f"COPY --chmod=755 maturin-from-path {image_config.MATURIN_FROM_PATH.parent}/" in text
        )


def test_local_rust_wheels_are_linked_by_zig_for_the_oldest_glibc_and_c_ones_are_left_alone() -> (
    None
):
    variable = image_config.MATURIN_ARGS_VARIABLE
    zig = image_config.maturin_zig_args(config.ARCHES["aarch64"])
    assert zig.split() == ["--zig", "--compatibility", "manylinux2014"]
    # riscv64's oldest manylinux policy is 2_31: maturin refuses manylinux2014 there.
    assert image_config.maturin_zig_args(config.ARCHES["riscv64"]).endswith("manylinux_2_31")
    # zig has no glibc 2.17 for ppc64le; 2_28 is the official images' default there.
    assert image_config.maturin_zig_args(config.ARCHES["ppc64le"]).endswith("manylinux_2_28")
    for (distribution, arch), chosen in image_config.IMAGES.items():
        for image in chosen:
            expected = (
                {variable: image_config.maturin_zig_args(config.ARCHES[arch])}
                if distribution == "addlist-rs"
                else {}
            )
            assert image.appended_environment == expected
    # The abi3 switch and the image's arguments both reach maturin.
    rust = DISTRIBUTIONS["addlist-rs"]
    base = wheels.Build(
        distribution=rust,
        platform="linux",
        arch="aarch64",
        identifier="cp39-manylinux_aarch64",
        appended_environment={variable: zig},
    )
    abi3 = dataclasses.replace(base, abi3=True).environment()[variable]
    assert abi3 == f"{rust.abi3_environment[variable]} {zig}"
    assert base.environment()[variable] == zig


def test_the_cross_recipe_builds_for_the_architecture_it_is_given() -> None:
    recipe = (image_config.DOCKER_DIR / "rust-cross-debian.Dockerfile").read_text()
    assert "FROM --platform=linux/amd64 ${NATIVE_ROOTFS} AS native" in recipe
    assert '"libstd-rust-dev:${DEBIAN_ARCH}=${version}"' in recipe
    assert "CARGO_BUILD_TARGET=${RUST_TARGET}" in recipe


@pytest.mark.parametrize("recipe", sorted(image_config.DOCKER_DIR.glob("*.Dockerfile")))
def test_every_stage_that_runs_programs_gets_qemus_cpu_model(recipe: Path) -> None:
    stages = recipe.read_text().split("\nFROM ")[1:]
    for stage in stages:
        if "\nRUN " in stage:
            assert "\nARG QEMU_CPU" in stage, stage.splitlines()[0]


@pytest.mark.parametrize(
    ("identifier", "version"),
    [
        ("cp39-manylinux_x86_64", "3.9"),
        ("cp313-manylinux_aarch64", "3.13"),
        ("cp314t-musllinux_x86_64", "3.14"),
    ],
)
def test_the_python_version_of_a_build_identifier(identifier: str, version: str) -> None:
    assert wheels.Identifier.parse(identifier).version == version


def test_build_identifiers_are_parsed_into_their_parts_or_refused() -> None:
    parsed = wheels.Identifier.parse("cp314t-musllinux_aarch64")
    assert (parsed.python, parsed.platform, parsed.kind, parsed.arch) == (
        "cp314t", "musllinux_aarch64", "musllinux", "aarch64",
    )  # fmt: skip
    assert parsed.free_threaded
    assert wheels.Identifier.parse("cp39-win_amd64").arch == "amd64"
    for wrong in ("manylinux_x86_64", "pp310-manylinux_x86_64", "cp313-manylinux", "cp313"):
        with pytest.raises(ValueError, match="build identifier"):
            wheels.Identifier.parse(wrong)


def test_local_images_on_another_build_machine_are_refused_with_the_way_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("platform.machine", lambda: "aarch64")
    with pytest.raises(progress.PipelineError, match=r"x86_64 machine.*--images official"):
        images.ensure_shared("docker", [], rebuild=False)


def test_the_musl_image_builds_musllinux_wheels_and_cibuildwheel_is_told_so() -> None:
    musl, musl_aarch64 = [
        image for chosen in image_config.IMAGES.values() for image in chosen if image.libc == "musl"
    ]
    assert musl.tag == "addlist/musllinux:trixie-x86_64"
    assert musl_aarch64.tag == "addlist/musllinux:trixie-aarch64"
    for image in (musl, musl_aarch64):
        assert not image.rust  # no Rust standard library for musl here
        # Only asked for (--musllinux): its compiles would double a cold default run.
        arch = image.arch.name
        assert image not in image_config.chosen_images("addlist", arch, musllinux=False)
        assert image in image_config.chosen_images("addlist", arch, musllinux=True)
    assert factory_options.parse(["wheels"]).musllinux is False
    assert factory_options.parse(["wheels", "--musllinux"]).musllinux is True
    build = wheels.Build(
        distribution=DISTRIBUTIONS["addlist"],
        platform="linux",
        arch="x86_64",
        identifier="cp313-musllinux_x86_64",
        image=musl.tag,
    )
    env = build.environment()
    assert env["CIBW_MUSLLINUX_X86_64_IMAGE"] == musl.tag
    assert "CIBW_MANYLINUX_X86_64_IMAGE" not in env
    manylinux = dataclasses.replace(build, identifier="cp313-manylinux_x86_64", image="x")
    assert manylinux.environment()["CIBW_MANYLINUX_X86_64_IMAGE"] == "x"
    # The recipe compiles CPython with the musl compiler, and auditwheel can tell it is musl.
    recipe = (image_config.DOCKER_DIR / "musllinux.Dockerfile").read_text()
    assert "ENV CC=musl-cc" in recipe
    assert "ENV AUDITWHEEL_PLAT=${AUDITWHEEL_PLAT}" in recipe
    # Extensions must name musl's libc as Alpine's soname, or auditwheel grafts a libc.so in.
    assert 'patchelf --set-soname "libc.musl-$(uname -m).so.1" /usr/local/lib/musl-link' in recipe
    assert "ENV LDFLAGS=-L/usr/local/lib/musl-link" in recipe
    # Build contexts are written without mode bits: the compiler wrapper must be made runnable.
    assert "COPY --chmod=755 musl-cc.sh /usr/local/bin/musl-cc" in recipe
    assert "/lib/libc.musl-$(uname -m).so.1" in recipe
    # The interpreter is compiled on the build machine (for aarch64 a cross compile, which
    # musl-cc and the library script must both be told of), and gets pip on the target.
    assert "FROM --platform=linux/amd64 ${NATIVE_ROOTFS} AS compile" in recipe
    assert "ENV CC=musl-cc MUSL_TARGET=${TARGET}" in recipe
    assert '"$python" -m ensurepip' in recipe
    wrapper = (image_config.DOCKER_DIR / "musl-cc.sh").read_text()
    assert 'exec "$target-linux-musl-gcc"' in wrapper
