"""`whatif.png`: coverage against staff, one line per response model, with the Erlang-B baseline.

Drawn from the scenarios as `whatif.json` holds them, so a saved report can be drawn again
(`plot_coverage(json.load(...)["scenarios"], path)`). Matplotlib (the optional `whatif` extra),
off-screen (Agg backend).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["plot_coverage"]


def plot_coverage(scenarios: Sequence[Mapping[str, Any]], path: Path, *, covered_wait_min: float) -> None:
    """Coverage (95% interval as error bars) by clinician FTE, each point labeled with its teams."""
    import matplotlib  # noqa: PLC0415 - optional extra, imported only when plotting

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    by_model: dict[str, list[Mapping[str, Any]]] = {}
    for s in scenarios:
        by_model.setdefault(s["model"], []).append(s)
    figure, axes = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    for (model, unordered), color in zip(sorted(by_model.items()), ("C0", "C1", "C2"), strict=False):
        runs = sorted(unordered, key=lambda s: s["fte"])
        fte = [s["fte"] for s in runs]
        coverage = [100 * s["coverage"] for s in runs]
        low = [100 * (s["coverage"] - s["coverage_ci"][0]) for s in runs]
        high = [100 * (s["coverage_ci"][1] - s["coverage"]) for s in runs]
        axes.errorbar(
            fte, coverage, yerr=[low, high], marker="o", capsize=3, color=color, label=f"{model} teams"
        )
        for s in runs:
            at = (s["fte"], 100 * s["coverage"])
            axes.annotate(f"{s['teams']}/shift", at, textcoords="offset points", xytext=(5, -12), fontsize=8)
    # The loss model knows no response model: one line for all.
    baseline = sorted({(s["fte"], s["erlang_b_coverage"]) for s in scenarios})
    axes.plot(
        [f for f, _ in baseline],
        [100 * c for _, c in baseline],
        "--",
        color="0.45",
        label="Erlang B loss model (no waiting, hour by hour)",
    )
    shifts = ",".join(scenarios[0]["shifts"]) if scenarios else ""
    axes.set_xlabel("clinician FTE (teams per shift x hours / 24 x relief factor)")
    axes.set_ylabel(f"eligible calls covered within {covered_wait_min:g} min (%)")
    axes.set_title(f"Staffing what-if, shifts {shifts}: coverage against staff")
    axes.set_ylim(0, 100)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
