"""Benchmark of co-responder assignment: solve time by size, gap to a proven optimum, and the gain over
closest-unit dispatch (what a CAD does), all measured side by side in one run on synthetic regions.

    python -m benchmarks.routing_bench            # full run, ~30 s on 2 cores
    python -m benchmarks.routing_bench --smoke    # a few seconds, for CI

Writes benchmarks/results/routing.json and routing.png (routing-smoke.* with --smoke) and prints
the tables. Instances are synthetic: a county of ~80 x 60 km (Larimer-sized), 70% of calls around
three towns and 30% anywhere, units spread uniformly, priority 1..5, triage score 0.4..1.

- Timing: `assign_units` end to end (candidates + pruning + min-cost flow + read back) and the
  min-cost-flow part alone, for (calls x units) = 1x20, 20x200, 100x1000, 500x2000, unit capacity
  1-2, the service's default options.
- Optimum: scipy's `linear_sum_assignment` on the unpruned problem expanded to one column per unit
  slot (each slot priced with its convex caseload cost) plus one "stay queued" column per call. It
  minimises the same objective as the engine (`routing.candidates.objective`).
- Greedy: most urgent call first (`closest_unit_dispatch`) and oldest call first
  (`arrival_order_dispatch`), each call to its closest compatible unit with a free slot.
  Scarce: capacity-1 units, units = 1.2 x calls; plentiful: units = 4 x calls.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import ortools
from scipy.optimize import linear_sum_assignment

from routing.assignment import (
    arcs_per_call,
    assign_units,
    plan_candidates,
    pruned_arcs,
    solve_min_cost_flow,
)
from routing.candidates import Candidates, best_units, build_candidates, objective
from routing.greedy import arrival_order_dispatch, closest_unit_dispatch
from routing.plan import AssignmentOptions, AssignmentPlan, CallDemand, UnitSupply
from routing.travel import HaversineTravel
from schemas.decisions import Response
from schemas.units import ResponseModel

RESULTS = Path(__file__).parent / "results"
TRAVEL = HaversineTravel()
OPTIONS = AssignmentOptions()
FAST = replace(OPTIONS, k_nearest=24, pricing_rounds=0)
"""Latency profile: a wider prune, one solve, no proof (CORESPOND_K_NEAREST=24 CORESPOND_PRICING_ROUNDS=0)."""
COUNTY = (40.25, 40.95, -105.45, -104.75)
TOWNS = ((40.585, -105.084), (40.398, -105.075), (40.481, -104.901))
FORBIDDEN = 1e12
GAP_INSTANCES = 5
METHODS = ("optimum", "optimized", "optimized_fast", "greedy_priority", "greedy_arrival")


def region(
    rng: np.random.Generator, calls: int, units: int, capacity: tuple[int, int]
) -> tuple[list[CallDemand], list[UnitSupply]]:
    """A random county: clustered calls, uniform units with 1..capacity free slots."""
    south, north, west, east = COUNTY
    town = rng.integers(0, len(TOWNS), calls)
    clustered = rng.random(calls) < 0.7
    centre = np.array(TOWNS)[town]
    lat = np.where(clustered, centre[:, 0] + rng.normal(0, 0.045, calls), rng.uniform(south, north, calls))
    lon = np.where(clustered, centre[:, 1] + rng.normal(0, 0.06, calls), rng.uniform(west, east, calls))
    demands = [
        CallDemand(
            call_id=f"C{j:05d}",
            agency="LCSO",
            lat=float(lat[j]),
            lon=float(lon[j]),
            priority=int(rng.integers(1, 6)),
            score=float(rng.uniform(0.4, 1.0)),
            response=Response.CO_RESPONSE_ANY,
            waiting_s=float(rng.uniform(0, 1800)),
        )
        for j in range(calls)
    ]
    supplies = [
        UnitSupply(
            unit_id=f"U{i:05d}",
            agency="LCSO",
            model=ResponseModel.PRIMARY,
            jurisdictions=frozenset({"LCSO"}),
            lat=float(rng.uniform(south, north)),
            lon=float(rng.uniform(west, east)),
            free_slots=int(rng.integers(capacity[0], capacity[1] + 1)),
        )
        for i in range(units)
    ]
    return demands, supplies


def optimum(cand: Candidates, options: AssignmentOptions) -> tuple[float, npt.NDArray[np.int64]]:
    """Proven optimum of the unpruned problem by linear assignment over (calls) x (unit slots + queue)."""
    n, m = cand.cost_s.shape
    slot_unit = np.repeat(np.arange(m), cand.slots)
    slot_k = np.arange(slot_unit.size) - np.repeat(np.cumsum(cand.slots) - cand.slots, cand.slots)
    weighted = cand.weight[:, None] * cand.cost_s[:, slot_unit]
    weighted += options.caseload_s * (cand.load[slot_unit] + slot_k)[None, :]
    weighted[~np.isfinite(weighted)] = FORBIDDEN
    queue = np.full((n, n), FORBIDDEN)
    np.fill_diagonal(queue, cand.weight * options.unplaced_s)
    matrix = np.hstack([weighted, queue])
    rows, cols = linear_sum_assignment(matrix)
    assert matrix[rows, cols].max() < FORBIDDEN
    chosen = np.full(n, -1, dtype=np.int64)
    placed = cols < slot_unit.size
    chosen[rows[placed]] = slot_unit[cols[placed]]
    return objective(cand, chosen, options), chosen


def chosen_of(plan: AssignmentPlan, cand: Candidates) -> npt.NDArray[np.int64]:
    column = {u.unit_id: i for i, u in enumerate(cand.units)}
    return np.array(
        [
            -1 if (unit_id := plan.placements[c.call_id].unit_id) is None else column[unit_id]
            for c in cand.calls
        ],
        dtype=np.int64,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    objective: float
    weighted_travel: float
    p90_travel_s: float
    queued: int


def outcome(cand: Candidates, chosen: npt.NDArray[np.int64], options: AssignmentOptions) -> Outcome:
    placed = np.flatnonzero(chosen >= 0)
    eta = cand.eta_s[placed, chosen[placed]]
    return Outcome(
        objective=objective(cand, chosen, options),
        weighted_travel=float(np.sum(cand.weight[placed] * eta)),
        p90_travel_s=float(np.percentile(eta, 90)) if eta.size else 0.0,
        queued=int(np.sum(chosen < 0)),
    )


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1e3


def timing(
    sizes: Sequence[tuple[int, int, int]], seed: int, options: AssignmentOptions, profile: str
) -> list[dict[str, Any]]:
    """Per size: end-to-end plan time, min-cost-flow time, arcs, and gap to the optimum on a few instances."""
    rows: list[dict[str, Any]] = []
    for n, m, reps in sizes:
        rng = np.random.default_rng(seed + n * 7 + m)
        plan_ms, optimize_ms, candidates_ms, mcf_ms, arcs, gaps, proven = [], [], [], [], [], [], []
        for rep in range(reps):
            calls, units = region(rng, n, m, (1, 2))
            plan_ms.append(timed(partial(assign_units, calls, units, TRAVEL, options)))
            candidates_ms.append(timed(partial(build_candidates, calls, units, TRAVEL, options)))
            cand = build_candidates(calls, units, TRAVEL, options)
            optimize_ms.append(timed(partial(plan_candidates, cand, options)))
            per_call = arcs_per_call(n, len(cand.units), options)
            assert per_call is not None
            call_arcs, unit_arcs = pruned_arcs(cand, best_units(cand.cost_s, per_call))
            mcf_ms.append(timed(partial(solve_min_cost_flow, cand, call_arcs, unit_arcs, options)))
            arcs.append(int(call_arcs.size + cand.slots[np.unique(unit_arcs)].sum() + 2 * n))
            plan = plan_candidates(cand, options)
            proven.append(plan.optimal)
            if rep < GAP_INSTANCES:
                best, _ = optimum(cand, options)
                gaps.append(objective(cand, chosen_of(plan, cand), options) / best - 1.0)
        rows.append(
            {
                "profile": profile,
                "calls": n,
                "units": m,
                "runs": reps,
                "plan_ms_median": float(np.median(plan_ms)),
                "plan_ms_p99": float(np.percentile(plan_ms, 99)),
                "candidates_ms_median": float(np.median(candidates_ms)),
                "optimize_ms_median": float(np.median(optimize_ms)),
                "optimize_ms_p99": float(np.percentile(optimize_ms, 99)),
                "first_mcf_ms_median": float(np.median(mcf_ms)),
                "first_mcf_arcs_median": float(np.median(arcs)),
                "arcs_per_ms_p01": float(np.percentile(np.array(arcs) / np.array(mcf_ms), 1)),
                "gap_to_optimum_max": float(max(gaps)),
                "gap_to_optimum_mean": float(np.mean(gaps)),
                "gap_instances": len(gaps),
                "proven_optimal": f"{sum(proven)}/{len(proven)}",
                "plan_ms": plan_ms,
                "optimize_ms": optimize_ms,
            }
        )
    return rows


def quality(classes: Sequence[tuple[str, int, float, int]], seed: int) -> list[dict[str, Any]]:
    """Optimized vs greedy vs optimum on scarce and plentiful regions (capacity-1 units)."""
    rows: list[dict[str, Any]] = []
    options = OPTIONS
    for name, n, units_per_call, instances in classes:
        rng = np.random.default_rng(seed + n + int(units_per_call * 10))
        per: dict[str, list[Outcome]] = {label: [] for label in METHODS}
        for _ in range(instances):
            calls, units = region(rng, n, round(n * units_per_call), (1, 1))
            cand = build_candidates(calls, units, TRAVEL, options)
            _, best = optimum(cand, options)
            per["optimum"].append(outcome(cand, best, options))
            for label, planner, planner_options in (
                ("optimized", assign_units, options),
                ("optimized_fast", assign_units, FAST),
                ("greedy_priority", closest_unit_dispatch, options),
                ("greedy_arrival", arrival_order_dispatch, options),
            ):
                plan = planner(calls, units, TRAVEL, planner_options)
                per[label].append(outcome(cand, chosen_of(plan, cand), options))
        base = per["optimum"]
        row: dict[str, Any] = {"class": name, "calls": n, "units": round(n * units_per_call)}
        row["instances"] = instances
        for label, results in per.items():
            cost_ratio = [r.weighted_travel / b.weighted_travel for r, b in zip(results, base, strict=True)]
            p90_ratio = [r.p90_travel_s / b.p90_travel_s for r, b in zip(results, base, strict=True)]
            row[label] = {
                "weighted_travel_vs_optimum_mean": float(np.mean(cost_ratio)),
                "weighted_travel_vs_optimum_min": float(np.min(cost_ratio)),
                "weighted_travel_vs_optimum_max": float(np.max(cost_ratio)),
                "p90_travel_vs_optimum_mean": float(np.mean(p90_ratio)),
                "p90_travel_s_mean": float(np.mean([r.p90_travel_s for r in results])),
                "queued_total": int(sum(r.queued for r in results)),
                "ratios": cost_ratio,
            }
        optimized = np.array([r.weighted_travel for r in per["optimized"]])
        for label in ("greedy_priority", "greedy_arrival"):
            greedy = np.array([r.weighted_travel for r in per[label]])
            greedy_p90 = np.array([r.p90_travel_s for r in per[label]])
            optimized_p90 = np.array([r.p90_travel_s for r in per["optimized"]])
            row[f"optimized_cheaper_than_{label}_mean"] = float(np.mean(1 - optimized / greedy))
            row[f"optimized_cheaper_than_{label}_min"] = float(np.min(1 - optimized / greedy))
            row[f"{label}_p90_longer_than_optimized_mean"] = float(np.mean(greedy_p90 / optimized_p90 - 1))
        rows.append(row)
    return rows


def plot(timings: list[dict[str, Any]], qualities: list[dict[str, Any]], path: Path) -> None:
    import matplotlib  # noqa: PLC0415 - optional extra, imported only when plotting

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    labels = [f"{t['calls']}x{t['units']}" + ("\nfast" if t["profile"] == "fast" else "") for t in timings]
    x = np.arange(len(timings))
    left.bar(x - 0.2, [t["plan_ms_median"] for t in timings], 0.4, label="plan (end to end), median")
    left.bar(
        x + 0.2, [t["optimize_ms_median"] for t in timings], 0.4, label="optimize (MCF + pricing), median"
    )
    left.scatter(x - 0.2, [t["plan_ms_p99"] for t in timings], marker="_", s=300, color="k", label="plan p99")
    left.axhline(50, color="r", linestyle="--", linewidth=1, label="50 ms target (500x2000)")
    left.set_yscale("log")
    left.set_xticks(x, labels)
    left.set_xlabel("calls x units")
    left.set_ylabel("ms")
    left.set_title("Solve time")
    left.legend(fontsize=8)
    groups = [(q["class"], label) for q in qualities for label in METHODS[1:]]
    data = [next(q for q in qualities if q["class"] == c)[label]["ratios"] for c, label in groups]
    short = {
        "optimized": "engine",
        "optimized_fast": "fast",
        "greedy_priority": "greedy\nurgent",
        "greedy_arrival": "greedy\noldest",
    }
    right.boxplot(data, tick_labels=[f"{short[label]}\n{c}" for c, label in groups])
    right.axhline(1.0, color="k", linewidth=0.8)
    right.set_ylabel("weighted travel / proven optimum")
    right.set_title("Cost vs optimum (scarce: 1.2 units per call; plentiful: 4)")
    right.tick_params(axis="x", labelsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="tiny run (a few seconds) for CI")
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args(argv)
    if args.smoke:
        sizes = [(1, 20, 10), (20, 200, 5), (100, 1000, 3)]
        fast_sizes = [(100, 1000, 3)]
        classes = [("scarce", 40, 1.2, 3), ("plentiful", 40, 4.0, 3)]
        stem = "routing-smoke"
    else:
        sizes = [(1, 20, 300), (20, 200, 200), (100, 1000, 60), (500, 2000, 40)]
        fast_sizes = [(100, 1000, 60), (500, 2000, 40)]
        classes = [("scarce", 100, 1.2, 30), ("plentiful", 100, 4.0, 30)]
        stem = "routing"
    started = time.perf_counter()
    timings = timing(sizes, args.seed, OPTIONS, "default") + timing(fast_sizes, args.seed, FAST, "fast")
    qualities = quality(classes, args.seed)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "ortools": ortools.__version__,
            "platform": platform.platform(),
        },
        "profiles": {
            name: {
                "k_nearest": o.k_nearest,
                "pricing_rounds": o.pricing_rounds,
                "budget_ms": o.solver_budget_ms,
            }
            for name, o in (("default", OPTIONS), ("fast", FAST))
        },
        "seed": args.seed,
        "timing": timings,
        "quality": qualities,
        "wall_s": time.perf_counter() - started,
    }
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n")
    plot(timings, qualities, RESULTS / f"{stem}.png")
    print_tables(timings, qualities)
    print(f"\nwrote {RESULTS / stem}.json and .png in {report['wall_s']:.0f} s")


def print_tables(timings: list[dict[str, Any]], qualities: list[dict[str, Any]]) -> None:
    print(
        "| profile | calls x units | plan median ms | plan p99 ms | candidates ms | optimize median ms "
        "| optimize p99 ms | first MCF ms (arcs) | proven optimal | gap to LSA optimum (max) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for t in timings:
        print(
            f"| {t['profile']} | {t['calls']}x{t['units']} "
            f"| {t['plan_ms_median']:.1f} | {t['plan_ms_p99']:.1f} "
            f"| {t['candidates_ms_median']:.1f} | {t['optimize_ms_median']:.1f} | {t['optimize_ms_p99']:.1f} "
            f"| {t['first_mcf_ms_median']:.1f} ({t['first_mcf_arcs_median']:.0f}) | {t['proven_optimal']} "
            f"| {100 * t['gap_to_optimum_max']:.3f}% ({t['gap_instances']} inst.) |"
        )
    print()
    print(
        "| class | method | weighted travel / optimum: mean (max) | p90 travel s | p90 / optimum | queued |"
    )
    print("|---|---|---|---|---|---|")
    for q in qualities:
        for label in METHODS:
            r = q[label]
            ratio = f"{r['weighted_travel_vs_optimum_mean']:.4f} ({r['weighted_travel_vs_optimum_max']:.4f})"
            print(
                f"| {q['class']} {q['calls']}x{q['units']} | {label} | {ratio} "
                f"| {r['p90_travel_s_mean']:.0f} | {r['p90_travel_vs_optimum_mean']:.3f} "
                f"| {r['queued_total']} |"
            )
    print()
    for q in qualities:
        cheaper = 100 * q["optimized_cheaper_than_greedy_priority_mean"]
        print(
            f"{q['class']}: optimized is {cheaper:.1f}% cheaper "
            f"(min {100 * q['optimized_cheaper_than_greedy_priority_min']:.1f}%) than priority greedy, "
            f"{100 * q['optimized_cheaper_than_greedy_arrival_mean']:.1f}% than arrival greedy; greedy p90 "
            f"+{100 * q['greedy_priority_p90_longer_than_optimized_mean']:.1f}% (priority), "
            f"+{100 * q['greedy_arrival_p90_longer_than_optimized_mean']:.1f}% (arrival)"
        )


if __name__ == "__main__":
    main()
