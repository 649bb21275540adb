"""The local workflow executor (release.workflow) that the release rehearsal runs
`.github/workflows/release.yml` with: expressions, job order, matrix, artifacts, outputs, and
stand-ins only for the actions it knows."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from core import host
from core.config import ROOT
from core.progress import PipelineError
from release import workflow
from release.resolution import load_yaml

TAG = workflow.Event(name="push", ref="refs/tags/v0.1.0")
MANUAL = workflow.Event(name="workflow_dispatch", ref="refs/heads/main")


def context(event: workflow.Event, **extra: Any) -> dict[str, Any]:
    return {"github": event.github("Release"), "runner": {"arch": "X64"}, **extra}


@pytest.mark.parametrize(("arch", "scope"), [("aarch64", "emulated"), ("x86_64", "full")])
def test_the_test_scope_expression_of_the_wheels_job(arch: str, scope: str) -> None:
    expression = "(matrix.target.arch == 'aarch64' && runner.arch == 'X64') && 'emulated' || 'full'"
    found = workflow.evaluate(expression, context(TAG, matrix={"target": {"arch": arch}}))
    assert found == scope


def test_publish_runs_for_a_tag_push_and_not_for_a_manual_run() -> None:
    condition = "github.event_name == 'push' && github.ref_type == 'tag'"
    assert workflow.condition(condition, context(TAG))
    assert not workflow.condition(condition, context(MANUAL))
    assert workflow.condition(None, context(TAG)), "no if: means success()"


def test_substitution_keeps_a_whole_value_and_formats_embedded_ones() -> None:
    matrix = {"target": {"arch": "arm64", "runner": "macos-15"}}
    found = workflow.substitute("${{ matrix.target }}", {"matrix": matrix})
    assert found == matrix["target"]
    text = "Wheels (${{ matrix.target.arch }}, ${{ format('{0}-{1}', 'a', 2) }})"
    assert workflow.substitute(text, {"matrix": matrix}) == "Wheels (arm64, a-2)"
    testpypi = "https://${{ needs.gate.outputs.index == 'testpypi' && 'test.' || '' }}pypi.org/"
    needs = {"gate": {"outputs": {"index": "testpypi"}}}
    assert workflow.substitute(testpypi, {"needs": needs}) == "https://test.pypi.org/"


def test_an_unsupported_expression_is_refused() -> None:
    with pytest.raises(workflow.ExpressionError, match="not supported"):
        workflow.evaluate("hashFiles('**/*.lock')", {})
    with pytest.raises(workflow.ExpressionError):
        workflow.evaluate("matrix.a ==", {})


def every_expression(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["if"])] if "if" in node else []
        return found + [e for value in node.values() for e in every_expression(value)]
    if isinstance(node, list):
        return [e for value in node for e in every_expression(value)]
    if isinstance(node, str):
        return [m[1] for m in re.finditer(r"\$\{\{(.*?)\}\}", node)]
    return []


@pytest.mark.parametrize("name", ["release.yml", "ci.yml"])
def test_every_expression_of_the_workflows_can_be_evaluated_here(name: str) -> None:
    document = load_yaml(ROOT / ".github" / "workflows" / name)
    expressions = every_expression(document["jobs"])
    assert expressions
    for expression in expressions:
        inner = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", expression)
        workflow.Parser(inner[1] if inner else expression, {}).parse()


def test_jobs_run_after_the_jobs_they_need() -> None:
    jobs = load_yaml(ROOT / ".github" / "workflows" / "release.yml")["jobs"]
    order = workflow.job_order(jobs)
    assert order.index("gate") > order.index("wheels")
    assert order.index("gate") > order.index("sources")
    assert order.index("publish") > order.index("gate")


def test_outputs_are_read_as_github_writes_them(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("index=pypi\nnotes<<EOF\nline 1\nline 2\nEOF\n")
    assert workflow.read_outputs(path) == {"index": "pypi", "notes": "line 1\nline 2"}


def write_workflow(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "workflow.yml"
    path.write_text(text)
    return path


MINI = """
name: Mini
on: push
env:
  GREETING: hello
jobs:
  make:
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        part: [a, b]
    outputs:
      said: ${{ steps.say.outputs.said }}
    steps:
      - id: say
        shell: bash
        run: |
          mkdir out && echo "$GREETING ${{ matrix.part }}" > out/${{ matrix.part }}.txt
          echo "said=$GREETING" >> "$GITHUB_OUTPUT"
      - uses: actions/upload-artifact@0000000000000000000000000000000000000000
        with:
          name: part-${{ matrix.part }}
          path: out/*.txt
          if-no-files-found: error
  use:
    needs: [make, mac]
    if: needs.make.outputs.said == 'hello'
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/download-artifact@0000000000000000000000000000000000000000
        with:
          pattern: part-*
          merge-multiple: true
          path: all
      - env:
          SAID: ${{ needs.make.outputs.said }}
        run: test "$(cat all/a.txt all/b.txt)" = "$(printf 'hello a\\nhello b')" && test "$SAID" = hello
  mac:
    runs-on: macos-15
    steps:
      - run: exit 1
  tag-only:
    runs-on: ubuntu-24.04
    if: github.ref_type == 'tag'
    steps:
      - run: exit 1
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_small_workflow_runs_with_matrix_outputs_and_artifacts(tmp_path: Path, jobs: int) -> None:
    path = write_workflow(tmp_path, MINI)
    runner = workflow.Rehearsal(path, MANUAL, extra_env={}, folder=tmp_path / "run", jobs=jobs)
    results = {r.job: r for r in runner.run()}
    made = [r for r in runner.results if r.job == "make"]
    assert [r.result for r in made] == ["success", "success"]
    assert [r.note.split("/")[-2] for r in made] == ["make-0", "make-1"], "results in matrix order"
    assert results["use"].result == "success", results["use"].steps
    assert results["mac"].result == "not run here"
    assert results["tag-only"].result == "skipped"


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_instance_that_cannot_run_here_is_reported_and_blocks_nothing(
    tmp_path: Path, jobs: int
) -> None:
    """The rehearsal's skip decision (no local image holds a shard's interpreters), taken once
    per instance, with instances run in parallel too."""
    path = write_workflow(tmp_path, MINI.replace("needs: [make, mac]", "needs: [make]"))
    asked: list[str] = []

    def skip(matrix: dict[str, Any]) -> str:
        asked.append(matrix["part"])
        return "no local image for b" if matrix["part"] == "b" else ""

    runner = workflow.Rehearsal(
        path, MANUAL, extra_env={}, folder=tmp_path / "run", jobs=jobs, skip=skip
    )
    runner.run(only={"make"})
    made = [r for r in runner.results if r.job == "make"]
    assert [r.result for r in made] == ["success", "not run here"]
    assert made[1].note == "no local image for b"
    assert not made[1].steps, "nothing of it ran"
    assert sorted(asked) == ["a", "b"], "decided once per instance"


def test_an_action_without_a_stand_in_fails_loudly(tmp_path: Path) -> None:
    path = write_workflow(
        tmp_path,
        "on: push\njobs:\n  j:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: some/action@0000000000000000000000000000000000000000\n",
    )
    runner = workflow.Rehearsal(path, TAG, extra_env={}, folder=tmp_path / "run")
    (result,) = runner.run()
    assert result.result == "failure"
    assert "has no local stand-in" in result.steps[0].note


def test_an_artifact_name_can_be_uploaded_once(tmp_path: Path) -> None:
    path = write_workflow(
        tmp_path,
        "on: push\njobs:\n  j:\n    runs-on: ubuntu-24.04\n    strategy:\n      matrix:\n"
        "        n: [1, 2]\n    steps:\n      - run: touch f.txt\n"
        "      - uses: actions/upload-artifact@0000000000000000000000000000000000000000\n"
        "        with:\n          name: same\n          path: f.txt\n",
    )
    runner = workflow.Rehearsal(path, TAG, extra_env={}, folder=tmp_path / "run")
    first, second = runner.run()
    assert first.result == "success"
    assert second.result == "failure"
    assert "already uploaded" in second.steps[-1].note


def test_the_signing_stand_in_writes_the_files_twine_expects(tmp_path: Path) -> None:
    (tmp_path / "upload").mkdir()
    (tmp_path / "upload" / "addlist-0.1.0.tar.gz").write_text("x")
    said = workflow.sign_stand_in(tmp_path, "upload/*")
    assert "1 placeholder" in said
    assert (tmp_path / "upload" / "addlist-0.1.0.tar.gz.publish.attestation").exists()


def test_the_upload_runs_against_the_local_index_without_only_skip_existing() -> None:
    command = "twine upload --repository x --attestations --skip-existing --verbose upload/*"
    found = workflow.SKIP_EXISTING.match(command)
    assert found is not None
    assert found[1] + found[2] == "twine upload --repository x --attestations --verbose upload/*"


#: Variables a runner's shell has without the workflow setting them.
RUNNER_VARIABLES = re.compile(r"^(GITHUB_\w+|RUNNER_\w+|HOME|PATH|CI|PWD|RANDOM|SECONDS)$")


def workflow_steps() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    found = []
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        document = load_yaml(path)
        for job_id, job in document["jobs"].items():
            for step in job.get("steps", []):
                if "run" in step:
                    env = {**document.get("env", {}), **job.get("env", {}), **step.get("env", {})}
                    found.append(
                        (f"{path.name} {job_id}: {step.get('name', step['run'][:30])}", step, env)
                    )
    return found


@pytest.mark.parametrize(
    ("where", "step", "env"), workflow_steps(), ids=[s[0] for s in workflow_steps()]
)
def test_every_variable_a_run_step_reads_is_set(
    where: str, step: dict[str, Any], env: dict[str, Any]
) -> None:
    """A `$NAME` the step's shell reads comes from the workflow's, job's or step's env, the
    runner, or the script itself: a renamed env entry must not leave an empty expansion."""
    script = str(step["run"])
    read = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", script))
    assigned = set(re.findall(r"(?:^|[\s;(])([A-Z][A-Z0-9_]*)=", script))
    unset = sorted(name for name in read - assigned - set(env) if not RUNNER_VARIABLES.match(name))
    assert not unset, f"{where} reads {unset}, which nothing sets"


def test_the_qemu_stand_in_registers_every_platform_the_release_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered: list[str] = []
    monkeypatch.setattr(
        host, "ensure_emulation", lambda arch, _machine: registered.append(arch.name)
    )
    release = load_yaml(ROOT / ".github" / "workflows" / "release.yml")
    named = {
        str(target["qemu"])
        for target in release["jobs"]["wheels"]["strategy"]["matrix"]["target"]
        if target.get("qemu")
    }
    assert {"arm64", "arm", "ppc64le", "s390x", "riscv64"} <= named
    runner = workflow.Rehearsal(
        write_workflow(tmp_path, "on: push\njobs: {}\n"), TAG, extra_env={}, folder=tmp_path / "r"
    )
    job = workflow.Job(workspace=tmp_path, log=tmp_path / "log", env={})
    for name in sorted(named):
        runner.setup_qemu(job, {"platforms": name})
    assert set(registered) == {"aarch64", "armv7l", "ppc64le", "s390x", "riscv64"}
    with pytest.raises(PipelineError, match="no local emulation of mips64le"):
        runner.setup_qemu(job, {"platforms": "mips64le"})


def test_every_checkout_exports_the_commit_the_run_started_at(tmp_path: Path) -> None:
    """A tag names one commit: a commit made while the rehearsal runs must not reach its later
    jobs. The event here names the repository's first commit, whose files differ from HEAD's."""
    first = subprocess.run(
        ["git", "-C", str(ROOT), "rev-list", "--max-parents=0", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.split()[0]  # fmt: skip
    files = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", first],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    path = write_workflow(
        tmp_path,
        "on: push\njobs:\n  j:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@0000000000000000000000000000000000000000\n",
    )
    event = workflow.Event(name="push", ref="refs/tags/v0.1.0", sha=first)
    runner = workflow.Rehearsal(path, event, extra_env={}, folder=tmp_path / "run")
    (result,) = runner.run()
    assert result.result == "success", result.steps
    (workspace,) = (tmp_path / "run").glob("**/j*/workspace")
    exported = sorted(str(f.relative_to(workspace)) for f in workspace.rglob("*") if f.is_file())
    assert exported == sorted(files)
