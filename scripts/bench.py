"""Benchmark: add() of every implementation against the builtin sum(), measured side by side.

Usage (normally through `scripts/bench`, which builds the variants first):

    python scripts/bench.py [--json FILE] NAME=SITE_DIR [NAME=SITE_DIR ...]

Each NAME=SITE_DIR is one installed build (e.g. `c-abi3=build/bench/site/c-abi3`). Every
build runs in worker processes of its own, which time sum(), add() and the memory floor on
the same lists, interleaved, and keep the best of several rounds; the ratios are taken inside
one process, so machine noise affects all sides alike. The floor (--floor: the C module built
with ADDLIST_BENCH_FLOOR) is the least work summing small ints can do: read each item pointer
and the int's size and first digit, prefetching, with no checks. Each worker runs --runs times
(fresh processes lay out the lists' int objects differently in memory, which moves the figures
by up to 10% here); the table shows the median ns and the range of each ratio over the runs.
`reference` is always added.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from core.distributions import IMPLEMENTATIONS

REPEATS = 7
TARGET_SECONDS_PER_REPEAT = 0.05
#: The goal for the version-specific native builds: this share of the floor's speed, on every
#: case. (abi3 builds call the C API per item, by design, and are only reported.)
FLOOR_GOAL = 95.0


@dataclass(frozen=True, kw_only=True)
class Timing:
    """One case in one worker run: ns per item of each side, and the ratios in that process."""

    case: str
    items: int
    sum_ns_per_item: float
    floor_ns_per_item: float
    add_ns_per_item: float
    speedup: float
    floor_speedup: float
    percent_of_floor: float


@dataclass(frozen=True, kw_only=True)
class CaseResult:
    """One case over the runs: the median ns per item, and each ratio per run."""

    case: str
    items: int
    sum_ns_per_item: float
    floor_ns_per_item: float
    add_ns_per_item: float
    speedup_per_run: tuple[float, ...]
    floor_speedup_per_run: tuple[float, ...]
    percent_of_floor_per_run: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class VariantResult:
    name: str
    module: str
    file: str
    limited_api: bool
    runs: int
    cases: tuple[CaseResult, ...]


def make_cases() -> dict[str, list[int]]:
    """The inputs: call overhead, cache-resident, memory-bound, latency-bound, big ints."""
    large = list(range(1_000_000))
    shuffled = large.copy()
    random.Random(2026).shuffle(shuffled)  # pointer chasing: every item is a cache miss
    mixed = [2**64 + i if i % 10 == 0 else i for i in range(100_000)]
    return {
        "10 small ints": list(range(10)),
        "1,000 small ints": list(range(1000)),
        "1,000,000 small ints": large,
        "1,000,000 shuffled": shuffled,
        "100,000 with 10% big ints": mixed,
    }


def best_time(function: Callable[[list[int]], int], values: list[int], number: int) -> float:
    timer = timeit.Timer("function(values)", globals={"function": function, "values": values})
    return min(timer.repeat(repeat=1, number=number))


def measure(add: Callable[[list[int]], int], floor: Callable[[list[int]], int]) -> list[Timing]:
    """ns/item for sum(), the floor and add() on every case, interleaved so drift hits all."""
    rows = []
    for case, values in make_cases().items():
        assert add(values) == sum(values), f"add() gave a wrong result on {case}"
        per_call = max(best_time(sum, values, 1), 1e-7)
        number = max(1, int(TARGET_SECONDS_PER_REPEAT / per_call))
        functions = {"sum": sum, "floor": floor, "add": add}
        best = dict.fromkeys(functions, float("inf"))
        for function in functions.values():  # warm-up: the first round pays for cold caches
            best_time(function, values, number)
        for _ in range(REPEATS):
            for name, function in functions.items():
                best[name] = min(best[name], best_time(function, values, number))
        scale = 1e9 / number / len(values)
        rows.append(
            Timing(
                case=case,
                items=len(values),
                sum_ns_per_item=best["sum"] * scale,
                floor_ns_per_item=best["floor"] * scale,
                add_ns_per_item=best["add"] * scale,
                speedup=best["sum"] / best["add"],
                floor_speedup=best["sum"] / best["floor"],
                percent_of_floor=100 * best["floor"] / best["add"],
            )
        )
    return rows


def load_floor(site: str) -> Callable[[list[int]], int]:
    """The floor loop, from the C module built with ADDLIST_BENCH_FLOOR, under a name of its
    own so that it can sit beside the module being measured."""
    (path,) = Path(site, "addlist").glob("_core*.so")
    spec = importlib.util.spec_from_file_location("addlist_floor._core", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._memory_floor  # type: ignore[no-any-return]


def run_worker(module_name: str, site: str | None, floor_site: str) -> None:
    if site:
        sys.path.insert(0, site)
    sys.path.append(floor_site)  # its addlist._errors, for a worker without addlist
    module = importlib.import_module(module_name)
    info = {
        "module": module_name,
        "file": str(getattr(module, "__file__", "")),
        "limited_api": bool(getattr(module, "LIMITED_API", False)),
        "rows": [asdict(row) for row in measure(module.add, load_floor(floor_site))],
    }
    json.dump(info, sys.stdout)


def combined(per_run: list[Timing]) -> CaseResult:
    """One case's timings over the runs: the median ns, and every run's ratios."""
    return CaseResult(
        case=per_run[0].case,
        items=per_run[0].items,
        sum_ns_per_item=statistics.median(t.sum_ns_per_item for t in per_run),
        floor_ns_per_item=statistics.median(t.floor_ns_per_item for t in per_run),
        add_ns_per_item=statistics.median(t.add_ns_per_item for t in per_run),
        speedup_per_run=tuple(t.speedup for t in per_run),
        floor_speedup_per_run=tuple(t.floor_speedup for t in per_run),
        percent_of_floor_per_run=tuple(t.percent_of_floor for t in per_run),
    )


def run_variant(name: str, site: str | None, floor_site: str, runs: int) -> VariantResult:
    """Runs the worker `runs` times; each figure is the median over the runs, and each ratio
    keeps its values per run."""
    module = IMPLEMENTATIONS[name.split("-", maxsplit=1)[0]].module
    command = [sys.executable, __file__, "--worker", module, "--floor", floor_site]
    if site:
        command += ["--site", site]
    measured = []
    for run in range(1, runs + 1):
        started = time.monotonic()
        print(f"[bench] {name}: run {run}/{runs} of {module} ...", flush=True, file=sys.stderr)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"[bench] {name} failed:\n{done.stderr}")
        elapsed = time.monotonic() - started
        print(f"[bench] {name}: run {run}/{runs} done in {elapsed:.0f} s", file=sys.stderr)
        measured.append(json.loads(done.stdout))
    per_case = zip(*([Timing(**row) for row in result["rows"]] for result in measured))
    cases = [combined(list(per_run)) for per_run in per_case]
    first = measured[0]
    return VariantResult(
        name=name,
        module=first["module"],
        file=first["file"],
        limited_api=first["limited_api"],
        runs=runs,
        cases=tuple(cases),
    )


def spread(values: Sequence[float], unit: str, digits: int) -> str:
    """A range over runs: `2.31-2.58x`, or one figure when they agree."""
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return f"{low}{unit}" if low == high else f"{low}-{high}{unit}"


def verdicts(results: Sequence[VariantResult]) -> list[str]:
    """Against the floor: not slower than sum() anywhere; the version-specific native builds
    at FLOOR_GOAL percent of the floor or better on every case."""
    lines = []
    for result in results:
        name = result.name
        if name == "reference":
            continue
        rows = result.cases
        slowest = min(rows, key=lambda row: min(row.speedup_per_run))
        lowest = min(slowest.speedup_per_run)
        lines.append(
            f"{name}: not slower than sum() on any case: {'met' if lowest >= 1.0 else 'MISSED'} "
            f"(lowest {lowest:.2f}x, {slowest.case})"
        )
        if name.endswith("abi3"):
            continue
        short = [
            f"{row.case} {spread(row.percent_of_floor_per_run, '%', 0)}"
            for row in rows
            if min(row.percent_of_floor_per_run) < FLOOR_GOAL
        ]
        lines.append(
            f"{name}: at least {FLOOR_GOAL:.0f}% of the floor on every case: "
            + ("met" if not short else "MISSED on " + "; ".join(short))
        )
    return lines


def cpu_name() -> str:
    """The CPU model, for the table's heading: /proc/cpuinfo on Linux, else platform."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def table(results: Sequence[VariantResult]) -> str:
    cases = [row.case for row in results[0].cases]
    header = "| implementation | " + " | ".join(cases) + " |"
    lines = [header, "|" + "---|" * (len(cases) + 1)]
    first = results[0].cases
    lines.append(
        "| builtin sum() | " + " | ".join(f"{r.sum_ns_per_item:.2f} ns" for r in first) + " |"
    )
    floor_cells = [
        f"{r.floor_ns_per_item:.2f} ns ({spread(r.floor_speedup_per_run, 'x', 2)})" for r in first
    ]
    lines.append("| memory floor (calibration) | " + " | ".join(floor_cells) + " |")
    for result in results:
        cells = [
            f"{row.add_ns_per_item:.2f} ns ({spread(row.speedup_per_run, 'x', 2)}; "
            f"{spread(row.percent_of_floor_per_run, '%', 0)} of floor)"
            for row in result.cases
        ]
        lines.append(f"| {result.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="*", metavar="NAME=SITE_DIR")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--runs", type=int, default=3, help="worker runs per variant")
    parser.add_argument(
        "--floor", required=True, help="site dir of the C module built with ADDLIST_BENCH_FLOOR"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--site", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args.worker, args.site, args.floor)
        return

    pairs = [variant.split("=", 1) for variant in args.variants]
    unknown = [name for name, _ in pairs if name.split("-")[0] not in IMPLEMENTATIONS]
    if unknown:
        choices = sorted(IMPLEMENTATIONS)
        parser.error(f"unknown variants {unknown}: names start with one of {choices}")
    reference_site = dict(pairs).get("c")  # the reference ships in the addlist package
    results = [run_variant(name, site, args.floor, args.runs) for name, site in pairs]
    results.append(run_variant("reference", reference_site, args.floor, args.runs))

    machine = f"{platform.machine()}, {cpu_name()}, {os.cpu_count()} cores"
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    python = f"CPython {platform.python_version()}"
    print(
        f"\nns per item, median of {args.runs} runs (speed-up over sum() and share of the floor's"
        f" speed, each measured in the same process: range over the runs); {stamp}, {python},"
        f" {machine}\n"
    )
    print(table(results))
    print()
    print("\n".join(verdicts(results)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "date": stamp,
            "python": python,
            "machine": machine,
            "results": [asdict(result) for result in results],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"\n[bench] results written to {args.json}")


if __name__ == "__main__":
    main()
