"""`corespond whatif`: the edge of the staffing what-if. Reads the call history (CSV or synthetic),
checks every option with a message a person can act on, replays each roster scenario through the
core (`whatif.replay`) with a progress bar on stderr, and writes `whatif.json`, `whatif.md` and
`whatif.png` to the output directory.

Progress and plotting come from the optional `whatif` extra (tqdm, matplotlib; `make install`
brings it); without it the command stops at once and says what to install.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import orjson

from routing.epoch import Policy
from routing.travel import TravelModel
from schemas.ledger import LedgerEntry
from service.settings import Settings
from simulator.config import RUN_ID
from whatif.calls import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, CallRowError, HistoricalCall, parse_row
from whatif.replay import ReplayOptions, call_id_of, replay
from whatif.report import render_json, render_markdown, scenario_key
from whatif.roster import MODELS, Scenario, parse_shifts
from whatif.summary import ScenarioSummary, resample_days, summarize
from whatif.time_on_task import TimeOnTask, parse_time_on_task

__all__ = ["WhatifError", "read_calls_csv", "run"]

EXTRA_MODULES = ("tqdm", "matplotlib")
MAX_AGENCIES = 64
"""A unit.upsert lists at most 64 jurisdictions (the contract)."""


class WhatifError(ValueError):
    """Input or options the what-if cannot run with; the message says what to change."""


@dataclass(frozen=True, slots=True)
class _Options:
    teams: tuple[int, ...]
    models: tuple[str, ...]
    scenarios: tuple[Scenario, ...]
    timezone: ZoneInfo
    time_on_task: TimeOnTask
    covered_wait_s: float
    patience_s: float
    relief_factor: float
    out: Path


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The command; returns the exit code. Errors in input or options: message on stderr, code 2."""
    missing = [m for m in EXTRA_MODULES if not _importable(m)]
    if missing:
        print(  # noqa: T201 - the operator must know what to install
            f"corespond whatif needs the optional 'whatif' extra (missing: {', '.join(missing)}): "
            "pip install 'corespond[whatif]' (make install brings it)",
            file=sys.stderr,
        )
        return 2
    try:
        options = _options(args)
        calls, source = _history(args, options.timezone)
        policy = _policy(args, settings)
        summaries, inputs, timings = _run(
            args, options, calls=calls, source=source, policy=policy, settings=settings
        )
    except WhatifError as error:
        print(f"corespond whatif: {error}", file=sys.stderr)  # noqa: T201
        return 2
    written = _write(options.out, summaries, inputs, timings)
    for s in summaries:
        print(  # noqa: T201 - the command's output
            f"{s.scenario.model:<9} teams {s.scenario.teams:>2}  FTE {s.fte:5.2f}  coverage "
            f"{100 * s.coverage:5.1f}% [{100 * s.coverage_ci[0]:.1f}, {100 * s.coverage_ci[1]:.1f}]  "
            f"Erlang B {100 * s.erlang_b_coverage:5.1f}%  served {s.served:,} of {s.eligible:,}"
        )
    for path in written:
        print(path)  # noqa: T201
    return 0


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _check_numbers(args: argparse.Namespace) -> None:
    """The numeric and naming options, each with its range."""
    for name in ("covered_wait", "patience"):
        value = getattr(args, name)
        if not (np.isfinite(value) and value >= 0):
            raise WhatifError(f"--{name.replace('_', '-')} must be minutes >= 0, got {value}")
    if not (np.isfinite(args.relief_factor) and 1.0 <= args.relief_factor <= 10.0):
        raise WhatifError(f"--relief-factor must be within 1..10, got {args.relief_factor}")
    if args.resamples < 100:
        raise WhatifError(f"--resamples must be at least 100, got {args.resamples}")
    if args.synthetic is not None and not 1 <= args.synthetic <= 3660:
        raise WhatifError(f"--synthetic needs 1 to 3660 days, got {args.synthetic}")
    if not RUN_ID.match(args.region):
        raise WhatifError(
            f"--region must be 1-32 letters, digits or ._:- (it goes in ids), got {args.region!r}"
        )
    if args.calls_per_day is not None and args.synthetic is None:
        raise WhatifError("--calls-per-day applies to --synthetic only")


def _options(args: argparse.Namespace) -> _Options:
    try:
        teams = tuple(sorted({int(t) for t in str(args.teams).split(",") if t.strip()}))
    except ValueError:
        raise WhatifError(
            f"--teams must be whole numbers separated by commas, e.g. 1,2,3; got {args.teams!r}"
        ) from None
    if not teams or any(t < 0 or t > 50 for t in teams):
        raise WhatifError(f"--teams needs numbers from 0 to 50, e.g. 1,2,3; got {args.teams!r}")
    models = tuple(dict.fromkeys(m.strip() for m in str(args.model).split(",") if m.strip()))
    if not models or any(m not in MODELS for m in models):
        raise WhatifError(
            f"--model must be primary, secondary or mixed (or a comma list); got {args.model!r}"
        )
    try:
        shifts = parse_shifts(args.shifts)
    except ValueError as error:
        raise WhatifError(f"--shifts: {error}") from None
    try:
        timezone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise WhatifError(
            f"--timezone {args.timezone!r} is not a known time zone (e.g. America/Denver)"
        ) from None
    try:
        time_on_task = parse_time_on_task(args.time_on_task)
    except ValueError as error:
        raise WhatifError(f"--time-on-task: {error}") from None
    _check_numbers(args)
    scenarios = tuple(Scenario(t, m, shifts) for m in models for t in teams)
    return _Options(
        teams=teams,
        models=models,
        scenarios=scenarios,
        timezone=timezone,
        time_on_task=time_on_task,
        covered_wait_s=args.covered_wait * 60.0,
        patience_s=args.patience * 60.0,
        relief_factor=args.relief_factor,
        out=Path(args.out),
    )


def _history(args: argparse.Namespace, timezone: ZoneInfo) -> tuple[list[HistoricalCall], str]:
    if args.synthetic is not None:
        from simulator.history import DEFAULT_CALLS_PER_DAY, synthetic_history  # noqa: PLC0415

        per_day = args.calls_per_day or DEFAULT_CALLS_PER_DAY
        calls = synthetic_history(args.synthetic, seed=args.seed, timezone=timezone, calls_per_day=per_day)
        return (
            calls,
            f"synthetic Larimer County, {args.synthetic} days from 2020-01-01, {per_day:g} calls/day",
        )
    calls = read_calls_csv(Path(args.calls))
    return calls, str(args.calls)


def read_calls_csv(path: Path) -> list[HistoricalCall]:
    """The calls of a history CSV, in time order; `WhatifError` names the line and column at fault."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or ())
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise WhatifError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"the file has {', '.join(sorted(columns))}. "
                    f"Required: {', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}"
                )
            calls = [parse_row(row, reader.line_num) for row in reader]
    except OSError as error:
        raise WhatifError(f"cannot read {path}: {error.strerror}") from None
    except CallRowError as error:
        raise WhatifError(f"{path}: {error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise WhatifError(f"{path}: not a UTF-8 CSV file ({error})") from None
    if not calls:
        raise WhatifError(f"{path}: no calls (only a header?)")
    return sorted(calls, key=lambda c: c.received_at)


def _policy(args: argparse.Namespace, settings: Settings) -> Policy:
    from service.bootstrap import policy_from  # noqa: PLC0415 - loads the triage rules

    if args.synthetic is not None and not settings.triage_agency_rules:
        from simulator import demo_agency_rules  # noqa: PLC0415

        # The synthetic county's agencies come with their own rule files, as with `serve --demo`.
        settings = settings.model_copy(update={"triage_agency_rules": demo_agency_rules()})
    return policy_from(settings)


def _base(args: argparse.Namespace, calls: Sequence[HistoricalCall]) -> tuple[float, float]:
    if args.base is None:
        return float(np.median([c.lat for c in calls])), float(np.median([c.lon for c in calls]))
    try:
        lat, lon = (float(x) for x in str(args.base).split(","))
    except ValueError:
        raise WhatifError(f"--base must be LAT,LON in degrees, got {args.base!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise WhatifError(f"--base {args.base!r} is not a position (latitude -90..90, longitude -180..180)")
    return lat, lon


def _run(
    args: argparse.Namespace,
    options: _Options,
    *,
    calls: list[HistoricalCall],
    source: str,
    policy: Policy,
    settings: Settings,
) -> tuple[list[ScenarioSummary], dict[str, Any], dict[str, tuple[float, float]]]:
    from tqdm import tqdm  # noqa: PLC0415 - optional extra, checked at the start

    agencies = {c.agency for c in calls}
    if len(agencies) > MAX_AGENCIES:
        raise WhatifError(f"{len(agencies)} agencies in the history; a team may serve at most {MAX_AGENCIES}")
    try:
        time_on_task = options.time_on_task.draw(calls, np.random.default_rng([args.seed, 0x7A5C]))
    except ValueError as error:
        raise WhatifError(str(error)) from None
    base = _base(args, calls)
    replay_options = ReplayOptions(
        timezone=options.timezone, patience_s=options.patience_s, region=args.region
    )
    load_before = os.getloadavg()
    summaries: list[ScenarioSummary] = []
    timings: dict[str, tuple[float, float]] = {}
    days = 0
    resampled: np.ndarray[Any, np.dtype[np.int64]] | None = None
    mean_service_s = 0.0
    with tqdm(total=len(calls) * len(options.scenarios), unit="call", file=sys.stderr, smoothing=0.1) as bar:
        for scenario in options.scenarios:
            bar.set_description(f"{scenario.model} x{scenario.teams}")
            done = 0

            def advance(arrived: int) -> None:
                nonlocal done
                bar.update(arrived - done)
                done = arrived

            started, started_cpu = time.perf_counter(), time.process_time()
            result = replay(
                calls,
                scenario.roster(base),
                policy,
                time_on_task_s=time_on_task,
                options=replay_options,
                progress=advance,
            )
            timings[scenario_key(scenario)] = (
                time.perf_counter() - started,
                time.process_time() - started_cpu,
            )
            bar.update(len(calls) - done)
            if resampled is None:
                resampled = resample_days(len(result.days), args.resamples, args.seed)
                days = len(result.days)
                travel = policy.travel_for(replay_options.region)
                mean_service_s = _mean_service_s(result.entries, calls, time_on_task, base, travel)
            summaries.append(
                summarize(
                    result,
                    scenario,
                    covered_wait_s=options.covered_wait_s,
                    timezone=options.timezone,
                    resampled_days=resampled,
                    mean_service_s=mean_service_s,
                    relief_factor=options.relief_factor,
                )
            )
    load_after = os.getloadavg()
    eligible = summaries[0].eligible if summaries else 0
    inputs: dict[str, Any] = {
        "command": _command_line(args),
        "calls_from": source,
        "calls": len(calls),
        "eligible": eligible,
        "days": days,
        "shifts": ",".join(s.label for s in options.scenarios[0].shifts),
        "timezone": options.timezone.key,
        "time_on_task": args.time_on_task,
        "covered_wait_min": args.covered_wait,
        "patience_min": args.patience,
        "base": f"{base[0]:.5f},{base[1]:.5f}",
        "mean_service_min": round(mean_service_s / 60.0, 1),
        "relief_factor": options.relief_factor,
        "travel": repr(policy.travel_for(args.region)),
        "seed": args.seed,
        "bootstrap_resamples": args.resamples,
        "load_average": f"{load_before[0]:.2f} at start, {load_after[0]:.2f} at end (2 shared cores)",
        "triage_rules": str(settings.triage_rules or "packaged default")
        + (" + demo agency files" if args.synthetic is not None and not settings.triage_agency_rules else ""),
    }
    return summaries, inputs, timings


def _command_line(args: argparse.Namespace) -> str:
    """The run as a command a reader can paste again (every option, defaults included)."""
    source = f"--calls {args.calls}" if args.calls is not None else f"--synthetic {args.synthetic}"
    parts = [
        "corespond whatif",
        source,
        f"--teams {args.teams}",
        f"--model {args.model}",
        f"--shifts {args.shifts}",
        f"--seed {args.seed}",
        f"--covered-wait {args.covered_wait:g}",
        f"--patience {args.patience:g}",
        f"--time-on-task {args.time_on_task}",
        f"--timezone {args.timezone}",
    ]
    if args.base is not None:
        parts.append(f"--base {args.base}")
    if args.calls_per_day is not None:
        parts.append(f"--calls-per-day {args.calls_per_day:g}")
    if args.region != "whatif":
        parts.append(f"--region {args.region}")
    return " ".join(parts)


def _mean_service_s(
    entries: Sequence[LedgerEntry],
    calls: Sequence[HistoricalCall],
    time_on_task: np.ndarray[Any, np.dtype[np.float64]],
    base: tuple[float, float],
    travel: TravelModel,
) -> float:
    """Mean busy time the loss model assumes: the drive from base plus the time on task, over the
    eligible calls."""
    index = {call_id_of(i): i for i in range(len(calls))}
    eligible = [index[e.call_id] for e in entries if e.call_id in index]
    if not eligible:
        return 0.0
    drive = travel.eta_pairs(
        np.full(len(eligible), base[0]),
        np.full(len(eligible), base[1]),
        np.array([calls[i].lat for i in eligible]),
        np.array([calls[i].lon for i in eligible]),
    )
    return float(np.mean(drive) + np.mean(time_on_task[eligible]))


def _write(
    out: Path,
    summaries: Sequence[ScenarioSummary],
    inputs: dict[str, Any],
    timings: dict[str, tuple[float, float]],
) -> list[Path]:
    from service.whatif_plot import plot_coverage  # noqa: PLC0415 - matplotlib is an optional extra

    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path, png_path = out / "whatif.json", out / "whatif.md", out / "whatif.png"
    report = render_json(summaries, inputs, timings)
    json_path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
    md_path.write_text(render_markdown(summaries, inputs, timings), encoding="utf-8")
    plot_coverage(report["scenarios"], png_path, covered_wait_min=float(inputs["covered_wait_min"]))
    return [json_path, md_path, png_path]
