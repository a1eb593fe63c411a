"""Shared by the benchmark scripts: the machine they ran on, medians, tables and JSON output.

Benchmarks print their figures; they are never part of the test run.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence


def machine() -> dict:
    """Cores, processor, Python, torch and thread settings of this run."""
    info = {"cores": os.cpu_count(), "processor": _cpu_name(), "python": platform.python_version()}
    try:
        import torch

        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        info |= {"torch": torch.__version__, "torch_threads": torch.get_num_threads(), "cuda": gpu}
    except ImportError:
        pass
    return info


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def median(xs: Sequence[float]) -> float:
    xs = [x for x in xs if x == x]  # drop NaN
    return statistics.median(xs) if xs else float("nan")


def table(rows: list[dict], columns: Sequence[str]) -> str:
    """A plain-text (also valid markdown) table of `rows` restricted to `columns`."""

    def fmt(v) -> str:
        if isinstance(v, float):
            return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
        return str(v)

    cells = [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = lambda vals: "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(columns), sep, *(line(r) for r in cells)])


def report(name: str, rows: list[dict], columns: Sequence[str], extra: dict | None = None) -> None:
    """Print the machine, the table and one JSON line with everything."""
    m = machine()
    print(f"# {name}")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    print(table(rows, columns))
    print("JSON " + json.dumps({"benchmark": name, "machine": m, "rows": rows, **(extra or {})}))
    sys.stdout.flush()
