"""The options of `python -m benchmarks` (smoke or full defaults, then overrides), kept apart from the
suite's runner."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--smoke", action="store_true", help="a run of a few seconds per phase (what CI runs)"
    )
    parser.add_argument(
        "--bootstrap", metavar="HOST:PORT", help="use this Kafka instead of an embedded broker"
    )
    parser.add_argument("--rates", type=float, nargs="+", metavar="EV_PER_S", help="offered rates, open loop")
    parser.add_argument("--seconds", type=float, help="duration of each rate's run")
    parser.add_argument("--burst-rate", type=float, help="rate of the burst run (0 for none)")
    parser.add_argument("--burst-seconds", type=float, help="duration of the burst run")
    parser.add_argument("--drain-events", type=int, help="backlog size of the drain runs")
    parser.add_argument("--memory-calls", type=int, help="new open calls per memory step")
    parser.add_argument("--fanout-clients", type=int, nargs="+", help="WebSocket client counts")
    parser.add_argument("--roster", type=int, help="co-responder units in the synthetic roster")
    parser.add_argument("--bh-share", type=float, help="share of new calls that are behavioral-health")
    parser.add_argument("--seed", type=int, help="seed of the synthetic stream")
    parser.add_argument("--out", type=Path, help="results directory (default benchmarks/results)")
    parser.add_argument("--no-routing", action="store_true", help="do not run the routing solve benchmark")
