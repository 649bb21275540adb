"""Nothing may crash, corrupt or leak: the talk's rules 3 and 4 under attack.

A crash here takes the whole run down, which also fails it; the cases are built so that
a borrowed reference used after Python code ran would read freed or moved memory.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import weakref
from collections.abc import Callable, Iterator
from typing import Any, SupportsIndex

import pytest
from support import Implementation, Index, Mutating, MyInt, expected_sum


def run_with_mutation(impl: Implementation, mutate: Callable[[list[Any]], object]) -> int:
    """Sums [1, 2, <item that mutates the list>, 4, 5]; the mutating item counts 10."""
    values: list[Any] = [1, 2]
    values.append(Mutating(10, lambda: mutate(values)))
    values += [4, 5]
    return impl.add(values)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (list.clear, 1 + 2 + 10),
        (lambda v: v.__delitem__(slice(3, None)), 1 + 2 + 10),
        (lambda v: v.__delitem__(0), 1 + 2 + 10 + 5),  # items shift left past the cursor
        (lambda v: v.append(100), 1 + 2 + 10 + 4 + 5 + 100),
        (lambda v: v.__setitem__(3, 2**100), 1 + 2 + 10 + 2**100 + 5),
        (lambda v: v.insert(0, 7), 1 + 2 + 10 + 10 + 4 + 5),  # the cursor meets the item again
    ],
    ids=["clear", "shrink", "delete before", "grow", "replace ahead", "insert before"],
)
def test_index_mutates_the_list(
    impl: Implementation, mutate: Callable[[list[Any]], object], expected: int
) -> None:
    # "insert before" would insert forever: let the item mutate only once.
    done: list[bool] = []

    def once(values: list[Any]) -> None:
        if not done:
            done.append(True)
            mutate(values)

    assert run_with_mutation(impl, once) == expected


def test_list_grows_until_its_storage_moves(impl: Implementation) -> None:
    values: list[Any] = [1]
    values.append(Mutating(2, lambda: values.extend(range(100_000))))
    assert impl.add(values) == 3 + sum(range(100_000))


def test_item_drops_the_last_reference_to_itself(impl: Implementation) -> None:
    values: list[Any] = [1, 2]

    def drop_self() -> None:
        values[1] = 3
        garbage = [object() for _ in range(1000)]  # reuse the freed memory
        del garbage

    values[1] = Mutating(5, drop_self)
    probe = weakref.ref(values[1])
    assert impl.add(values) == 6
    gc.collect()
    assert probe() is None, "the dropped item was leaked"


def test_index_drops_every_reference_to_the_list(impl: Implementation) -> None:
    holder: dict[str, list[Any]] = {}

    def drop_list() -> None:
        holder.clear()
        [object() for _ in range(1000)]

    only_in_the_list = Index(3)  # lists cannot be weakly referenced; their items can
    probe = weakref.ref(only_in_the_list)
    holder["values"] = [1, Mutating(2, drop_list), only_in_the_list]
    del only_in_the_list
    assert impl.add(holder.pop("values")) == 6
    gc.collect()
    assert probe() is None, "the list was leaked"


def test_reentrant_call_on_the_same_list(impl: Implementation) -> None:
    values: list[Any] = [1, 2, 3]
    values.append(Mutating(0, lambda: impl.add(values[:3])))
    assert impl.add(values) == 6


def test_int_subclass_counts_by_its_value(impl: Implementation) -> None:
    assert impl.add([MyInt(5), 1, MyInt(2**80)]) == 5 + 1 + 2**80
    assert impl.add(iter([MyInt(-3)])) == -3


BOUNDARIES = [
    2**30 - 1, 2**30, 2**31, 2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64,
    -(2**30), -(2**62), -(2**63) + 1, -(2**63), -(2**63) - 1, -(2**64),
]  # fmt: skip


@pytest.mark.parametrize("container", [list, tuple, iter], ids=["list", "tuple", "iterator"])
def test_values_around_the_64_bit_limits(
    impl: Implementation, container: Callable[[list[int]], Any]
) -> None:
    for value in BOUNDARIES:
        for values in ([value], [value, value], [value, -value, value], [value] * 5):
            assert impl.add(container(values)) == expected_sum(values), values


def test_running_total_overflows_a_machine_word_many_times(impl: Implementation) -> None:
    values = [2**62] * 1000 + [-(2**63)] * 3000 + [Index(2**62)] * 7
    assert impl.add(values) == expected_sum(values)


def test_huge_and_small_ints_mixed(impl: Implementation) -> None:
    huge = 10**1000
    values: list[SupportsIndex] = [huge, 1, -huge, 2, huge, 2**63, True, Index(huge)] * 50
    assert impl.add(values) == expected_sum(values)


@pytest.mark.slow
def test_ten_million_items(impl: Implementation) -> None:
    n = 10**7
    assert impl.add(list(range(n))) == n * (n - 1) // 2


def test_generator_raises_half_way_after_big_ints(impl: Implementation) -> None:
    def source() -> Iterator[int]:
        for i in range(10_000):
            yield 2**100 + i
        msg = "half way"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="half way"):
        impl.add(source())


def calls_on_every_path(impl: Implementation, rounds: int) -> None:
    """Four calls a round: fast and slow paths, and both kinds of error."""
    # 2**40 and MyInt(2**40) are neither compact nor cached: each call makes new int objects.
    mixed = [1, 2**70, True, Index(5), -3, MyInt(2), 2**40, MyInt(2**40), Index(2**40)]
    for _ in range(rounds):
        impl.add(mixed)
        impl.add(tuple(mixed))
        with contextlib.suppress(TypeError):
            impl.add([1, 2**70, "x"])
        with contextlib.suppress(impl.empty_list_error):
            impl.add([])


@pytest.mark.slow
def test_a_million_calls_do_not_grow_memory(impl: Implementation) -> None:
    calls_on_every_path(impl, 10_000)  # warm up caches and free lists
    gc.collect()
    before = sys.getallocatedblocks()
    calls_on_every_path(impl, 250_000)
    gc.collect()
    growth = sys.getallocatedblocks() - before
    # A leak of one object per call would show as a million blocks.
    assert growth < 1000, f"{growth} memory blocks more after a million calls"


def test_no_reference_is_leaked_or_stolen(impl: Implementation) -> None:
    # Neither cached nor immortal: their reference counts are meaningful.
    big, medium, item = 10**20, 2**40, Index(7)
    values = [big, medium, item, 1]
    bad = [big, medium, item, "x"]
    watched = (big, medium, item, values, bad)
    counts = [sys.getrefcount(obj) for obj in watched]
    for _ in range(10_000):
        impl.add(values)
        impl.add(iter(values))
        with pytest.raises(TypeError):
            impl.add(bad)
    assert [sys.getrefcount(obj) for obj in watched] == counts
