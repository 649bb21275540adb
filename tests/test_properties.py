"""Property-based tests: for any accepted input, add() == sum(map(operator.index, values))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import Implementation, Index, MyInt, expected_sum

# Small and compact ints, word-sized ints, and ints far beyond any machine word.
ints = st.one_of(
    st.integers(min_value=-(2**30), max_value=2**30),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
)
integer_like = st.one_of(
    ints,
    st.booleans(),
    ints.map(Index),
    ints.map(MyInt),
)
# Text of any code points: st.text()'s default alphabet (what UTF-8 can encode) makes Hypothesis
# tabulate all 1.1 million code points in every fresh test environment, which takes 80-110 s per
# wheel under QEMU. The refusal is about the type, so lone surrogates may as well be drawn.
non_integers = st.one_of(
    st.floats(),
    st.text(st.characters(), max_size=3),
    st.none(),
    st.builds(object),
    st.complex_numbers(),
)
CONTAINERS: dict[str, Callable[[list[Any]], Any]] = {"list": list, "tuple": tuple, "iterator": iter}


@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS.keys())
@given(values=st.lists(ints, min_size=1))
def test_sum_of_ints(
    impl: Implementation, container: Callable[[list[Any]], Any], values: list[int]
) -> None:
    result = impl.add(container(values))
    assert result == sum(values)
    assert type(result) is int


@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS.keys())
@given(values=st.lists(integer_like, min_size=1, max_size=50))
def test_sum_of_integer_like_items(
    impl: Implementation, container: Callable[[list[Any]], Any], values: list[Any]
) -> None:
    assert impl.add(container(values)) == expected_sum(values)


@given(
    before=st.lists(integer_like, max_size=20),
    bad=non_integers,
    after=st.lists(st.one_of(integer_like, non_integers), max_size=5),
)
def test_first_non_integer_is_named(
    impl: Implementation, before: list[Any], bad: object, after: list[Any]
) -> None:
    with pytest.raises(TypeError) as caught:
        impl.add([*before, bad, *after])
    assert str(caught.value) == (
        f"add(): item {len(before)} is {type(bad).__name__}, not an integer"
    )
