"""The fallback where no container engine exists: host-native wheels, repaired and tested.

Each distribution is built version-specific and abi3 with the pinned backends (installed
by the nox session, so no build isolation), repaired with auditwheel, then installed alone
into a new virtual environment where the shared test suite runs from outside the tree.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from .config import CARGO_TARGET_DIR, ROOT, WHEELHOUSE, WORK_DIR, pinned_requirements
from .distributions import DISTRIBUTIONS, SCOPE_VARIABLE, Distribution, SuiteScope
from .progress import current_log, run, say, show
from .wheels import WheelRecord, display, pytest_summary


def build_one(distribution: Distribution, *, abi3: bool) -> WheelRecord:
    name = f"{distribution.name}-host{'-abi3' if abi3 else ''}"
    raw = WORK_DIR / "raw" / name
    shutil.rmtree(raw, ignore_errors=True)
    env = {**os.environ, "CARGO_TARGET_DIR": str(CARGO_TARGET_DIR)}
    if abi3:
        env.update(distribution.abi3_environment)
    started = time.monotonic()
    run(
        [
            sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
            "--wheel-dir", str(raw), str(ROOT / distribution.folder),
        ],
        env=env,
    )  # fmt: skip
    (built,) = raw.glob("*.whl")
    before = set(WHEELHOUSE.glob("*.whl"))
    run(["auditwheel", "repair", "--wheel-dir", str(WHEELHOUSE), str(built)])
    (wheel,) = set(WHEELHOUSE.glob("*.whl")) - before
    return tested_record(distribution, wheel, started, platform.machine(), "host", abi3=abi3)


def build_pure(source: Path, outdir: Path = WHEELHOUSE) -> WheelRecord:
    """The pure-Python wheel of `addlist` (py3-none-any: the reference implementation, no
    compiler needed), for platforms with no binary wheel; tested like the others."""
    distribution = replace(DISTRIBUTIONS["addlist"], implementations=("pure", "reference"))
    started = time.monotonic()
    # A folder of its own: other builds may be moving their wheels into `outdir` meanwhile.
    raw = WORK_DIR / "raw" / "pure"
    shutil.rmtree(raw, ignore_errors=True)
    run(
        [
            sys.executable, "-m", "build", "--wheel", "-C", "wheel.cmake=false",
            "--outdir", str(raw), str(source),
        ]
    )  # fmt: skip
    (built,) = raw.glob("*.whl")
    outdir.mkdir(parents=True, exist_ok=True)
    wheel = Path(shutil.move(built, outdir / built.name))
    return tested_record(distribution, wheel, started, "any", "py3-none-any", abi3=False)


def tested_record(
    distribution: Distribution,
    wheel: Path,
    started: float,
    arch: str,
    identifier: str,
    *,
    abi3: bool,
) -> WheelRecord:
    """Tests a host-built wheel in a fresh environment and records the outcome."""
    tests, ok = test_in_fresh_venv(distribution, wheel)
    seconds = time.monotonic() - started
    say(f"{wheel.name}: {'ok' if ok else 'FAILED'} in {seconds:.0f} s; tests: {tests}")
    return WheelRecord(
        distribution=distribution.name,
        arch=arch,
        identifier=identifier,
        abi3=abi3,
        wheel=wheel.name,
        seconds=seconds,
        tests=tests,
        test_scope=SuiteScope.FULL,
        ok=ok,
        log=display(log) if (log := current_log()) else "(shown above)",
    )


def test_in_fresh_venv(distribution: Distribution, wheel: Path) -> tuple[str, bool]:
    """Installs the wheel alone into a new virtual environment and runs the suite on it."""
    venv = WORK_DIR / "venvs" / wheel.stem
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(venv)])
    python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
    run([python, "-m", "pip", "install", "--quiet", str(wheel), *pinned_requirements("test")])
    done = subprocess.run(
        [
            python, "-m", "pytest", str(ROOT / "tests"), "-p", "no:cacheprovider",
            f"--implementations={','.join(distribution.implementations)}",
        ],
        cwd=venv,  # outside the source tree: only the installed wheel can be imported
        env={**os.environ, SCOPE_VARIABLE: SuiteScope.FULL.value},  # the host's CPU: no emulation
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    show(f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return pytest_summary(done.stdout) or "no test summary", done.returncode == 0
