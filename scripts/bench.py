"""Benchmark: add() of every implementation against the builtin sum(), measured side by side.

Usage (normally through `scripts/bench`, which builds the variants first):

    python scripts/bench.py [--json FILE] NAME=SITE_DIR [NAME=SITE_DIR ...]

Each NAME=SITE_DIR is one installed build (e.g. `c-abi3=build/bench/site/c-abi3`). Every
build runs in worker processes of its own, which time sum() and add() on the same lists,
interleaved, and keep the best of several rounds; the ratio to sum() is taken inside one
process, so machine noise affects both sides alike. Each worker runs --runs times (fresh
processes lay out the lists' int objects differently in memory, which moves the figures
by up to 10% here) and the table shows the median of each figure. `reference` is always
added.
"""

from __future__ import annotations

import argparse
import importlib
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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

#: The module that holds add() for a variant name's prefix.
MODULES = {"c": "addlist._core", "rust": "addlist_rs._core", "reference": "addlist._reference"}
REPEATS = 7
TARGET_SECONDS_PER_REPEAT = 0.05
#: Speed-up over sum() the issue asks for on the 1,000,000-item list, per implementation.
LARGE_LIST_TARGETS = {"c": 3.0, "rust": 2.5}
LARGE_CASE = "1,000,000 small ints"


def make_cases() -> dict[str, list[int]]:
    """The inputs: call overhead, cache-resident, memory-bound, latency-bound, big ints."""
    large = list(range(1_000_000))
    shuffled = large.copy()
    random.Random(2026).shuffle(shuffled)  # pointer chasing: every item is a cache miss
    mixed = [2**64 + i if i % 10 == 0 else i for i in range(100_000)]
    return {
        "10 small ints": list(range(10)),
        "1,000 small ints": list(range(1000)),
        LARGE_CASE: large,
        "1,000,000 shuffled": shuffled,
        "100,000 with 10% big ints": mixed,
    }


def best_time(function: Callable[[list[int]], int], values: list[int], number: int) -> float:
    timer = timeit.Timer("function(values)", globals={"function": function, "values": values})
    return min(timer.repeat(repeat=1, number=number))


def measure(add: Callable[[list[int]], int]) -> list[dict[str, Any]]:
    """ns/item for sum() and add() on every case, interleaved so drift hits both."""
    rows = []
    for case, values in make_cases().items():
        assert add(values) == sum(values), f"add() gave a wrong result on {case}"
        per_call = max(best_time(sum, values, 1), 1e-7)
        number = max(1, int(TARGET_SECONDS_PER_REPEAT / per_call))
        sum_best = add_best = float("inf")
        best_time(sum, values, number)  # warm-up: the first round pays for cold caches
        best_time(add, values, number)
        for _ in range(REPEATS):
            sum_best = min(sum_best, best_time(sum, values, number))
            add_best = min(add_best, best_time(add, values, number))
        scale = 1e9 / number / len(values)
        rows.append(
            {
                "case": case,
                "items": len(values),
                "sum_ns_per_item": sum_best * scale,
                "add_ns_per_item": add_best * scale,
                "speedup": sum_best / add_best,
            }
        )
    return rows


def run_worker(module_name: str, site: str | None) -> None:
    if site:
        sys.path.insert(0, site)
    module = importlib.import_module(module_name)
    info = {
        "module": module_name,
        "file": str(getattr(module, "__file__", "")),
        "limited_api": bool(getattr(module, "LIMITED_API", False)),
        "rows": measure(module.add),
    }
    json.dump(info, sys.stdout)


def run_variant(name: str, site: str | None, runs: int) -> dict[str, Any]:
    """Runs the worker `runs` times; each figure is the median over the runs."""
    module = MODULES[name.split("-", maxsplit=1)[0]]
    command = [sys.executable, __file__, "--worker", module]
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
    rows = []
    for case_rows in zip(*(result["rows"] for result in measured)):
        row = dict(case_rows[0])
        for key in ("sum_ns_per_item", "add_ns_per_item", "speedup"):
            row[key] = statistics.median(r[key] for r in case_rows)
        row["speedup_per_run"] = [r["speedup"] for r in case_rows]
        rows.append(row)
    return {**measured[0], "name": name, "runs": runs, "rows": rows}


def verdicts(results: Sequence[dict[str, Any]]) -> list[str]:
    """The issue's speed targets, checked against this run."""
    lines = []
    for result in results:
        name = result["name"]
        if name == "reference":
            continue
        rows = {row["case"]: row for row in result["rows"]}
        slowest = min(rows.values(), key=lambda row: row["speedup"])
        ok = slowest["speedup"] >= 1.0
        lines.append(
            f"{name}: not slower than sum() on any case: {'met' if ok else 'MISSED'} "
            f"(lowest {slowest['speedup']:.2f}x, {slowest['case']})"
        )
        target = LARGE_LIST_TARGETS.get(name)
        if target is not None:
            got = rows[LARGE_CASE]["speedup"]
            lines.append(
                f"{name}: at least {target}x on the {LARGE_CASE} list: "
                f"{'met' if got >= target else 'MISSED'} ({got:.2f}x)"
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


def table(results: Sequence[dict[str, Any]]) -> str:
    cases = [row["case"] for row in results[0]["rows"]]
    header = "| implementation | " + " | ".join(cases) + " |"
    lines = [header, "|" + "---|" * (len(cases) + 1)]
    sums = [row["sum_ns_per_item"] for row in results[0]["rows"]]
    lines.append("| builtin sum() | " + " | ".join(f"{ns:.2f} ns" for ns in sums) + " |")
    for result in results:
        cells = [
            f"{row['add_ns_per_item']:.2f} ns ({row['speedup']:.2f}x)" for row in result["rows"]
        ]
        lines.append(f"| {result['name']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="*", metavar="NAME=SITE_DIR")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--runs", type=int, default=3, help="worker runs per variant")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--site", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args.worker, args.site)
        return

    pairs = [variant.split("=", 1) for variant in args.variants]
    unknown = [name for name, _ in pairs if name.split("-")[0] not in MODULES]
    if unknown:
        parser.error(f"unknown variants {unknown}: names start with one of {sorted(MODULES)}")
    reference_site = dict(pairs).get("c")  # the reference ships in the addlist package
    results = [run_variant(name, site, args.runs) for name, site in pairs]
    results.append(run_variant("reference", reference_site, args.runs))

    machine = f"{platform.machine()}, {cpu_name()}, {os.cpu_count()} cores"
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    python = f"CPython {platform.python_version()}"
    print(
        f"\nns per item (speed-up over sum() in the same process), median of {args.runs} runs;"
        f" {stamp}, {python}, {machine}\n"
    )
    print(table(results))
    print()
    print("\n".join(verdicts(results)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {"date": stamp, "python": python, "machine": machine, "results": results}
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"\n[bench] results written to {args.json}")


if __name__ == "__main__":
    main()
