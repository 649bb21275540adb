"""The entry points' front: options first, then only what the chosen work needs."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import front
from core.config import ARCHES, ROOT
from core.distributions import DISTRIBUTIONS


def entry_point(name: str, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [str(ROOT / "scripts" / name), *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.parametrize("name", sorted(front.COMMANDS))
def test_help_answers_at_once_before_any_set_up(name: str) -> None:
    started = time.monotonic()
    done = entry_point(name, "--help")
    assert done.returncode == 0, done.stderr
    assert f"usage: scripts/{name}" in done.stdout
    assert time.monotonic() - started < 3  # well under a second here; slack for a busy CI
    assert "creating the virtual environment" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("name", "args", "complaint"),
    [
        ("build-wheels", ["--arch", "x86_65"], "--arch: unknown ['x86_65']"),
        ("build-wheels", ["--only", "addlist-c"], "invalid choice: 'addlist-c'"),
        ("build-images", ["--jobs", "0"], "--jobs 0: give 1 or more"),
        ("rehearse-release", ["--suites", "buster"], "--suites: unknown ['buster']"),
        ("rehearse-release", ["--event", "push"], "invalid choice: 'push'"),
    ],
)
def test_a_wrong_option_fails_before_any_set_up(name: str, args: list[str], complaint: str) -> None:
    done = entry_point(name, *args)
    assert done.returncode == 2
    assert complaint in done.stderr
    assert "installing" not in done.stdout + done.stderr


def test_missing_programs_are_named_with_their_debian_packages(tmp_path: Path) -> None:
    """Debian's cargo has neither `cargo fmt` nor `cargo clippy`: they are packages of their own."""
    fake = tmp_path / "bin"
    fake.mkdir()
    cargo = fake / "cargo"
    # A cargo that knows no subcommand, like Debian's without rustfmt and rust-clippy.
    cargo.write_text('#!/bin/sh\necho "error: no such command: `$1`" >&2\nexit 101\n')
    cargo.chmod(0o755)
    for tool in ("cc", "git"):
        (fake / tool).symlink_to("/bin/true")
    done = entry_point("test", path=f"{fake}:/usr/bin:/bin")
    assert done.returncode == 2
    assert "cargo fmt, cargo clippy" in done.stderr
    assert "apt-get install rust-clippy rustfmt" in done.stderr


def test_the_factory_asks_only_for_what_the_chosen_work_needs() -> None:
    if platform.machine() != "x86_64":
        pytest.skip("written for an x86_64 host, where aarch64 is emulated")
    native, foreign = ARCHES["x86_64"], ARCHES["aarch64"]
    assert front.emulation_tools([native]) == []
    assert front.qemu(foreign) in front.emulation_tools([native, foreign])
    c_only = front.image_tools([native], [DISTRIBUTIONS["addlist"]])
    assert front.CARGO not in c_only
    assert front.DEBOOTSTRAP in c_only
    rust = front.image_tools([native], [DISTRIBUTIONS["addlist-rs"]])
    assert front.CARGO in rust


def test_the_test_command_forwards_what_it_does_not_know_to_pytest() -> None:
    plan = front.plan_test(["-k", "safety", "-x"])
    assert plan.forwarded == ("-k", "safety", "-x")
    assert plan.sessions == ("lint", "tests", "pipeline")
    assert {front.RUSTFMT, front.CLIPPY, front.CARGO} <= set(plan.tools)


def test_the_readme_lists_exactly_the_prerequisites_the_front_checks() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"apt-get install {' '.join(front.DEBIAN_PREREQUISITES)}\n" in readme
    packages = {tool.debian for tool in (front.C_COMPILER, front.CARGO, front.RUSTFMT)}
    packages |= {front.CLIPPY.debian, front.GIT.debian}
    assert packages <= set(front.DEBIAN_PREREQUISITES)


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for PID 1, which in a container may
    never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize(
    ("signum", "ignored_before"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGINT, True)],
)
def test_a_signal_to_the_front_reaches_everything_it_started(
    tmp_path: Path, signum: int, ignored_before: bool
) -> None:
    """A `kill` of the front alone must not leave nox or its `docker build` clients running,
    even when the front itself started with SIGINT ignored (a shell's `&` does that)."""
    pid_file = tmp_path / "grandchild.pid"
    # A Python parent, as nox is; a shell's `&` would make the sleep ignore SIGINT.
    parent = (
        "import subprocess; from pathlib import Path; child = subprocess.Popen(['sleep', '300']); "
        f"Path({str(pid_file)!r}).write_text(str(child.pid)); child.wait()"
    )
    command = [sys.executable, "-c", parent]
    ignore = f"signal.signal({int(signum)}, signal.SIG_IGN); " if ignored_before else ""
    script = (
        f"import os, signal, sys; {ignore}from pathlib import Path; from core import front; "
        f"sys.exit(front.run_as_group({command!r}, cwd=Path('.'), env=dict(os.environ)))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    the_front = subprocess.Popen([sys.executable, "-c", script], env=env)
    sleeper = 0
    try:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text().strip()):
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.05)
        sleeper = int(pid_file.read_text())
        the_front.send_signal(signum)
        assert the_front.wait(timeout=30) != 0
        deadline = time.monotonic() + 10
        while running(sleeper):
            assert time.monotonic() < deadline, f"the front's grandchild {sleeper} outlived it"
            time.sleep(0.05)
    finally:
        for pid in (the_front.pid, sleeper):
            if pid and running(pid):
                os.kill(pid, signal.SIGKILL)
