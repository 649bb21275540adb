"""A differential fuzzer: C, Rust and the reference on the same generated adversarial inputs.

Each case is drawn from a seed: a container (list, tuple, iterator, generator, a generator
that raises) of items mixing ints at the 64-bit edges, bools, big ints, lying int subclasses,
`__index__` objects, items whose `__index__` raises, non-integers, items whose `__index__`
mutates the list (clear, pop, insert, slice assignment, growth that moves the storage, ...),
items that remove themselves and mutate the list from `__del__` when `add()` releases them,
and re-entrant calls of `add()`. Every implementation gets its own fresh copy of the case;
the outcome (the value, or the exception's type name and message) and the list's state after
the call must be the same for all.

The cases run in a worker process, so a crash is a finding too: the parent records the seed
and restarts the worker from the next one.

    python tests/fuzz.py --seconds 60                 # a short run
    python tests/fuzz.py --seconds 1800 --seed 10**6  # a long run from another seed range
    python tests/fuzz.py --replay 1234                # show one case and each outcome
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, not under pytest (whose `pythonpath` setting finds the registry).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from core.distributions import IMPLEMENTATIONS

DEFAULT_IMPLEMENTATIONS = "c,rust,reference"
EDGES = [0, 1, -1, 2, 2**30 - 1, 2**30, 2**31, 2**62, 2**63 - 1, -(2**63), 2**63, 2**64, -(2**64)]
ACTIONS = [
    "clear", "pop", "pop0", "append", "insert0", "delete_ahead", "truncate", "replace_ahead",
    "grow", "reverse", "extend_self",
]  # fmt: skip
Spec = list[Any]  # JSON-able: one item's kind and parameters


@dataclass
class Case:
    container: str  # list, tuple, iter, gen, gen_raises
    items: list[Spec]
    raise_after: int = 0  # gen_raises: items yielded before the generator raises


def draw(seed: int) -> Case:
    """The case of one seed: the same on every run, machine and Python."""
    rng = random.Random(seed)
    size = rng.choice([0, 1, 2, 3, 5, 8, 13, rng.randint(0, 40)])
    container = rng.choice(["list"] * 5 + ["tuple", "iter", "gen", "gen_raises"])
    return Case(container, [draw_item(rng, size) for _ in range(size)], rng.randint(0, size))


def draw_int(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.4:
        return rng.randint(-100, 100)
    if roll < 0.7:
        return rng.choice(EDGES) + rng.choice([-1, 0, 0, 1])
    return rng.choice([1, -1]) * rng.getrandbits(rng.choice([64, 65, 100, 300]))


def draw_item(rng: random.Random, size: int) -> Spec:
    kind = rng.choices(
        ["int", "bool", "myint", "index", "index_myint", "raises", "nonint", "mutates",
         "released", "reenters"],
        weights=[30, 4, 6, 8, 3, 3, 3, 8, 5, 3],
    )[0]  # fmt: skip
    position = rng.randint(0, max(size - 1, 0))
    if kind == "bool":
        return [kind, rng.random() < 0.5]
    if kind == "raises":
        return [kind, rng.choice(["ValueError", "TypeError", "KeyError", "Custom"])]
    if kind == "nonint":
        return [kind, rng.choice(["float", "str", "None", "object", "list", "complex"])]
    if kind in {"mutates", "released"}:
        return [kind, draw_int(rng), rng.choice(ACTIONS), position, draw_int(rng)]
    if kind == "reenters":
        return [kind, draw_int(rng), position]
    return [kind, draw_int(rng)]


# -- building one implementation's copy of a case ----------------------------------------------


class MyInt(int):
    """Lies about arithmetic: only its int value may count."""

    def __add__(self, other: object) -> int:
        return 999

    __radd__ = __add__


class Custom(Exception):
    pass


def act(values: list[Any], action: str, position: int, value: int) -> None:
    """One change to the list being summed."""
    if action == "clear":
        values.clear()
    elif action == "pop" and values:
        values.pop()
    elif action == "pop0" and values:
        values.pop(0)
    elif action == "append":
        values.append(value)
    elif action == "insert0":
        values.insert(0, value)
    elif action == "delete_ahead" and position < len(values):
        del values[position]
    elif action == "truncate":
        del values[position:]
    elif action == "replace_ahead" and position < len(values):
        values[position] = value
    elif action == "grow":
        values.extend(range(position, position + 300))  # the item storage moves
    elif action == "reverse":
        values.reverse()
    elif action == "extend_self":
        values.extend(values[:position])


class Item:
    """An item with `__index__`; what else it does depends on its spec."""

    def __init__(self, spec: Spec, values: list[Any], add: Callable[[Any], int]) -> None:
        self.spec = spec
        self.values = values
        self.add = add
        self.done = False

    def __index__(self) -> int:
        kind = self.spec[0]
        if kind == "raises":
            error = {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError}
            msg = f"raised by __index__ ({self.spec[1]})"
            raise error.get(self.spec[1], Custom)(msg)
        value: int = self.spec[1]
        if self.done:  # each item changes the list at most once, so every case ends
            return value
        self.done = True
        if kind == "mutates":
            act(self.values, *self.spec[2:])
        elif kind == "released":
            # Leave the call holding the last reference: releasing it runs __del__.
            for index, item in enumerate(self.values):
                if item is self:
                    del self.values[index]
                    break
        elif kind == "reenters":
            return value + self.add(self.values[: self.spec[2]]) % 7
        return value

    def __del__(self) -> None:
        if self.spec[0] == "released" and self.done:
            act(self.values, *self.spec[2:])

    def __repr__(self) -> str:
        return f"Item({self.spec})"


NONINTS: dict[str, Callable[[], object]] = {
    "float": lambda: 2.5,
    "str": lambda: "7",
    "None": lambda: None,
    "object": object,
    "list": lambda: [1],
    "complex": lambda: 1j,
}


def build(case: Case, add: Callable[[Any], int]) -> tuple[Any, list[Any]]:
    """A fresh copy of the case for one implementation: the container to sum, and the list
    underneath it (which the items may change)."""
    values: list[Any] = []
    for spec in case.items:
        kind = spec[0]
        if kind in {"int", "bool"}:
            values.append(spec[1])
        elif kind == "myint":
            values.append(MyInt(spec[1]))
        elif kind == "index":
            values.append(Item(["plain", spec[1]], values, add))
        elif kind == "index_myint":
            values.append(Item(["plain", MyInt(spec[1])], values, add))
        elif kind == "nonint":
            values.append(NONINTS[spec[1]]())
        else:
            values.append(Item(spec, values, add))
    if case.container == "list":
        return values, values
    if case.container == "tuple":
        return tuple(values), values
    if case.container == "iter":
        return iter(values), values
    return generate(values, case.raise_after if case.container == "gen_raises" else -1), values


def generate(values: list[Any], raise_after: int) -> Iterator[Any]:
    for count, item in enumerate(values):
        if count == raise_after:
            msg = f"the generator raises after {count} items"
            raise RuntimeError(msg)
        yield item


def describe(value: object) -> object:
    """A value as the comparison sees it: ints by value, items by spec, others by type."""
    if type(value) is bool:
        return ["bool", value]
    if isinstance(value, int):
        return int.__index__(value) if type(value) is int else ["myint", int(value)]
    if isinstance(value, Item):
        return ["item", value.spec]
    return ["other", type(value).__name__]


def outcome(case: Case, add: Callable[[Any], int]) -> dict[str, Any]:
    container, values = build(case, add)
    try:
        result: object = ["value", str(add(container))]
    except Exception as error:  # noqa: BLE001 (every exception is part of the outcome)
        result = ["raised", type(error).__name__, str(error)]
    del container
    state = [describe(v) for v in values]
    for item in values:  # break the items' cycles through the list
        if isinstance(item, Item):
            item.values = []
    return {"result": result, "state": state}


# -- running -------------------------------------------------------------------------------------


def load(names: list[str]) -> dict[str, Callable[[Any], int]]:
    return {name: importlib.import_module(IMPLEMENTATIONS[name].module).add for name in names}


def worker(start: int, stop_at: float, names: list[str]) -> None:
    """Runs cases from seed `start` until the deadline; prints each seed before its case
    (so a crash names it) and a JSON line for each divergence."""
    adds = load(names)
    sys.setrecursionlimit(400)
    # Items whose __index__ returns an int subclass: deprecated, and meant.
    warnings.simplefilter("ignore", DeprecationWarning)
    seed = start
    while time.monotonic() < stop_at:
        print(seed, flush=True)
        case = draw(seed)
        outcomes = {name: outcome(case, add) for name, add in adds.items()}
        if len({json.dumps(o, sort_keys=True) for o in outcomes.values()}) > 1:
            print(json.dumps({"divergence": seed, "outcomes": outcomes}), flush=True)
        seed += 1
    print("done", flush=True)


@dataclass
class Report:
    executions: int = 0
    seconds: float = 0.0
    crashes: list[tuple[int, str]] = field(default_factory=list)
    divergences: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.crashes or self.divergences)


def run(seconds: float, seed: int, names: list[str]) -> Report:
    """Fuzzes for `seconds` from `seed` on, in worker processes."""
    started = time.monotonic()
    deadline = started + seconds
    report = Report()
    next_seed = seed
    while time.monotonic() < deadline:
        remaining = deadline - time.monotonic()
        command = [
            sys.executable, __file__, "--worker", "--seed", str(next_seed),
            "--seconds", f"{remaining:.3f}", "--implementations", ",".join(names),
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        current = None
        finished = False
        for line in process.stdout:
            if line.startswith("{"):
                found = json.loads(line)
                report.divergences.append(found["divergence"])
                print(f"DIVERGENCE at seed {found['divergence']}: {json.dumps(found['outcomes'])}")
            elif line.strip() == "done":
                finished = True
            else:
                current = int(line)
                report.executions += 1
        code = process.wait()
        if finished and code == 0:
            break
        how = signal.Signals(-code).name if code < 0 else f"exit {code}"
        if current is None:
            msg = f"the fuzzer's worker failed before its first case ({how})"
            raise SystemExit(msg)
        report.crashes.append((current, how))
        print(f"CRASH at seed {current}: {how}")
        next_seed = current + 1
    report.seconds = time.monotonic() - started
    return report


def replay(seed: int, names: list[str]) -> None:
    case = draw(seed)
    print(json.dumps({"seed": seed, "case": case.__dict__}, indent=1))
    for name, add in load(names).items():
        print(name, json.dumps(outcome(case, add)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget (%(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="the first seed (%(default)s)")
    parser.add_argument("--implementations", default=DEFAULT_IMPLEMENTATIONS)
    parser.add_argument("--replay", type=int, help="run one seed and show each outcome")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = [n for n in args.implementations.split(",") if n]
    unknown = sorted(set(names) - set(IMPLEMENTATIONS))
    if unknown:
        parser.error(
            f"--implementations: unknown {unknown}; choose from {', '.join(IMPLEMENTATIONS)}"
        )
    if args.worker:
        worker(args.seed, time.monotonic() + args.seconds, names)
        return 0
    if args.replay is not None:
        replay(args.replay, names)
        return 0
    report = run(args.seconds, args.seed, names)
    rate = report.executions / report.seconds if report.seconds else 0
    print(
        f"fuzz: {report.executions} cases from seed {args.seed} in {report.seconds:.0f} s "
        f"({rate:.0f}/s) on {', '.join(names)}: {len(report.divergences)} divergences, "
        f"{len(report.crashes)} crashes"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
