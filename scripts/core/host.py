"""The host's container engine and emulation: checked, set up where possible, else explained."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from .config import Arch
from .progress import PipelineError, run, say

BINFMT = Path("/proc/sys/fs/binfmt_misc")
#: (architecture, host) pairs whose programs the host's CPU runs itself: i386 on x86_64.
RUNS_NATIVELY = {("i686", "x86_64")}
#: qemu-user's CPU model (its QEMU_CPU variable) for emulated containers. The default aarch64
#: model checks return addresses (pointer authentication) with the QARMA5 cipher, which is
#: slow to emulate, and Debian builds trixie's and sid's programs to sign every call
#: (-mbranch-protection=standard); the implementation-defined algorithm (QEMU 6.0 and later)
#: serves the programs just as well, several times faster (docs/results.md).
FAST_QEMU_CPU = {"aarch64": "max,pauth-impdef=on"}


def docker_available() -> bool:
    """Whether a container engine can be used; starts Debian's dockerd if it is installed."""
    if shutil.which("docker") is None:
        return False
    if _docker_answers():
        return True
    if shutil.which("dockerd") is None:
        msg = (
            "`docker` is installed but no daemon answers, and there is no `dockerd` to start. "
            "Start your container engine (e.g. `systemctl start docker`), or install Debian's "
            "engine with `apt-get install docker.io`."
        )
        raise PipelineError(msg)
    say("no Docker daemon answers: starting dockerd (log: /var/log/dockerd.log)")
    with Path("/var/log/dockerd.log").open("ab") as log:
        subprocess.Popen(["dockerd"], stdout=log, stderr=log, start_new_session=True)
    for _ in range(60):
        time.sleep(1)
        if _docker_answers():
            return True
    msg = "dockerd was started but did not answer within 60 s: see /var/log/dockerd.log"
    raise PipelineError(msg)


def _docker_answers() -> bool:
    done = subprocess.run(["docker", "info"], capture_output=True, check=False)
    return done.returncode == 0


def build_client() -> str:
    """A docker client whose `build --platform` records the image's architecture.

    A static docker client without the buildx plugin cannot do that; Debian's own client
    (package docker.io) has BuildKit built in. ADDLIST_DOCKER_BUILD overrides the choice.
    """
    override = os.environ.get("ADDLIST_DOCKER_BUILD")
    if override:
        return override
    candidates = ["/usr/bin/docker", shutil.which("docker") or "docker"]
    for client in candidates:
        if not Path(client).exists() and shutil.which(client) is None:
            continue
        builtin = subprocess.run(
            [client, "version", "--format", "{{.Client.Version}}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        has_buildx = subprocess.run(
            [client, "buildx", "version"], capture_output=True, check=False
        ).returncode
        if has_buildx == 0 or builtin.startswith("20."):
            return client
    msg = (
        "no docker client here can build images for another architecture: install the buildx "
        "plugin, or Debian's client (`apt-get install docker.io`, /usr/bin/docker)."
    )
    raise PipelineError(msg)


def emulated(arch: Arch, host_machine: str) -> bool:
    """Whether this host runs `arch` programs through QEMU rather than on its own CPU."""
    return arch.name != host_machine and (arch.name, host_machine) not in RUNS_NATIVELY


def ensure_emulation(arch: Arch, host_machine: str) -> None:
    """Registers QEMU for `arch` through binfmt_misc if it is foreign to this host."""
    if not emulated(arch, host_machine):
        return
    entry = BINFMT / arch.emulator
    if not (BINFMT / "register").exists():
        run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], check=False)
    if not entry.exists() and shutil.which("update-binfmts"):
        run(["update-binfmts", "--enable", arch.emulator], check=False)
    if not entry.exists() or "enabled" not in entry.read_text():
        msg = (
            f"{arch.name} containers need QEMU user emulation registered with binfmt_misc. "
            "Debian/Ubuntu: `apt-get install qemu-user-static binfmt-support`, then run again "
            f"(or build this machine's architecture only with `--arch {host_machine}`)."
        )
        raise PipelineError(msg)
    if "F" not in _binfmt_field(entry, "flags"):
        msg = (
            f"QEMU for {arch.name} is registered without the F (fix-binary) flag, so containers "
            "cannot use it: reinstall qemu-user-static (Debian's package sets F)."
        )
        raise PipelineError(msg)


def emulation_environment(arch: Arch, host_machine: str) -> dict[str, str]:
    """Environment for containers of `arch`: the fast CPU model where QEMU can take it."""
    if not emulated(arch, host_machine) or arch.name not in FAST_QEMU_CPU:
        return {}
    model = FAST_QEMU_CPU[arch.name]
    interpreter = _binfmt_field(BINFMT / arch.emulator, "interpreter")
    # Given a host program the way binfmt_misc would run it (also right for Debian's
    # "-binfmt-P" wrappers, which take the path and argv[0]), QEMU first sets up the CPU (an
    # unknown property fails there), then refuses the program: that refusal means success.
    probe = subprocess.run(
        [interpreter, "/bin/sh", "sh"],
        env={**os.environ, "QEMU_CPU": model},
        capture_output=True,
        text=True,
        check=False,
    )
    if "Invalid ELF image" not in probe.stderr:
        say(
            f"QEMU at {interpreter} cannot take `QEMU_CPU={model}` (QEMU 6.0 or later can): "
            "emulated programs built with pointer authentication will run several times slower"
        )
        return {}
    return {"QEMU_CPU": model}


def _binfmt_field(entry: Path, name: str) -> str:
    """One field of a binfmt_misc entry ("interpreter /usr/bin/qemu-aarch64", "flags: PF")."""
    for line in entry.read_text().splitlines():
        key, _, value = line.partition(" ")
        if key.rstrip(":") == name:
            return value.strip()
    return ""
