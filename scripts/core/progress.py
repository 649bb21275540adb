"""Timed, labelled steps, so that a long run shows where it is and what each part cost."""

from __future__ import annotations

import contextvars
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

STARTED = time.monotonic()
#: Where `run` sends the output of the commands it does not capture; None: the terminal. Set per
#: thread (`logged_to`), so that work running in parallel keeps its output apart.
_LOG: contextvars.ContextVar[Path | None] = contextvars.ContextVar("log", default=None)


class PipelineError(Exception):
    """A failure the user can act on: the message says what to do next."""


#: Who speaks in progress lines and errors: the command that runs (set_label).
_label = "pipeline"


def set_label(label: str) -> None:
    global _label  # noqa: PLW0603 (one label per process, set by its entry point)
    _label = label


def say(message: str) -> None:
    print(f"\033[1m[{_label} +{time.monotonic() - STARTED:5.0f}s]\033[0m {message}", flush=True)


@contextmanager
def step(title: str) -> Iterator[None]:
    say(f"{title} ...")
    started = time.monotonic()
    yield
    say(f"{title}: done in {time.monotonic() - started:.0f} s")


@contextmanager
def logged_to(path: Path) -> Iterator[None]:
    """Within this block (in this thread), `run` appends what commands print to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    token = _LOG.set(path)
    try:
        yield
    finally:
        _LOG.reset(token)


def current_log() -> Path | None:
    """The log of the enclosing `logged_to` block, if any."""
    return _LOG.get()


def show(text: str) -> None:
    """Prints `text`, or inside `logged_to` appends it to that log."""
    log = _LOG.get()
    if log is None:
        print(text, flush=True)
        return
    with log.open("a") as file:
        file.write(text + "\n")


def run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Runs a command, echoing it; with capture=True its output is returned, not shown. Inside
    `logged_to`, the output goes to that log, and a failure quotes the log's last lines."""
    print(f"  $ {shlex.join(command)}", flush=True)
    log = None if capture else _LOG.get()
    if log is None:
        done = subprocess.run(
            list(command), env=env, text=True, capture_output=capture, check=False, stdin=None
        )
    else:
        with log.open("a") as file:
            file.write(f"$ {shlex.join(command)}\n")
            file.flush()
            done = subprocess.run(
                list(command), env=env, text=True, stdout=file, stderr=subprocess.STDOUT,
                check=False, stdin=None,
            )  # fmt: skip
    if check and done.returncode != 0:
        detail = f"\n{done.stderr.strip()}" if capture and done.stderr else ""
        if log is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
            detail = f" (log: {log})\n{tail}"
        msg = f"`{shlex.join(command)}` failed with exit code {done.returncode}{detail}"
        raise PipelineError(msg)
    return done


def fail(message: str) -> None:
    print(f"\033[1;31m[{_label}] error:\033[0m {message}", file=sys.stderr, flush=True)


def run_in_parallel(
    tasks: Sequence[Task],
    work: Callable[[Task], Result],
    *,
    jobs: int,
    first: Callable[[Task], bool],
) -> list[Result]:
    """work(task) for every task, `jobs` at a time, starting with the tasks `first` picks (the
    long ones: emulated runs take ten times as long, and the short ones fill the gaps).
    Results come back in the order of `tasks`."""
    order = sorted(range(len(tasks)), key=lambda i: not first(tasks[i]))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {i: pool.submit(work, tasks[i]) for i in order}
    return [futures[i].result() for i in range(len(tasks))]
