"""Inputs built to crash an extension module: finalizers that change the list, metaclasses
that lie about a type's name, recursion through ``__index__``, allocations that fail.

Each case runs in a child interpreter, so that a crash (a signal, an abort) fails its test
instead of ending the run, and says how the child died.
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import textwrap

import pytest
from support import Implementation


def run_isolated(impl: Implementation, body: str, *, timeout: float = 300) -> str:
    """Runs `body` in a new interpreter with `add` and `EmptyListError` imported from the
    implementation; returns what it printed, or fails the test if it did not exit cleanly."""
    prelude = f"import sys\nfrom {impl.module.__name__} import add, EmptyListError\n"
    try:
        done = subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(body)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the child interpreter hung for {timeout} s")
    if done.returncode < 0:
        died = signal.Signals(-done.returncode).name
        pytest.fail(f"the child interpreter crashed ({died}):\n{done.stderr[-3000:]}")
    if done.returncode != 0:
        pytest.fail(f"the child interpreter exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout.strip()


FINALIZER = """
values = []

class Item:
    def __index__(self):
        values.remove(self)  # now the call holds the last reference
        return 10

    def __del__(self):
        {action}

values.extend([1, 2, Item(), 4, 5, 6])
print(add(values))
"""


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        # The item is released (and its finalizer run) before the next one is read: the
        # list is then [] or [1, 2, 4, 5], and the cursor is at 3.
        ("values.clear()", 1 + 2 + 10),
        ("values.pop()", 1 + 2 + 10 + 5),
        ("values[3:] = [100] * 1000", 1 + 2 + 10 + 100 * 1000),
    ],
    ids=["clear", "pop", "grow"],
)
def test_the_finalizer_of_a_released_item_changes_the_list(
    impl: Implementation, action: str, expected: int
) -> None:
    assert run_isolated(impl, FINALIZER.format(action=action)) == str(expected)


def test_a_weakref_callback_of_a_released_item_clears_the_list(impl: Implementation) -> None:
    body = """
    import weakref
    values = []

    class Item:
        def __index__(self):
            values.remove(self)
            return 10

    item = Item()
    probe = weakref.ref(item, lambda _: values.clear())
    values.extend([1, 2, item, 4, 5, 6])
    del item
    print(add(values))
    """
    assert run_isolated(impl, body) == str(1 + 2 + 10)


@pytest.mark.parametrize(
    "answer",
    ["5", "[1, 2]", "None", "property(lambda cls: (_ for _ in ()).throw(RuntimeError('no')))"],
    ids=["int", "list", "None", "raises"],
)
def test_a_metaclass_cannot_change_the_type_name_in_the_error(
    impl: Implementation, answer: str
) -> None:
    body = f"""
    class Meta(type):
        __name__ = {answer}

    class Odd(metaclass=Meta):
        pass

    try:
        add([1, Odd()])
    except TypeError as error:
        print(error)
    """
    assert run_isolated(impl, body) == "add(): item 1 is Odd, not an integer"


def test_index_on_the_metaclass_makes_the_class_an_integer_not_its_instances(
    impl: Implementation,
) -> None:
    body = """
    class Meta(type):
        def __index__(cls):
            return 7

    class Seven(metaclass=Meta):
        pass

    print(add([Seven, 1]))
    try:
        add([Seven()])
    except TypeError as error:
        print(error)
    """
    assert run_isolated(impl, body).splitlines() == ["8", "add(): item 0 is Seven, not an integer"]


def test_recursion_through_index_raises_recursion_error(impl: Implementation) -> None:
    # A raised recursion limit: before 3.12 CPython does not count calls through C or Rust,
    # and an uncounted frame that is large enough exhausts the stack first.
    body = """
    sys.setrecursionlimit(10_000)

    class Again:
        def __index__(self):
            return add([self])

    try:
        add([1, Again()])
    except RecursionError:
        print("RecursionError")
    """
    assert run_isolated(impl, body) == "RecursionError"


ALLOCATION_FAILURES = """
import _testcapi

class Index:
    def __init__(self, value):
        self.value = value
    def __index__(self):
        return self.value

class MyInt(int):
    pass

cases = {
    "small ints": (lambda: [1, 2, 3], 6),
    "the machine word overflows": (lambda: [2**62, 2**62, 2**62, -5], 3 * 2**62 - 5),
    "big ints": (lambda: [10**30, 1, -(10**40)], 10**30 + 1 - 10**40),
    "__index__ and int subclasses": (lambda: [1, Index(2**70), MyInt(3)], 1 + 2**70 + 3),
    "an iterator": (lambda: iter([1, 2**70, Index(5)]), 1 + 2**70 + 5),
    "not an integer": (lambda: [1, 2.5], TypeError),
    "empty": (lambda: [], EmptyListError),
}


def attempt(values, start):
    # In a function, so that the bookkeeping around add() allocates as little as possible
    # (module-level names live in a dict, which may grow).
    _testcapi.set_nomemory(start, start + 1)  # allocation number `start` fails, only that one
    try:
        return add(values)
    except MemoryError:
        return MemoryError
    except BaseException as error:  # a PanicException is a BaseException
        return error.__class__  # not type(error): on 3.9 that call allocates
    finally:
        _testcapi.remove_mem_hooks()



class Raised(Exception):
    pass


def raises():
    raise Raised


def control(start):
    # The interpreter alone: a Python function that raises.
    _testcapi.set_nomemory(start, start + 1)
    try:
        raises()
    except BaseException as error:
        return error.__class__
    finally:
        _testcapi.remove_mem_hooks()


# CPython 3.11-3.13 can report a failed allocation in its own raise path as "SystemError:
# error return without exception set" (python/cpython#151126). Code written in Python inherits
# that; compiled code must not add to it.
allowed = {MemoryError}
if PURE_PYTHON and SystemError in {control(start) for start in range(50)}:
    allowed.add(SystemError)
failures = []
for name, (make, expected) in cases.items():
    clean = 0
    start = 0
    # Until 20 attempts in a row saw no MemoryError: add() made fewer allocations than that.
    while clean < 20 and start < 2000:
        outcome = attempt(make(), start)
        if outcome in allowed:
            clean = 0
        else:
            clean += 1
            if outcome != expected:
                failures.append(f"{name}: allocation {start} failed, got {outcome!r}")
        start += 1
print("\\n".join(failures) or "ok")
"""


def test_every_failed_allocation_gives_memory_error_or_the_right_result(
    impl: Implementation,
) -> None:
    if importlib.util.find_spec("_testcapi") is None:
        pytest.skip("this interpreter has no _testcapi (set_nomemory): built without tests")
    pure_python = impl.spec.python_source
    assert run_isolated(impl, f"PURE_PYTHON = {pure_python}\n{ALLOCATION_FAILURES}") == "ok"
