"""A roster scenario: how many teams of which response model ride which daily shifts, and what that
costs in staff.

`--teams N --shifts 07-17,17-03` means N teams on duty during each listed shift, every day (local
time of `--timezone`, so shifts follow daylight saving). `00-24` is a post staffed around the clock:
its teams are re-rostered every midnight with a shift running to noon the next day, so the planner's
shift guard (no call that would run past the shift's end) never leaves a gap. Any other shift ends
where it says, and the production guard applies: a team is not sent to a call it could not finish
before its shift ends (minus `shift_buffer_s`), as in the live service.

Staff is counted in FTE with the relief factor of a 24/7 post: a post staffed `h` hours a day needs
`h / 24 x relief_factor` FTE per team (4.92 by default: 8,760 hours a year over 1,780 productive
hours per FTE, i.e. 2,080 paid hours less 120 of vacation, 80 of holidays, 60 of sick leave and 40 of
training, all stated assumptions). The seed program, one clinician on duty 10 hours a day, is 2.05 FTE:
its two clinicians on four ten-hour days a week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from schemas.units import ResponseModel

__all__ = [
    "DEFAULT_RELIEF_FACTOR",
    "MODELS",
    "Scenario",
    "ShiftPattern",
    "Team",
    "parse_shifts",
]

DEFAULT_RELIEF_FACTOR: Final = round(8760 / 1780, 2)
MODELS: Final = ("primary", "secondary", "mixed")
_SHIFT = re.compile(r"^(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """A daily shift in local clock hours; `end <= start` ends the next day; 0-24 is around the clock."""

    start_hour: int
    end_hour: int

    @property
    def around_the_clock(self) -> bool:
        return self.start_hour == 0 and self.end_hour == 24

    @property
    def hours(self) -> int:
        return 24 if self.around_the_clock else (self.end_hour - self.start_hour) % 24 or 24

    @property
    def label(self) -> str:
        return f"{self.start_hour:02d}-{self.end_hour:02d}"

    def window(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The roster shift starting on `day`: start and end as aware datetimes."""
        start = datetime.combine(day, time(self.start_hour % 24), zone)
        if self.around_the_clock:
            return start, datetime.combine(day + timedelta(days=1), time(12), zone)
        next_day = self.end_hour == 24 or self.end_hour <= self.start_hour
        end_day = day + timedelta(days=1) if next_day else day
        end = datetime.combine(end_day, time(self.end_hour % 24), zone)
        return start, end

    def covers_hour(self, hour: int) -> bool:
        """Whether the shift is on duty during local clock hour `hour` (0..23)."""
        if self.around_the_clock:
            return True
        if self.end_hour > self.start_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour


def parse_shifts(text: str) -> tuple[ShiftPattern, ...]:
    """`07-17,17-03` -> shift patterns; a clear error for anything else."""
    patterns = []
    for part in text.split(","):
        match = _SHIFT.match(part.strip())
        if match is None:
            raise ValueError(
                f"shift {part.strip()!r} must be HH-HH in local hours, e.g. 07-17 or 17-03 or 00-24"
            )
        start, end = int(match[1]), int(match[2])
        if not (0 <= start <= 23 and 0 <= end <= 24) or (
            start == end % 24 and not (start == 0 and end == 24)
        ):
            raise ValueError(
                f"shift {part.strip()!r}: hours run 00..23 (end up to 24), and start and end must differ "
                "(00-24 is around the clock)"
            )
        patterns.append(ShiftPattern(start, end))
    if not patterns:
        raise ValueError("give at least one shift, e.g. --shifts 07-17")
    return tuple(patterns)


@dataclass(frozen=True, slots=True)
class Team:
    unit_id: str
    model: ResponseModel
    shift: ShiftPattern
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Scenario:
    """`teams` teams on each shift pattern, of `model` (mixed: primary, secondary, primary, ...)."""

    teams: int
    model: str
    shifts: tuple[ShiftPattern, ...]

    def __post_init__(self) -> None:
        if self.teams < 0:
            raise ValueError(f"teams must not be negative, got {self.teams}")
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, got {self.model!r}")

    def roster(self, base: tuple[float, float]) -> list[Team]:
        """The scenario's teams, all based at `base` (one office, as co-responder programs have)."""
        teams = []
        for s, shift in enumerate(self.shifts):
            for k in range(self.teams):
                if self.model == "mixed":
                    model = ResponseModel.PRIMARY if k % 2 == 0 else ResponseModel.SECONDARY
                else:
                    model = ResponseModel(self.model)
                teams.append(Team(f"CR-{s + 1}{chr(ord('A') + k % 26)}{k // 26 or ''}", model, shift, *base))
        return teams

    def fte(self, relief_factor: float) -> float:
        """Staff the scenario needs, in FTE (see the module docstring)."""
        return self.teams * sum(s.hours for s in self.shifts) / 24.0 * relief_factor
