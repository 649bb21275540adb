"""The README's two commands on fresh machines, as a new user would run them.

    python -m factory.readme [--suites trixie,bookworm]     (scripts/check-readme)

For each Debian suite: a clean container of the suite's debootstrap root filesystem, with
nothing added but the prerequisites the README lists (core.front.DEBIAN_PREREQUISITES) and,
where pip is given one, the proxy's CA bundle; a fresh clone of HEAD; then the main job's
set-up and a run of it (`scripts/build-wheels --only addlist`: a container has no container
engine, so the job builds, repairs and tests host-native wheels, as on any machine without
Docker), and the README's test command (`scripts/test`) in full, with CI=true as CI runs it.
The report (build/readme/report.md) says which passed, with the end of each failure's log.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from core import host
from core.config import ARCHES, ROOT, WORK_DIR
from core.front import DEBIAN_PREREQUISITES, rust_refusal
from core.progress import PipelineError, fail, logged_to, say, set_label, step

from . import images

READ_ME_DIR = WORK_DIR.parent / "readme"
#: The suites the README names: Debian 13, whose cargo is new enough, and Debian 12, whose
#: cargo (1.63) is not: there the test command must stop and say what to install.
SUITES = ("trixie", "bookworm")
CA_IN_CONTAINER = "/etc/ssl/certs/readme-extra-ca.pem"
#: The README's commands, in the order a new user runs them: the main job (host-native, as
#: there is no container engine inside), then the tests.
COMMANDS = ("scripts/build-wheels --only addlist", "scripts/test")


#: Where a README command must stop with a message rather than pass: (suite, command) -> the
#: message. Debian 12's cargo is older than Cargo.toml's rust-version.
EXPECTED_REFUSALS = {("bookworm", "scripts/test"): rust_refusal("1.63").split(" (")[0]}


@dataclass
class Result:
    suite: str
    python: str = "?"
    cargo: str = "?"
    steps: list[tuple[str, bool, float, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(ok for _, ok, _, _ in self.steps)


def container_script(ca: bool) -> str:
    """Set-up as the README says, then each command; `@@ start NAME` and `@@ end CODE NAME`
    mark the steps in the log."""
    exports = (
        f"export PIP_CERT={CA_IN_CONTAINER} CARGO_HTTP_CAINFO={CA_IN_CONTAINER} "
        f"SSL_CERT_FILE={CA_IN_CONTAINER}\n"
        if ca
        else ""
    )
    install = "apt-get update -q && apt-get install -y -q " + " ".join(DEBIAN_PREREQUISITES)
    lines = [
        "set -uo pipefail",
        "export DEBIAN_FRONTEND=noninteractive CI=true",
        exports,
        "echo '@@ start prerequisites'",
        install,
        'echo "@@ end $? prerequisites"',
        'echo "@@ python $(python3 --version 2>&1)"',
        'echo "@@ cargo $(cargo --version 2>&1 | head -n1)"',
        "git clone -q /source /work/addlist && cd /work/addlist || exit 1",
    ]
    for command in COMMANDS:
        lines += [f"echo '@@ start {command}'", command, f'echo "@@ end $? {command}"']
    return "\n".join(lines) + "\n"


def run_suite(suite: str, image: str, ca: Path | None) -> Result:
    result = Result(suite)
    log = READ_ME_DIR / f"{suite}.log"
    command = [
        "docker", "run", "--rm", "--network=host", f"--volume={ROOT}:/source:ro",
        *([f"--volume={ca}:{CA_IN_CONTAINER}:ro"] if ca else []),
        image, "bash", "-c", container_script(ca is not None),
    ]  # fmt: skip
    say(f"{suite}: the README's set-up and commands in a clean container (log: {log})")
    log.parent.mkdir(parents=True, exist_ok=True)
    started: dict[str, float] = {}
    with log.open("w") as file:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        assert process.stdout is not None
        recent: list[str] = []
        for line in process.stdout:
            file.write(line)
            file.flush()
            recent = [*recent[-24:], line.rstrip()]
            if line.startswith("@@ python "):
                result.python = line.split(" ", 2)[2].strip()
            elif line.startswith("@@ cargo "):
                result.cargo = line.split(" ", 2)[2].strip()
            elif line.startswith("@@ start "):
                started[line.removeprefix("@@ start ").strip()] = time.monotonic()
                recent = []
            elif line.startswith("@@ end "):
                code, _, name = line.removeprefix("@@ end ").strip().partition(" ")
                refusal = EXPECTED_REFUSALS.get((suite, name))
                ok = code == "0" if refusal is None else any(refusal in r for r in recent)
                seconds = time.monotonic() - started.pop(name, time.monotonic())
                tail = "\n".join(recent[-12:]) if not ok or refusal else ""
                result.steps.append((name, ok, seconds, tail))
                say(f"{suite}: {name}: {'passed' if ok else 'FAILED'} in {seconds:.0f} s")
        process.wait()
    return result


def markdown(results: list[Result]) -> str:
    lines = [
        "# The README's commands in clean Debian containers",
        "",
        f"Prerequisites installed: `apt-get install {' '.join(DEBIAN_PREREQUISITES)}`",
        "",
        "| suite | python3 | cargo | step | result | seconds |",
        "|---|---|---|---|---|---|",
    ]
    failures = []
    for result in results:
        for name, ok, seconds, tail in result.steps:
            refusal = EXPECTED_REFUSALS.get((result.suite, name))
            verdict = ("stopped as expected" if refusal else "passed") if ok else "FAILED"
            lines.append(
                f"| {result.suite} | {result.python} | {result.cargo} | `{name}` | {verdict} "
                f"| {seconds:.0f} |"
            )
            if tail:
                failures += ["", f"## {result.suite}: `{name}`", "", "```", tail, "```"]
    return "\n".join(lines + failures) + "\n"


def parse(argv: list[str] | None) -> list[str]:
    parser = argparse.ArgumentParser(prog="scripts/check-readme", description=__doc__)
    parser.add_argument(
        "--suites", default=",".join(SUITES), help="Debian suites to try (%(default)s)"
    )
    args = parser.parse_args(argv)
    suites = [s.strip() for s in args.suites.split(",") if s.strip()]
    if not suites:
        parser.error("--suites: name at least one Debian suite")
    return suites


def main(argv: list[str] | None = None) -> int:
    suites = parse(argv)
    set_label("check-readme")
    if not host.docker_available():
        fail("the check runs clean containers: it needs Docker (`apt-get install docker.io`)")
        return 2
    try:
        arch = ARCHES[platform.machine()]
        client = host.build_client()
        ca_files = images.extra_ca_files()
        results = []
        for suite in suites:
            with step(f"{suite}: root filesystem"), logged_to(READ_ME_DIR / f"{suite}-image.log"):
                image = images.build_rootfs(client, suite, arch, rebuild=False, emulation={})
            results.append(run_suite(suite, image, ca_files[0] if ca_files else None))
    except PipelineError as error:
        fail(str(error))
        return 2
    text = markdown(results)
    (READ_ME_DIR / "report.md").write_text(text)
    print(text)
    say(f"report: {READ_ME_DIR / 'report.md'}")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
