"""Timed, labelled steps, so that a long run shows where it is and what each part cost."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

STARTED = time.monotonic()


class FactoryError(Exception):
    """A failure the user can act on: the message says what to do next."""


def say(message: str) -> None:
    print(f"\033[1m[factory +{time.monotonic() - STARTED:5.0f}s]\033[0m {message}", flush=True)


@contextmanager
def step(title: str) -> Iterator[None]:
    say(f"{title} ...")
    started = time.monotonic()
    yield
    say(f"{title}: done in {time.monotonic() - started:.0f} s")


def run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Runs a command, echoing it; with capture=True its output is returned, not shown."""
    print(f"  $ {shlex.join(command)}", flush=True)
    done = subprocess.run(
        list(command), env=env, text=True, capture_output=capture, check=False, stdin=None
    )
    if check and done.returncode != 0:
        detail = f"\n{done.stderr.strip()}" if capture and done.stderr else ""
        msg = f"`{shlex.join(command)}` failed with exit code {done.returncode}{detail}"
        raise FactoryError(msg)
    return done


def fail(message: str) -> None:
    print(f"\033[1;31m[factory] error:\033[0m {message}", file=sys.stderr, flush=True)


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
