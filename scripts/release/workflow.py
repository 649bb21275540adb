"""A small executor for this project's GitHub workflows, so that the release is rehearsed from
`.github/workflows/release.yml` itself rather than from a copy of its commands.

It reads the workflow, expands each job's matrix, evaluates `if:` and `${{ }}` expressions for
a tag push (or a manual run), and runs the Linux jobs' `run:` steps as written, in dependency
order, with GitHub's shells, the workflow's, job's and step's `env`, `$GITHUB_OUTPUT`,
`$GITHUB_STEP_SUMMARY` and job outputs. Only `uses:` actions get local stand-ins, listed in
STAND_INS (any other action fails the run), plus one `run:` step: Sigstore signing, which needs
GitHub's OIDC token (SIGNING_STEP). Jobs on macOS and Windows runners cannot run here: they are
reported with what they would have built. Open-source runners for workflows were tried (wrkflw)
and do not handle nested matrix values, tag events or artifact patterns.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import cpython, host
from core.config import ARCHES, ROOT, WORK_DIR
from core.progress import PipelineError, run_in_parallel, say
from core.wheels import display

from .resolution import RUNNERS, load_yaml, matrix_combinations

WORKFLOW_DIR = WORK_DIR.parent / "rehearsal" / "workflow"
#: The one `run:` step replaced: it signs with GitHub's OIDC identity, which exists only there.
SIGNING_STEP = re.compile(r"^python -m pypi_attestations sign (?P<files>.+)$")
#: The one flag taken out of a command: twine accepts --skip-existing only for PyPI's and
#: TestPyPI's upload URLs (twine.settings.Settings.verify_feature_capability), so the upload to
#: the local index runs without it. The workflow's own repositories are checked to accept it
#: (scripts/tests/test_release.py).
SKIP_EXISTING = re.compile(r"^(twine upload .*?) --skip-existing( .*)$")


# ---------------------------------------------------------------------------------------------
# Expressions: the subset of GitHub's expression language that workflows here use.

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!(),])"
    r"|(?P<name>[A-Za-z_][\w.-]*))"
)


class ExpressionError(PipelineError):
    pass


def tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            msg = f"cannot read the expression {text!r} at {text[position:]!r}"
            raise ExpressionError(msg)
        kind = match.lastgroup or ""
        found.append((kind, match[kind]))
        position = match.end()
    return found


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


class Parser:
    """Recursive descent over ||, &&, !, ==/!=, literals, context paths and a few functions."""

    def __init__(self, text: str, context: dict[str, Any]) -> None:
        self.items = tokens(text)
        self.position = 0
        self.context = context
        self.text = text

    def peek(self) -> str:
        return self.items[self.position][1] if self.position < len(self.items) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.items):
            msg = f"the expression {self.text!r} ends early"
            raise ExpressionError(msg)
        item = self.items[self.position]
        if expected is not None and item[1] != expected:
            msg = f"expected {expected!r} in {self.text!r}, found {item[1]!r}"
            raise ExpressionError(msg)
        self.position += 1
        return item

    def parse(self) -> Any:
        value = self.either()
        if self.position != len(self.items):
            msg = f"unexpected {self.peek()!r} in {self.text!r}"
            raise ExpressionError(msg)
        return value

    def either(self) -> Any:
        value = self.both()
        while self.peek() == "||":
            self.take()
            other = self.both()
            value = value if truthy(value) else other
        return value

    def both(self) -> Any:
        value = self.negation()
        while self.peek() == "&&":
            self.take()
            other = self.negation()
            value = other if truthy(value) else value
        return value

    def negation(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.negation())
        return self.comparison()

    def comparison(self) -> Any:
        left = self.primary()
        if self.peek() in {"==", "!="}:
            operator = self.take()[1]
            right = self.primary()
            same = equal(left, right)
            return same if operator == "==" else not same
        return left

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text) if "." in text else int(text)
        if text == "(":
            value = self.either()
            self.take(")")
            return value
        if kind != "name":
            msg = f"unexpected {text!r} in {self.text!r}"
            raise ExpressionError(msg)
        if text in {"true", "false"}:
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            return self.call(text)
        return lookup(self.context, text)

    def call(self, name: str) -> Any:
        self.take("(")
        arguments = []
        while self.peek() != ")":
            arguments.append(self.either())
            if self.peek() == ",":
                self.take()
        self.take(")")
        functions: dict[str, Callable[..., Any]] = {
            "success": lambda: True,  # a job stops at its first failed step
            "always": lambda: True,
            "failure": lambda: False,
            "cancelled": lambda: False,
            "format": lambda template, *values: re.sub(
                r"\{(\d+)\}", lambda m: text_of(values[int(m[1])]), template
            ),
            "startsWith": lambda a, b: text_of(a).lower().startswith(text_of(b).lower()),
            "contains": lambda a, b: (
                b in a if isinstance(a, list) else text_of(b).lower() in text_of(a).lower()
            ),
        }
        if name not in functions:
            msg = f"the function {name}() is not supported by the local executor"
            raise ExpressionError(msg)
        return functions[name](*arguments)


def equal(left: Any, right: Any) -> bool:
    """GitHub compares strings without regard to case."""
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return bool(left == right)


def lookup(context: dict[str, Any], path: str) -> Any:
    value: Any = context
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    return Parser(expression, context).parse()


EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def substitute(text: Any, context: dict[str, Any]) -> Any:
    """`${{ expression }}` in a string replaced by its value; a string that is exactly one
    expression keeps the value's type (a matrix value can be a mapping)."""
    if not isinstance(text, str):
        return text
    whole = EMBEDDED.fullmatch(text.strip())
    if whole:
        return evaluate(whole[1], context)
    return EMBEDDED.sub(lambda m: text_of(evaluate(m[1], context)), text)


def condition(text: Any, context: dict[str, Any]) -> bool:
    """An `if:`: with or without ${{ }}; absent means success()."""
    if text is None:
        return True
    if isinstance(text, bool):
        return text
    inner = EMBEDDED.fullmatch(str(text).strip())
    return truthy(evaluate(inner[1] if inner else str(text), context))


# ---------------------------------------------------------------------------------------------
# The event, the jobs and their order


def git_head() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


@dataclass(frozen=True, kw_only=True)
class Event:
    """What starts the workflow: a pushed tag, or a manual run on a branch."""

    name: str  # push, workflow_dispatch
    ref: str  # refs/tags/v0.1.0, refs/heads/main
    #: the commit the ref names, taken once: every job of a run checks out this one, as every
    #: job of a tag push does, even if HEAD moves while the rehearsal runs
    sha: str = field(default_factory=git_head)

    @property
    def ref_type(self) -> str:
        return "tag" if self.ref.startswith("refs/tags/") else "branch"

    @property
    def ref_name(self) -> str:
        return self.ref.split("/", 2)[2]

    def github(self, workflow: str) -> dict[str, Any]:
        return {
            "event_name": self.name,
            "ref": self.ref,
            "ref_type": self.ref_type,
            "ref_name": self.ref_name,
            "workflow": workflow,
            "repository": "addlist/addlist",
            "sha": self.sha,
        }


def job_order(jobs: dict[str, Any]) -> list[str]:
    """Job ids with every job after the jobs it needs."""
    order: list[str] = []

    def visit(job_id: str, seen: tuple[str, ...]) -> None:
        if job_id in order:
            return
        if job_id in seen:
            msg = f"the jobs' needs form a cycle: {' -> '.join((*seen, job_id))}"
            raise PipelineError(msg)
        for need in needs_of(jobs[job_id]):
            visit(need, (*seen, job_id))
        order.append(job_id)

    for job_id in jobs:
        visit(job_id, ())
    return order


def needs_of(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class StepResult:
    name: str
    result: str  # success, failure, skipped, stand-in
    seconds: float = 0.0
    note: str = ""


@dataclass
class JobResult:
    job: str
    name: str
    runner: str
    result: str  # success, failure, skipped, not run here
    seconds: float = 0.0
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    note: str = ""


# ---------------------------------------------------------------------------------------------
# Stand-ins for the actions


@dataclass
class Job:
    """One job instance (one matrix combination) while it runs."""

    workspace: Path
    log: Path
    env: dict[str, str]  # what every step gets: the runner's variables, PATH with setup-python
    path: list[str] = field(default_factory=list)  # folders put first on PATH


class Rehearsal:
    """One run of a workflow: its artifacts, its jobs' results, the settings it was given."""

    def __init__(
        self,
        workflow_path: Path,
        event: Event,
        *,
        extra_env: dict[str, str],
        folder: Path,
        skip: Callable[[dict[str, Any]], str] | None = None,
        jobs: int = 1,
    ) -> None:
        self.workflow_path = workflow_path
        self.workflow = load_yaml(workflow_path)
        self.event = event
        self.extra_env = extra_env
        self.folder = folder
        self.artifacts = folder / "artifacts"
        self.results: list[JobResult] = []
        #: why a matrix instance cannot be built here ("" if it can): --arch, or no local image
        #: holds any of its interpreters
        self.skip = skip or (lambda _matrix: "")
        #: a job's matrix instances run this many at a time
        self.jobs = jobs

    # -- the stand-ins ------------------------------------------------------------------------

    def checkout(self, job: Job, _with: dict[str, Any]) -> str:
        """A clean export of the event's commit (what a checkout of the pushed tag gives)."""
        shutil.rmtree(job.workspace, ignore_errors=True)
        job.workspace.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", self.event.sha],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(job.workspace)], input=archive, check=True)
        return f"git archive {self.event.sha[:12]}"

    def setup_python(self, job: Job, with_: dict[str, Any]) -> str:
        """A fresh virtual environment of each version asked for; the last one is `python`."""
        versions = str(with_.get("python-version", "")).split()
        if not versions:
            msg = "setup-python without python-version: say which Python the job needs"
            raise PipelineError(msg)
        bin_dir = job.workspace.parent / f"{job.workspace.name}-python"
        shutil.rmtree(bin_dir, ignore_errors=True)
        bin_dir.mkdir(parents=True)
        for version in versions:
            interpreter = cpython.interpreter(version, log=job.log)
            venv = bin_dir / f"venv-{version}"
            made = subprocess.run(
                [str(interpreter), "-m", "venv", str(venv)], capture_output=True, text=True,
                check=False,
            )  # fmt: skip
            if made.returncode != 0:
                msg = f"{interpreter} -m venv failed: {made.stderr.strip()[-300:]}"
                raise PipelineError(msg)
            (bin_dir / f"python{version}").symlink_to(venv / "bin" / "python")
        job.path[:0] = [str(bin_dir / f"venv-{versions[-1]}" / "bin"), str(bin_dir)]
        return "a new venv of " + ", ".join(
            f"CPython {v} ({cpython.interpreter(v, log=job.log)})" for v in versions
        )

    def setup_qemu(self, _job: Job, with_: dict[str, Any]) -> str:
        """The binfmt_misc registration the factory does (host.ensure_emulation)."""
        # setup-qemu names platforms as Docker does (arm64), cibuildwheel as the kernel does.
        names = {n: arch for arch in ARCHES.values() for n in (arch.name, arch.docker_arch)}
        platforms = [p.strip() for p in str(with_.get("platforms", "arm64")).split(",")]
        for platform in platforms:
            if platform not in names:
                msg = f"setup-qemu: no local emulation of {platform}; the rehearsal knows {', '.join(names)}"
                raise PipelineError(msg)
            host.ensure_emulation(names[platform], os.uname().machine)
        return f"QEMU registered for {', '.join(platforms)}"

    def upload_artifact(self, job: Job, with_: dict[str, Any]) -> str:
        """Files matching `path` (a folder: its contents) stored under `name`."""
        name = str(with_["name"])
        target = self.artifacts / name
        if target.exists():
            msg = f"an artifact named {name} was already uploaded in this run (GitHub refuses it)"
            raise PipelineError(msg)
        files: list[tuple[Path, Path]] = []
        for pattern in str(with_["path"]).split():
            base = job.workspace / pattern
            if pattern.endswith("/") or base.is_dir():
                files += [(f, f.relative_to(base)) for f in sorted(base.rglob("*")) if f.is_file()]
            else:
                files += [(f, Path(f.name)) for f in sorted(job.workspace.glob(pattern))]
        if not files and with_.get("if-no-files-found", "warn") == "error":
            msg = f"upload-artifact {name}: no file matches {with_['path']}"
            raise PipelineError(msg)
        for origin, relative in files:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / relative)
        return f"{len(files)} files as {name}"

    def download_artifact(self, job: Job, with_: dict[str, Any]) -> str:
        """By `name`, or every artifact matching `pattern` (each in its own folder, or merged
        into `path` with merge-multiple)."""
        destination = job.workspace / str(with_.get("path", "."))
        stored = sorted(p.name for p in self.artifacts.iterdir()) if self.artifacts.exists() else []
        if "name" in with_:
            names, merge = [str(with_["name"])], True
            if names[0] not in stored:
                msg = f"download-artifact: no artifact named {names[0]} (have: {stored})"
                raise PipelineError(msg)
        else:
            names = [n for n in stored if fnmatch.fnmatch(n, str(with_.get("pattern", "*")))]
            merge = bool(with_.get("merge-multiple", False))
        count = 0
        for name in names:
            into = destination if merge else destination / name
            for origin in sorted((self.artifacts / name).rglob("*")):
                if origin.is_file():
                    target = into / origin.relative_to(self.artifacts / name)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target)
                    count += 1
        return f"{count} files from {len(names)} artifacts into {with_.get('path', '.')}"

    def stand_ins(self) -> dict[str, Callable[[Job, dict[str, Any]], str]]:
        """The actions the workflows use, and what stands in for each here."""
        return {
            "actions/checkout": self.checkout,
            "actions/setup-python": self.setup_python,
            "docker/setup-qemu-action": self.setup_qemu,
            "actions/upload-artifact": self.upload_artifact,
            "actions/download-artifact": self.download_artifact,
        }

    # -- running ------------------------------------------------------------------------------

    def run(self, only: set[str] | None = None) -> list[JobResult]:
        jobs = self.workflow["jobs"]
        for job_id in job_order(jobs):
            if only is not None and job_id not in only:
                continue
            self.results += self.run_job(job_id, jobs[job_id])
        return self.results

    def needs_context(self, job: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        context: dict[str, Any] = {}
        ok = True
        for need in needs_of(job):
            instances = [r for r in self.results if r.job == need]
            # Instances that cannot run here (macOS, Windows) are not failures: what they would
            # have built is reported absent, and the gate is told so (gate.ABSENT_ENV).
            ran = [r for r in instances if r.result != "not run here"]
            good = bool(instances) and all(r.result == "success" for r in ran)
            result = "success" if good else "failure"
            outputs: dict[str, str] = {}
            for instance in instances:
                outputs.update(instance.outputs)
            context[need] = {"result": result, "outputs": outputs}
            ok = ok and result == "success"
        return context, ok

    def run_job(self, job_id: str, job: dict[str, Any]) -> list[JobResult]:
        """Every instance of a job's matrix, `self.jobs` at a time (emulated ones first, as in
        the factory: they take longest); results in matrix order."""
        needs, needs_ok = self.needs_context(job)
        combinations = matrix_combinations(job)

        def instance(index: int) -> JobResult:
            matrix = combinations[index]
            context = {
                "github": self.event.github(self.workflow.get("name", "")),
                "matrix": matrix,
                "strategy": {"job-index": index, "job-total": len(combinations)},
                "needs": needs,
                "runner": {"os": "Linux", "arch": "X64"},
                "env": {},
                "steps": {},
                "vars": {},
            }
            name = text_of(substitute(job.get("name", job_id), context))
            runner = text_of(substitute(job["runs-on"], context))
            result = JobResult(job=job_id, name=name, runner=runner, result="skipped")
            if not needs_ok:
                result.note = "a job it needs did not succeed"
            elif not condition(job.get("if"), context):
                result.note = f"`if: {job.get('if')}` is false for this event"
            elif RUNNERS.get(runner, ("?",))[0] != "Linux":
                result.result = "not run here"
                result.note = f"{runner}: only GitHub's own runners run it"
            elif cannot := self.skip(matrix):
                result.result = "not run here"
                result.note = cannot
            else:
                self.run_steps(job_id, index, job, context, result)
            say(f"job {name}: {result.result} ({result.seconds:.0f} s) {result.note}".rstrip())
            return result

        def emulated(index: int) -> bool:
            arch = lookup(combinations[index], "target.arch")
            return arch in ARCHES and host.emulated(ARCHES[arch], os.uname().machine)

        return run_in_parallel(
            list(range(len(combinations))), instance, jobs=self.jobs, first=emulated
        )

    def run_steps(
        self,
        job_id: str,
        index: int,
        job: dict[str, Any],
        context: dict[str, Any],
        result: JobResult,
    ) -> None:
        started = time.monotonic()
        folder = self.folder / "jobs" / f"{job_id}-{index}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        state = Job(workspace=folder / "workspace", log=folder / "log.txt", env={})
        state.workspace.mkdir()
        state.log.write_text("")
        summary = folder / "step-summary.md"
        summary.write_text("")
        variables = {**self.workflow.get("env", {}), **job.get("env", {})}
        context["env"] = {k: text_of(substitute(v, context)) for k, v in variables.items()}
        result.result = "success"
        for number, step in enumerate(job.get("steps", [])):
            label = step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]
            label = text_of(substitute(label, context))
            if not condition(step.get("if"), context):
                result.steps.append(StepResult(label, "skipped", note=f"if: {step.get('if')}"))
                continue
            step_started = time.monotonic()
            try:
                outcome, note = self.run_step(step, number, state, context, summary)
            except PipelineError as error:
                outcome, note = "failure", str(error).splitlines()[0]
            seconds = time.monotonic() - step_started
            result.steps.append(StepResult(label, outcome, seconds, note))
            say(f"  {result.name} / {label}: {outcome} in {seconds:.0f} s {note}".rstrip())
            if outcome == "failure":
                result.result = "failure"
                tail = state.log.read_text(errors="replace").splitlines()[-25:]
                print("\n".join(tail), flush=True)
                break
        outputs = job.get("outputs", {})
        result.outputs = {k: text_of(substitute(v, context)) for k, v in outputs.items()}
        result.seconds = time.monotonic() - started
        result.note = f"log: {display(state.log)}"

    def run_step(
        self,
        step: dict[str, Any],
        number: int,
        job: Job,
        context: dict[str, Any],
        summary: Path,
    ) -> tuple[str, str]:
        with_ = {k: substitute(v, context) for k, v in step.get("with", {}).items()}
        if "uses" in step:
            action = step["uses"].split("@", 1)[0]
            stand_in = self.stand_ins().get(action)
            if stand_in is None:
                msg = (
                    f"`uses: {step['uses']}` has no local stand-in: add one to "
                    "release.workflow.Rehearsal.stand_ins, or the rehearsal cannot run this job"
                )
                raise PipelineError(msg)
            return "stand-in", stand_in(job, with_)
        script = text_of(substitute(step["run"], context))
        step_env = {k: text_of(substitute(v, context)) for k, v in step.get("env", {}).items()}
        output_file = job.workspace.parent / f"output-{number}.txt"
        output_file.write_text("")
        env = {
            **runner_environment(),
            **self.extra_env,
            **context["env"],
            **step_env,
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(job.workspace),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_REF": self.event.ref,
            "GITHUB_REF_NAME": self.event.ref_name,
            "GITHUB_REF_TYPE": self.event.ref_type,
            "GITHUB_EVENT_NAME": self.event.name,
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "PATH": os.pathsep.join([*job.path, runner_environment()["PATH"]]),
        }
        signing = SIGNING_STEP.match(script.strip())
        if signing:
            return "stand-in", sign_stand_in(job.workspace, signing["files"])
        note = ""
        skipping = SKIP_EXISTING.match(script.strip())
        if skipping:
            script = skipping[1] + skipping[2]
            note = "stand-in: without --skip-existing (twine allows it for PyPI and TestPyPI only)"
        shell = step.get("shell")
        # GitHub's shells: `bash` named: --noprofile --norc -eo pipefail; unnamed: bash -e.
        command = (
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script]
            if shell == "bash"
            else ["bash", "-e", "-c", script]
        )
        if shell not in {None, "bash"}:
            msg = f"shell: {shell} is not supported by the local executor"
            raise PipelineError(msg)
        with job.log.open("a") as log:
            log.write(f"\n##[step] {script}\n")
            log.flush()
            done = subprocess.run(
                command, cwd=job.workspace, env=env, stdout=log, stderr=subprocess.STDOUT,
                check=False,
            )  # fmt: skip
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": read_outputs(output_file)}
        if done.returncode != 0:
            return "failure", f"exit {done.returncode} {note}".strip()
        return "success", note


def runner_environment() -> dict[str, str]:
    """This machine's environment as a fresh runner's: without the virtual environment the
    rehearsal itself runs in (nox's), so a job sees only the Python its setup-python gives it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"} and not k.startswith("NOX_")
    }
    folders = env.get("PATH", "").split(os.pathsep)
    env["PATH"] = os.pathsep.join(
        f for f in folders if not (Path(f).parent / "pyvenv.cfg").exists()
    )
    return env


def read_outputs(path: Path) -> dict[str, str]:
    """name=value lines (and name<<DELIMITER blocks) of a $GITHUB_OUTPUT file."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            name, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            outputs[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def sign_stand_in(workspace: Path, files: str) -> str:
    """Writes `<file>.publish.attestation` for each file, as the signing step would. Its content
    is a placeholder that says it was not signed: a real attestation needs GitHub's OIDC."""
    signed = 0
    for pattern in files.split():
        for path in sorted(workspace.glob(pattern)):
            if path.name.endswith(".attestation"):
                continue
            note = {
                "version": 1,
                "note": "rehearsal stand-in: not signed (Sigstore needs GitHub's OIDC token)",
                "file": path.name,
            }
            path.with_name(path.name + ".publish.attestation").write_text(json.dumps(note))
            signed += 1
    return f"{signed} placeholder .publish.attestation files (Sigstore needs GitHub's OIDC)"


# ---------------------------------------------------------------------------------------------
# Reports


def report_markdown(results: list[JobResult], event: Event, seconds: float) -> str:
    lines = [
        f"# {event.name} of `{event.ref}`: the release workflow, rehearsed",
        "",
        "| job | runner | result | time | notes |",
        "|---|---|---|---|---|",
    ]
    for job in results:
        mark = {"success": "✅", "failure": "❌", "skipped": "⏭", "not run here": "·"}[job.result]
        lines.append(
            f"| {job.name} | {job.runner} | {mark} {job.result} | {job.seconds:.0f} s | {job.note} |"
        )
    lines += ["", "## Steps", ""]
    for job in results:
        if not job.steps:
            continue
        lines += [f"### {job.name}", "", "| step | result | time | note |", "|---|---|---|---|"]
        lines += [f"| {s.name} | {s.result} | {s.seconds:.0f} s | {s.note} |" for s in job.steps]
        lines.append("")
    lines.append(f"Total: {seconds / 60:.1f} min.")
    return "\n".join(lines) + "\n"


def write_reports(results: list[JobResult], event: Event, seconds: float, folder: Path) -> Path:
    (folder / "workflow-report.json").write_text(
        json.dumps(
            {
                "event": event.name,
                "ref": event.ref,
                "total_seconds": round(seconds),
                "jobs": [
                    {**job.__dict__, "steps": [step.__dict__ for step in job.steps]}
                    for job in results
                ],
            },
            indent=2,
        )
        + "\n"
    )
    path = folder / "workflow-report.md"
    path.write_text(report_markdown(results, event, seconds))
    return path


def run_workflow(
    workflow_path: Path,
    event: Event,
    *,
    extra_env: dict[str, str],
    skip: Callable[[dict[str, Any]], str] | None = None,
    only: set[str] | None = None,
    jobs: int = 1,
) -> tuple[list[JobResult], Path]:
    """Runs the workflow for the event here; returns the job results and the report's path."""
    started = time.monotonic()
    shutil.rmtree(WORKFLOW_DIR, ignore_errors=True)
    WORKFLOW_DIR.mkdir(parents=True)
    rehearsal = Rehearsal(
        workflow_path,
        event,
        extra_env=extra_env,
        folder=WORKFLOW_DIR,
        skip=skip,
        jobs=jobs,
    )
    results = rehearsal.run(only)
    report = write_reports(results, event, time.monotonic() - started, WORKFLOW_DIR)
    print(report.read_text(), flush=True)
    return results, report
