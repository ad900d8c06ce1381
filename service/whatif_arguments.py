"""The options of `corespond whatif`, apart from the command itself so that building the command line
loads no solver (`service.whatif_command` does the work)."""

from __future__ import annotations

import argparse

from whatif.calls import REQUIRED_COLUMNS
from whatif.roster import DEFAULT_RELIEF_FACTOR
from whatif.time_on_task import DEFAULT_TIME_ON_TASK

__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--calls", metavar="FILE.csv", help="call history: " + ", ".join(REQUIRED_COLUMNS))
    source.add_argument(
        "--synthetic", type=int, metavar="DAYS", help="a synthetic Larimer County history of DAYS days"
    )
    parser.add_argument("--teams", required=True, help="teams on duty per shift, one scenario each: 1,2,3")
    parser.add_argument(
        "--model",
        default="primary",
        help="response model of the teams: primary, secondary or mixed (a comma list runs each)",
    )
    parser.add_argument("--shifts", default="07-17", help="daily shifts in local hours (default 07-17)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")
    parser.add_argument("--out", default="whatif-report", help="output directory (default whatif-report)")
    parser.add_argument(
        "--covered-wait",
        type=float,
        default=20.0,
        metavar="MIN",
        help="a call counts as covered when its team is dispatched within this wait (default 20)",
    )
    parser.add_argument(
        "--patience",
        type=float,
        default=60.0,
        metavar="MIN",
        help="an eligible call no team took within this long is handled by patrol alone (default 60)",
    )
    parser.add_argument(
        "--time-on-task",
        default=DEFAULT_TIME_ON_TASK,
        metavar="SPEC",
        help="lognormal:MEDIAN_MIN:SIGMA, exp:MEAN_MIN, fixed:MIN or history "
        f"(the CSV's time_on_scene_s; default {DEFAULT_TIME_ON_TASK})",
    )
    parser.add_argument(
        "--timezone", default="America/Denver", help="local time of shifts and hours (default America/Denver)"
    )
    parser.add_argument(
        "--base", metavar="LAT,LON", help="where teams start and return (default: median call)"
    )
    parser.add_argument(
        "--relief-factor",
        type=float,
        default=DEFAULT_RELIEF_FACTOR,
        help=f"FTE per 24/7 post (default {DEFAULT_RELIEF_FACTOR}: 8,760 h / 1,780 productive h)",
    )
    parser.add_argument(
        "--calls-per-day", type=float, default=None, help="synthetic only: calls a day (default 274)"
    )
    parser.add_argument(
        "--region",
        default="whatif",
        help="region id of the replay: selects its travel model in CORESPOND_TRAVEL_REGIONS (default whatif)",
    )
    parser.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default 2000)")
