"""The suite's outputs: target checks, the JSON result, the Markdown report and the PNG plots.

Everything here works on the JSON-shaped result dict the suite writes, so a report can be rendered
again from a saved `benchmarks/results/e2e.json` (`python -m benchmarks.report PATH`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "TargetCheck",
    "evaluate_targets",
    "find_latency",
    "render_markdown",
    "write_outputs",
    "write_plots",
]

Result = dict[str, Any]

BACKLOG_SLOPE_MS_PER_S = 1.0
"""A burst shows no growing backlog when its latency trend stays under this (60 ms over 60 s)."""


@dataclass(frozen=True, slots=True)
class TargetCheck:
    name: str
    target: str
    measured: str
    met: bool | None
    """None: not measured in this run (e.g. a smoke run does not offer 1,000 events/s)."""


def find_latency(result: Result, target: str, rate: float, *, burst: bool) -> dict[str, Any] | None:
    for run in result.get("latency", []):
        if run["target"] == target and run["rate_per_s"] == rate and run["burst"] == burst:
            found: dict[str, Any] = run
            return found
    return None


def _fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def _check(
    name: str, target: str, value: float | None, limit: float, *, at_least: bool, unit: str
) -> TargetCheck:
    if value is None:
        return TargetCheck(name, target, "not measured", None)
    met = value >= limit if at_least else value <= limit
    return TargetCheck(name, target, _fmt(value, 1, unit), met)


def _ratio_check(result: Result, rate: float) -> TargetCheck:
    """The service's p99 over the no-op pipeline's, measured in the same run at the same rate."""
    name = f"p99 event->decision at {rate:,.0f} events/s vs the no-op pipeline"
    service = find_latency(result, "service", rate, burst=False)
    noop = find_latency(result, "noop", rate, burst=False)
    if service is None or noop is None or not service["kafka"]["p99_ms"] or not noop["kafka"]["p99_ms"]:
        return TargetCheck(name, "<= 1.2x", "not measured", None)
    value = service["kafka"]["p99_ms"] / noop["kafka"]["p99_ms"]
    measured = f"{value:.2f}x ({_fmt(service['kafka']['p99_ms'])} vs {_fmt(noop['kafka']['p99_ms'])} ms)"
    return TargetCheck(name, "<= 1.2x", measured, value <= 1.2)


def evaluate_targets(result: Result) -> list[TargetCheck]:
    """The issue's targets against what this run measured; unmeasured ones are said to be so."""
    checks: list[TargetCheck] = []
    drain = result.get("drain") or {}
    service_drain = (drain.get("service") or {}).get("events_per_s")
    checks.append(
        _check("drain rate", ">= 10,000 events/s", service_drain, 10_000, at_least=True, unit=" ev/s")
    )
    drain_ratio = drain.get("ratio")
    checks.append(
        _check(
            "drain vs no-op",
            ">= 30% of the no-op pipeline",
            None if drain_ratio is None else drain_ratio * 100,
            30.0,
            at_least=True,
            unit="%",
        )
    )
    checks.extend(_ratio_check(result, rate) for rate in (250.0, 1000.0, 2500.0))
    quiet = find_latency(result, "service", 250.0, burst=False)
    checks.append(
        _check(
            "max event->decision at 250 events/s",
            "<= 250 ms",
            None if quiet is None else quiet["kafka"]["max_ms"],
            250.0,
            at_least=False,
            unit=" ms",
        )
    )
    reads = next(
        (
            r["call_reads"]
            for r in result.get("latency", [])
            if r["target"] == "service" and r.get("call_reads")
        ),
        None,
    )
    checks.append(
        _check(
            "p99 of GET /calls/{id} during the highest steady rate",
            "<= 20 ms",
            None if reads is None else reads["p99_ms"],
            20.0,
            at_least=False,
            unit=" ms",
        )
    )
    burst = find_latency(result, "service", 5000.0, burst=True)
    if burst is None or burst["seconds"] < 60:
        checks.append(TargetCheck("p99 in a 60 s burst at 5,000 events/s", "<= 150 ms", "not measured", None))
        checks.append(
            TargetCheck("no growing backlog in the burst", "latency trend ~ 0", "not measured", None)
        )
    else:
        checks.append(
            _check(
                "p99 in a 60 s burst at 5,000 events/s",
                "<= 150 ms",
                burst["kafka"]["p99_ms"],
                150.0,
                at_least=False,
                unit=" ms",
            )
        )
        slope = burst.get("trend_ms_per_s")
        kept_up = bool(burst.get("sentinel_read")) and slope is not None and slope <= BACKLOG_SLOPE_MS_PER_S
        checks.append(
            TargetCheck(
                "no growing backlog in the burst",
                f"latency trend <= {BACKLOG_SLOPE_MS_PER_S:g} ms/s and every event decided",
                f"{_fmt(slope, 2)} ms/s, sentinel {'read' if burst.get('sentinel_read') else 'NOT read'}",
                kept_up,
            )
        )
    memory = (result.get("memory") or {}).get("service_rss") or {}
    checks.append(
        _check(
            "memory per 10,000 tracked calls (service RSS)",
            "<= 25 MB",
            memory.get("mb_per_10k_calls"),
            25.0,
            at_least=False,
            unit=" MB",
        )
    )
    fanout_1000 = next((f for f in result.get("fanout", []) if f["clients"] == 1000), None)
    checks.append(
        _check(
            "WebSocket fan-out to 1,000 clients, per frame (p99 first->last client)",
            "<= 60 ms",
            None if fanout_1000 is None else fanout_1000["fanout"]["p99_ms"],
            60.0,
            at_least=False,
            unit=" ms",
        )
    )
    return checks


def _cores(used: dict[str, float] | None) -> str:
    if not used:
        return "n/a"
    return " / ".join(_fmt(used.get(name), 2) for name in ("pipeline", "broker", "generator"))


def _latency_rows(result: Result) -> list[str]:
    rows = [
        "| pipeline | offered ev/s | s | events | measured | Kafka p50 | p90 | p99 | max | WS p50 | WS p99 "
        "| done ev/s | all done | trend ms/s | send lag p99 | CPU cores pipeline / broker / generator |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in sorted(result.get("latency", []), key=lambda r: (r["rate_per_s"], r["burst"], r["target"])):
        k, w, lag = run["kafka"], run.get("websocket") or {}, run["send_lag"]
        name = run["target"] + (" (burst)" if run["burst"] else "")
        rows.append(
            f"| {name} | {run['rate_per_s']:,.0f} | {run['seconds']:g} | {run['sent']:,} | {k['count']:,} "
            f"| {_fmt(k['p50_ms'])} | {_fmt(k['p90_ms'])} | {_fmt(k['p99_ms'])} | {_fmt(k['max_ms'])} "
            f"| {_fmt(w.get('p50_ms'))} | {_fmt(w.get('p99_ms'))} "
            f"| {_fmt(run['throughput_events_per_s'], 0)} | {'yes' if run['sentinel_read'] else '**no**'} "
            f"| {_fmt(run.get('trend_ms_per_s'), 2)} | {_fmt(lag['p99_ms'])} "
            f"| {_cores(run.get('cpu_cores'))} |"
        )
    return rows


def render_markdown(result: Result, plots: Sequence[Path] = ()) -> str:
    cond = result.get("conditions", {})
    lines = [
        f"# corespond end-to-end benchmark{' (smoke)' if result.get('smoke') else ''}",
        "",
        f"Run {result.get('started_at', '?')}, {result.get('wall_s', 0):.0f} s wall. "
        f"Command: `{cond.get('command', '?')}`.",
        "",
        f"Conditions: {cond.get('cpus', '?')} CPUs, load average {cond.get('load_avg_start', '?')} "
        f"at start and "
        f"{cond.get('load_avg_end', '?')} at end (other work on the machine shares the cores), "
        f"Python {cond.get('python', '?')}, broker {cond.get('broker', '?')}. One service process; "
        f"the no-op pipeline and the load generator are separate processes on the same machine. "
        f"Client settings of both pipelines: {cond.get('client_settings', {})}. "
        f"Roster {cond.get('roster_size', '?')} units, behavioral-health share {cond.get('bh_share', '?')}, "
        f"warm-up {cond.get('warmup_s', '?')} s excluded from percentiles.",
        "",
        "Latency = time the output is read back minus the event's *scheduled* send time (open loop).",
        "",
        "## Targets",
        "",
        "| target | goal | measured | met |",
        "|---|---|---|---|",
    ]
    for check in result.get("targets", []):
        met = {True: "yes", False: "**no**", None: "not measured"}[check["met"]]
        lines.append(f"| {check['name']} | {check['target']} | {check['measured']} | {met} |")
    lines += ["", "## Event -> decision latency (ms) and throughput", "", *_latency_rows(result), ""]
    lines.append(
        "`broker`: the generator reads its own input topic back, no pipeline: the floor of every figure "
        "here (two producer/consumer hops through the broker for the pipelines, one for this). "
        "`measured`: events whose output was read back (the service publishes a decision only when a "
        "call's decision changes, so fewer than sent; the no-op outputs every event). `done ev/s`: events "
        "sent / (sentinel read back - start). `trend`: least-squares slope of latency over the run; a "
        "growing backlog shows as a positive slope. `all done`: the sentinel (the last event) was read "
        "back within 60 s of the last send. `send lag`: how late the generator itself was. `CPU cores`: "
        "CPU time of each process over the run's wall time (1.00 = one core busy all along; the machine "
        "has two, shared with whatever else runs on it); the generator is the suite's own process "
        "(sender, Kafka reader, WebSocket client)."
    )
    for run in result.get("latency", []):
        reads = run.get("call_reads")
        if reads:
            lines += [
                "",
                f"## GET /calls/{{id}} while the service takes {run['rate_per_s']:,.0f} events/s",
                "",
                f"{reads['count']:,} reads, open loop at 20/s from the same process as the generator "
                f"(`benchmarks/read_probe.py`): p50 {_fmt(reads['p50_ms'])} ms, p90 {_fmt(reads['p90_ms'])} "
                f"ms, p99 {_fmt(reads['p99_ms'])} ms, max {_fmt(reads['max_ms'])} ms; statuses "
                f"{reads.get('statuses')}, transport errors {reads.get('errors')}.",
            ]
    drain = result.get("drain")
    if drain:
        lines += [
            "",
            "## Drain (catch-up of a preloaded backlog)",
            "",
            "| pipeline | events | events/s | drain s | startup s | outputs |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name in ("service", "noop"):
            d = drain.get(name)
            if d:
                lines.append(
                    f"| {name} | {d['events']:,} | {_fmt(d['events_per_s'], 0)} | {_fmt(d['drain_s'], 2)} "
                    f"| {_fmt(d['startup_s'], 2)} | {d['outputs']:,} |"
                )
        lines.append(
            f"\nService / no-op: {_fmt(None if drain.get('ratio') is None else drain['ratio'] * 100)}%."
        )
    memory = result.get("memory")
    if memory:
        rss = memory.get("service_rss") or {}
        lines += ["", "## Memory per 10,000 tracked calls", ""]
        if rss:
            base = rss["baseline"]
            lines.append(
                f"Service RSS: baseline {base['rss_bytes'] / 1e6:.1f} MB with {base['open_calls']:,} "
                "open calls; "
                + "; ".join(
                    f"+{s['added_calls']:,} calls -> {s['rss_bytes'] / 1e6:.1f} MB, {s['open_calls']:,} open "
                    f"({_fmt(s['mb_per_10k_calls'], 2)} MB per 10k)"
                    for s in rss["steps"]
                )
                + f". **Mean {_fmt(rss.get('mb_per_10k_calls'), 2)} MB per 10,000 calls.**"
            )
        live = memory.get("live_state")
        if live:
            lines.append(
                f"\nLive Python objects (tracemalloc, in-process, {live['calls']:,} new calls): region state "
                f"{live['region_state_mb_per_10k']:.2f} MB, "
                f"decision store {live['decision_store_mb_per_10k']:.2f} MB, "
                f"WebSocket ring {live['ws_ring_mb_per_10k']:.2f} MB "
                f"({live['ws_ring_frames']:,} frames held, filled by the warm-up), "
                f"total {live['total_mb_per_10k']:.2f} MB per 10,000 calls. The WebSocket ring is a fixed "
                f"cost, not one per call: a full ring of the default size costs about "
                f"{live.get('ws_default_ring_mb', 0):.1f} MB."
            )
    fanout = result.get("fanout")
    if fanout:
        lines += [
            "",
            "## WebSocket fan-out",
            "",
            "| clients | frames | frames at every client | clients with every frame "
            "| first->last client p50 | p99 | max "
            "| event->last client p50 | p99 | service CPU ms/frame | clients' CPU ms/frame |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for f in fanout:
            lines.append(
                f"| {f['clients']:,} | {f['frames_sent']} | {f['complete_frames']} "
                f"| {f.get('clients_with_every_frame', 'n/a')} "
                f"| {_fmt(f['fanout']['p50_ms'])} | {_fmt(f['fanout']['p99_ms'])} "
                f"| {_fmt(f['fanout']['max_ms'])} | {_fmt(f['last_client']['p50_ms'])} "
                f"| {_fmt(f['last_client']['p99_ms'])} | {_fmt(f.get('service_cpu_ms_per_frame'), 2)} "
                f"| {_fmt(f.get('client_cpu_ms_per_frame'), 2)} |"
            )
    routing = result.get("routing") or {}
    lines += ["", "## Routing solve time", ""]
    if routing.get("measured"):
        lines += [
            f"From `{routing['source']}` (benchmarks/routing_bench.py, run by this suite):",
            "",
            "| profile | calls x units | solve median ms | p99 ms |",
            "|---|---|---:|---:|",
        ]
        lines += [
            f"| {t.get('profile', '?')} | {t.get('calls')} x {t.get('units')} "
            f"| {_fmt(t.get('plan_ms_median'), 2)} "
            f"| {_fmt(t.get('plan_ms_p99'), 2)} |"
            for t in routing.get("timing", [])
        ]
    else:
        lines.append(f"Not measured: {routing.get('reason', 'no routing benchmark ran')}.")
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{p.stem}]({p.name})" for p in plots]
    return "\n".join(lines) + "\n"


def write_plots(result: Result, out_dir: Path, stem: str) -> list[Path]:
    import matplotlib  # noqa: PLC0415 - plotting is optional for everything else in this module

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    paths: list[Path] = []
    runs = result.get("latency", [])
    fig, ax = plt.subplots(figsize=(8, 5))
    for target, colour in (("service", "tab:blue"), ("noop", "tab:grey"), ("broker", "tab:brown")):
        chosen = sorted((r for r in runs if r["target"] == target), key=lambda r: r["rate_per_s"])
        rates = [r["rate_per_s"] for r in chosen]
        for key, style in (("p50_ms", "--"), ("p99_ms", "-")):
            values = [float("nan") if r["kafka"][key] is None else r["kafka"][key] for r in chosen]
            if chosen:
                ax.plot(rates, values, style, marker="o", color=colour, label=f"{target} Kafka {key[:3]}")
        if target == "service":
            ws = [(r.get("websocket") or {}).get("p99_ms") for r in chosen]
            if any(v is not None for v in ws):
                ax.plot(
                    rates,
                    [float("nan") if v is None else v for v in ws],
                    ":",
                    marker="s",
                    color="tab:orange",
                    label="service WebSocket p99",
                )
    ax.axhline(50, color="tab:green", linewidth=0.8, label="target p99 at 1,000/s (50 ms)")
    ax.axhline(150, color="tab:red", linewidth=0.8, label="target p99 in burst (150 ms)")
    ax.set(
        xlabel="offered rate (events/s, open loop)",
        ylabel="event -> decision latency (ms)",
        title="Latency percentiles vs offered rate",
        xscale="log",
        yscale="log",
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    path = out_dir / f"{stem}-latency.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(path)

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    drain = result.get("drain") or {}
    names = [n for n in ("noop", "service") if drain.get(n)]
    values = [drain[n]["events_per_s"] or 0.0 for n in names]
    left.bar(names, values, color=["tab:grey", "tab:blue"][: len(names)])
    left.axhline(10_000, color="tab:red", linewidth=0.8, label="target 10,000/s")
    left.set(title="Drain ceiling (catch-up of a backlog)", ylabel="events/s")
    left.legend(fontsize=8)
    rates = sorted({r["rate_per_s"] for r in runs})
    width = 0.38
    for shift, target, colour in ((-width / 2, "noop", "tab:grey"), (width / 2, "service", "tab:blue")):
        got = [
            next(
                (
                    r["throughput_events_per_s"] or 0.0
                    for r in runs
                    if r["target"] == target and r["rate_per_s"] == rate
                ),
                0.0,
            )
            for rate in rates
        ]
        right.bar([i + shift for i in range(len(rates))], got, width, color=colour, label=target)
    right.plot(range(len(rates)), rates, "k_", markersize=30, label="offered")
    right.set_xticks(range(len(rates)), [f"{r:,.0f}" for r in rates])
    right.set(title="Sustained throughput vs no-op", xlabel="offered events/s", ylabel="events/s done")
    right.legend(fontsize=8)
    fig.tight_layout()
    path = out_dir / f"{stem}-throughput.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(path)

    bursts = [r for r in runs if r["burst"] and r.get("windows")]
    if bursts:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for run in bursts:
            colour = "tab:blue" if run["target"] == "service" else "tab:grey"
            starts = [w["start_s"] for w in run["windows"]]
            ax.plot(
                starts,
                [w["p99_ms"] for w in run["windows"]],
                "-",
                color=colour,
                marker=".",
                label=f"{run['target']} p99",
            )
            ax.plot(
                starts,
                [w["p50_ms"] for w in run["windows"]],
                "--",
                color=colour,
                label=f"{run['target']} p50",
            )
        ax.axhline(150, color="tab:red", linewidth=0.8, label="target p99 (150 ms)")
        ax.set(
            xlabel="scheduled send time (s)",
            ylabel="latency (ms)",
            yscale="log",
            title=f"Burst at {bursts[0]['rate_per_s']:,.0f} events/s: latency per window",
        )
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = out_dir / f"{stem}-burst.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def write_outputs(result: Result, out_dir: Path, stem: str) -> tuple[Path, Path, list[Path]]:
    """Evaluate the targets into `result`, write JSON, plots and Markdown; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result["targets"] = [asdict(c) for c in evaluate_targets(result)]
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(result, indent=1) + "\n")
    plots = write_plots(result, out_dir, stem)
    md_path = out_dir / f"{stem}.md"
    md_path.write_text(render_markdown(result, plots))
    return json_path, md_path, plots


def main(argv: Sequence[str] | None = None) -> None:
    """Render the report and plots again from a saved JSON result."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else Path(__file__).parent / "results" / "e2e.json"
    result = json.loads(path.read_text())
    _, md_path, plots = write_outputs(result, path.parent, path.stem)
    print(md_path, *plots, sep="\n")


if __name__ == "__main__":
    main()
