"""Time on task: how long a team stays with a call once on scene, drawn once per call.

Specs (`--time-on-task`): `lognormal:MEDIAN_MIN:SIGMA` (default `lognormal:45:0.5`: median 45 min,
mean 51, p90 86; an assumption in the range co-responder evaluations report, not a measured figure),
`exp:MEAN_MIN`, `fixed:MIN`, or `history` (each call's own `time_on_scene_s`).

Draws are made once for the whole history from the seed, one per call in history order, before any
scenario runs: every scenario replays the same call with the same time on task (common random
numbers), so differences between scenarios come from the roster, not from the dice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from whatif.calls import HistoricalCall

__all__ = ["DEFAULT_TIME_ON_TASK", "TimeOnTask", "parse_time_on_task"]

DEFAULT_TIME_ON_TASK = "lognormal:45:0.5"
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TimeOnTask:
    kind: str
    """`lognormal`, `exp`, `fixed` or `history`."""
    minutes: float = 0.0
    """Median (lognormal), mean (exp) or the value (fixed)."""
    sigma: float = 0.0

    @property
    def mean_s(self) -> float | None:
        """The distribution's mean in seconds (None for `history`: it is the history's)."""
        match self.kind:
            case "lognormal":
                return self.minutes * 60.0 * math.exp(self.sigma**2 / 2.0)
            case "exp" | "fixed":
                return self.minutes * 60.0
        return None

    def draw(self, calls: Sequence[HistoricalCall], rng: np.random.Generator) -> FloatArray:
        """Seconds on scene for every call, in history order."""
        n = len(calls)
        match self.kind:
            case "lognormal":
                drawn: FloatArray = rng.lognormal(math.log(self.minutes * 60.0), self.sigma, n)
            case "exp":
                drawn = rng.exponential(self.minutes * 60.0, n)
            case "fixed":
                drawn = np.full(n, self.minutes * 60.0)
            case _:
                missing = [i for i, c in enumerate(calls) if c.time_on_scene_s is None]
                if missing:
                    raise ValueError(
                        f"--time-on-task history needs time_on_scene_s on every call; {len(missing)} have "
                        f"none (the first is call {missing[0] + 1} of the history)"
                    )
                drawn = np.array([c.time_on_scene_s for c in calls], dtype=np.float64)
        return drawn


def parse_time_on_task(spec: str) -> TimeOnTask:
    """`lognormal:45:0.5`, `exp:50`, `fixed:45` or `history`; a clear error for anything else."""
    parts = spec.strip().split(":")
    usage = "use lognormal:MEDIAN_MIN:SIGMA, exp:MEAN_MIN, fixed:MIN or history"
    try:
        values = [float(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(f"time on task {spec!r}: {usage}") from None
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"time on task {spec!r}: minutes and sigma must be positive numbers")
    match parts[0], values:
        case "lognormal", [median]:
            return TimeOnTask("lognormal", median, 0.5)
        case "lognormal", [median, sigma]:
            return TimeOnTask("lognormal", median, sigma)
        case "exp", [mean]:
            return TimeOnTask("exp", mean)
        case "fixed", [minutes]:
            return TimeOnTask("fixed", minutes)
        case "history", []:
            return TimeOnTask("history")
    raise ValueError(f"time on task {spec!r}: {usage}")
