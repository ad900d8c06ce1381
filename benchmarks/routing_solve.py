"""Routing solve time: the hook to the routing issue's own benchmark, `benchmarks/routing_bench.py`.

The solver is benchmarked by the routing issue, not here. When that module is in the tree this hook
runs it as a process (`python -m benchmarks.routing_bench [--smoke]`), reads the JSON it writes
(`benchmarks/results/routing[-smoke].json`) and keeps its timing table. When it is absent or fails,
the result says "not measured" and why; no number is ever made up here.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["measure_routing_solve"]

_RESULTS = Path(__file__).parent / "results"
_KEPT = ("profile", "calls", "units", "runs", "plan_ms_median", "plan_ms_p99", "proven_optimal")


def measure_routing_solve(
    *, smoke: bool, timeout_s: float = 600.0, module: str = "benchmarks.routing_bench"
) -> dict[str, Any]:
    if importlib.util.find_spec(module) is None:
        return {"measured": False, "reason": f"{module} (routing issue) is not in this tree yet"}
    argv = [sys.executable, "-m", module, *(["--smoke"] if smoke else [])]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {
            "measured": False,
            "reason": f"{module} did not finish within {timeout_s:.0f}s",
        }
    path = _RESULTS / ("routing-smoke.json" if smoke else "routing.json")
    if done.returncode != 0 or not path.exists():
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        return {
            "measured": False,
            "reason": f"{module} failed (code {done.returncode}): {tail}",
        }
    try:
        timing = json.loads(path.read_text()).get("timing", [])
    except (OSError, json.JSONDecodeError) as error:
        return {"measured": False, "reason": f"could not read {path.name}: {error}"}
    return {
        "measured": True,
        "source": f"benchmarks/results/{path.name}",
        "timing": [{k: t[k] for k in _KEPT if k in t} for t in timing],
    }
