"""`whatif.png`: coverage against staff, one line per response model, with the Erlang-B baseline.

Matplotlib (the optional `whatif` extra), drawn off-screen (Agg backend).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from whatif.summary import ScenarioSummary

__all__ = ["plot_coverage"]


def plot_coverage(summaries: Sequence[ScenarioSummary], path: Path, *, covered_wait_min: float) -> None:
    """Coverage (95% interval as error bars) by clinician FTE, each point labeled with its teams."""
    import matplotlib  # noqa: PLC0415 - optional extra, imported only when plotting

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    by_model: dict[str, list[ScenarioSummary]] = {}
    for s in summaries:
        by_model.setdefault(s.scenario.model, []).append(s)
    figure, axes = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    for (model, unordered), color in zip(sorted(by_model.items()), ("C0", "C1", "C2"), strict=False):
        runs = sorted(unordered, key=lambda s: s.fte)
        fte = [s.fte for s in runs]
        coverage = [100 * s.coverage for s in runs]
        low = [100 * (s.coverage - s.coverage_ci[0]) for s in runs]
        high = [100 * (s.coverage_ci[1] - s.coverage) for s in runs]
        axes.errorbar(
            fte, coverage, yerr=[low, high], marker="o", capsize=3, color=color, label=f"{model} (replay)"
        )
        axes.plot(
            fte,
            [100 * s.erlang_b_coverage for s in runs],
            "--",
            color=color,
            alpha=0.6,
            label=f"{model} (Erlang B)",
        )
        for s in runs:
            axes.annotate(
                f"{s.scenario.teams}",
                (s.fte, 100 * s.coverage),
                textcoords="offset points",
                xytext=(4, -12),
                fontsize=8,
            )
    shifts = ",".join(x.label for x in summaries[0].scenario.shifts) if summaries else ""
    axes.set_xlabel("clinician FTE (teams per shift x hours / 24 x relief factor)")
    axes.set_ylabel(f"eligible calls covered within {covered_wait_min:g} min (%)")
    axes.set_title(f"Staffing what-if, shifts {shifts}: coverage against staff")
    axes.set_ylim(0, 100)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
