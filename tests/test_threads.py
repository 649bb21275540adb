"""Other threads changing the input under add(): on a free-threaded interpreter (GIL off) and
with the GIL alike.

The native modules sum a list of exact small ints without running Python code and, on a
free-threaded build, inside the list's critical section: every result is the sum of a state
the list really had. The pure-Python reference reads one item at a time, and promises nothing
against other threads.
"""

from __future__ import annotations

import functools
import sys
import sysconfig
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from support import Implementation

#: Small exact ints, so that the native loop takes its fast path (no call, no allocation).
BASE = list(range(1000))
#: One marker per appending thread: distinct powers of two above the base's sum, so that a
#: total tells which markers were in the list.
MARKERS = [1 << bit for bit in range(20, 26)]
ROUNDS = 300


def gil_disabled() -> bool:
    return (
        bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
        and not getattr(sys, "_is_gil_enabled", lambda: True)()
    )


@contextmanager
def frequent_switches() -> Iterator[None]:
    """With the GIL: switch threads as often as the interpreter allows. Not nested: with x87
    arithmetic (i686) CPython stores 1e-6 s as 0 us, and getswitchinterval() then returns 0.0,
    which setswitchinterval() refuses when an inner block restores it."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def run_threads(workers: list[Callable[[], None]]) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def wrapped(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            start.wait()
            try:
                work()
            except BaseException as error:  # noqa: BLE001 (reported below)
                errors.append(error)

        return run

    threads = [threading.Thread(target=wrapped(work)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, errors


def race(
    summers: list[Callable[[], None]], mutators: list[Callable[[threading.Event], None]]
) -> None:
    """Runs the summers against the mutators, which run until every summer is done."""
    done = threading.Event()

    def all_summers() -> None:
        try:
            run_threads(summers)
        finally:
            done.set()

    with frequent_switches():
        run_threads([all_summers, *(functools.partial(mutate, done) for mutate in mutators)])


def native_only(impl: Implementation) -> None:
    if impl.spec.python_source:
        pytest.skip("the pure-Python reference reads one item at a time: not atomic by design")


def test_a_sum_preserving_mutation_never_changes_the_result(impl: Implementation) -> None:
    native_only(impl)
    values = list(BASE)
    total = sum(values)
    wrong: list[int] = []

    def summer() -> None:
        for _ in range(ROUNDS):
            result = impl.add(values)
            if result != total:
                wrong.append(result)

    def shuffler(done: threading.Event) -> None:
        # Not sort(key=...): the key runs Python code while list.sort() has emptied the list,
        # and a concurrent add() then sees that state and raises EmptyListError.
        while not done.is_set():
            values.reverse()
            values.sort()
            values.sort(reverse=True)

    race([summer] * 4, [shuffler, shuffler])
    assert not wrong, f"{len(wrong)} sums of states the list never had: {wrong[:5]}"


def test_every_result_is_the_sum_of_a_state_the_list_had(impl: Implementation) -> None:
    native_only(impl)
    values = list(BASE)
    base = sum(values)
    mask = sum(MARKERS)
    wrong: list[int] = []

    def summer() -> None:
        for _ in range(ROUNDS):
            extra = impl.add(values) - base
            if extra < 0 or extra & ~mask:
                wrong.append(extra)

    def appender(marker: int) -> Callable[[threading.Event], None]:
        def run(done: threading.Event) -> None:
            while not done.is_set():
                values.append(marker)
                values.remove(marker)

        return run

    race([summer] * 3, [appender(marker) for marker in MARKERS])
    assert not wrong, f"{len(wrong)} sums of states the list never had: {wrong[:5]}"
    assert values == BASE


def test_the_gil_stays_off_when_the_module_is_imported() -> None:
    """On a free-threaded interpreter, importing the modules must not turn the GIL back on
    (each declares Py_mod_gil_not_used)."""
    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        pytest.skip("not a free-threaded interpreter")
    assert gil_disabled(), "the GIL is on: run with PYTHON_GIL=0, or a module re-enabled it"
