"""The addList contract, checked against every implementation with literal expectations."""

from __future__ import annotations

import importlib
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from support import Implementation, Index, IndexError_, MyInt, NotAnInteger, RaisingIndex


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3], 6),
        ([0], 0),
        ([-5, 5], 0),
        ([True, True, False], 2),
        ([MyInt(3), MyInt(4)], 7),
        ([Index(2), Index(-10), 1], -7),
        ([10**30, -(10**30), 1], 1),
        ([2**63 - 1, 1], 2**63),
        ([-(2**63), -1], -(2**63) - 1),
        ([2**64, 2**64], 2**65),
    ],
)
def test_sum(impl: Implementation, values: list[Any], expected: int) -> None:
    result = impl.add(values)
    assert result == expected
    assert type(result) is int


CONTAINERS: dict[str, Callable[[list[Any]], Iterable[Any]]] = {
    "list": list,
    "tuple": tuple,
    "iterator": iter,
    "generator": lambda items: (item for item in items),
    "deque": deque,
    "dict keys": dict.fromkeys,
    "list subclass": type("ListSubclass", (list,), {}),
    "tuple subclass": type("TupleSubclass", (tuple,), {}),
}


@pytest.mark.parametrize("container", CONTAINERS.values(), ids=CONTAINERS.keys())
def test_every_iterable(impl: Implementation, container: Callable[[list[Any]], Any]) -> None:
    assert impl.add(container([2, 2**70, True, Index(4)])) == 2**70 + 7


def test_range_and_set(impl: Implementation) -> None:
    assert impl.add(range(1, 101)) == 5050
    assert impl.add({1, 2, 3}) == 6


def test_numpy_integers(impl: Implementation) -> None:
    np = pytest.importorskip("numpy", reason="numpy has no wheel for this Python")
    values = [np.int8(-128), np.uint64(2**64 - 1), np.int64(-(2**63)), np.int32(7)]
    assert impl.add(values) == -128 + 2**64 - 1 - 2**63 + 7
    assert impl.add(np.arange(1000)) == 499500


EMPTY: dict[str, Callable[[], Iterable[Any]]] = {
    "list": list,
    "tuple": tuple,
    "range": lambda: range(0),
    "generator": lambda: (x for x in range(0)),
    "dict": dict,
}


@pytest.mark.parametrize("make_empty", EMPTY.values(), ids=EMPTY.keys())
def test_empty_input_raises_empty_list_error(
    impl: Implementation, make_empty: Callable[[], Iterable[Any]]
) -> None:
    with pytest.raises(impl.empty_list_error) as caught:
        impl.add(make_empty())
    assert str(caught.value) == "add(): the input is empty, there is nothing to sum"
    assert isinstance(caught.value, ValueError)


def test_empty_list_error_is_a_value_error(impl: Implementation) -> None:
    assert issubclass(impl.empty_list_error, ValueError)
    assert impl.empty_list_error.__name__ == "EmptyListError"


@pytest.mark.parametrize(
    ("item", "type_name"),
    [
        (1.0, "float"),
        (math.nan, "float"),
        ("1", "str"),
        (b"1", "bytes"),
        (None, "NoneType"),
        (Decimal(1), "Decimal"),
        (Fraction(1, 1), "Fraction"),
        (1j, "complex"),
        ([1], "list"),
        (NotAnInteger(), "NotAnInteger"),
    ],
)
@pytest.mark.parametrize("container", [list, tuple, iter], ids=["list", "tuple", "iterator"])
def test_non_integer_item_raises_type_error(
    impl: Implementation, item: object, type_name: str, container: Callable[[list[Any]], Any]
) -> None:
    with pytest.raises(TypeError) as caught:
        impl.add(container([1, 2, 3, item, 5]))
    assert str(caught.value) == f"add(): item 3 is {type_name}, not an integer"


def test_first_bad_item_is_reported(impl: Implementation) -> None:
    with pytest.raises(TypeError, match=r"^add\(\): item 0 is str, not an integer$"):
        impl.add(["a", 1.5])


@pytest.mark.parametrize(
    "error", [IndexError_("from __index__"), ZeroDivisionError(), TypeError("custom")]
)
def test_exception_from_index_propagates_unchanged(
    impl: Implementation, error: BaseException
) -> None:
    with pytest.raises(type(error)) as caught:
        impl.add([1, RaisingIndex(error), 2])
    assert caught.value is error


def test_exception_from_iterable_propagates_unchanged(impl: Implementation) -> None:
    error = LookupError("the source failed")

    def source() -> Iterator[int]:
        yield 1
        raise error

    with pytest.raises(LookupError) as caught:
        impl.add(source())
    assert caught.value is error


def test_non_iterable_raises_type_error(impl: Implementation) -> None:
    with pytest.raises(TypeError, match=r"^'int' object is not iterable$"):
        impl.add(5)  # type: ignore[arg-type]


def test_values_is_positional_only(impl: Implementation) -> None:
    with pytest.raises(TypeError):
        impl.add(values=[1])  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        impl.add()  # type: ignore[call-arg]


def test_docstring(impl: Implementation) -> None:
    assert impl.add.__doc__
    assert "exact sum" in impl.add.__doc__


def test_package_exports(packaged: Implementation) -> None:
    assert packaged.package is not None
    package = importlib.import_module(packaged.package)
    assert package.add is packaged.add
    assert package.EmptyListError is packaged.empty_list_error
    assert isinstance(package.__version__, str)
