"""Roster scenarios: shift patterns in local time (across daylight saving), teams, staff in FTE."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from whatif.roster import DEFAULT_RELIEF_FACTOR, Scenario, ShiftPattern, parse_shifts

DENVER = ZoneInfo("America/Denver")


def test_shifts_parse_and_span_midnight() -> None:
    day, night = parse_shifts("07-17, 17-03")
    assert (day.hours, night.hours) == (10, 10)
    start, end = night.window(date(2020, 6, 1), DENVER)
    assert (start.hour, end.hour, end.date() - start.date()) == (17, 3, timedelta(days=1))
    assert [h for h in range(24) if night.covers_hour(h)] == [0, 1, 2, 17, 18, 19, 20, 21, 22, 23]


def test_a_shift_follows_the_local_clock_across_daylight_saving() -> None:
    (day,) = parse_shifts("07-17")
    before, _ = day.window(date(2020, 3, 7), DENVER)
    after, _ = day.window(date(2020, 3, 9), DENVER)
    assert (before.hour, after.hour) == (7, 7)
    assert before.utcoffset() != after.utcoffset()


def test_around_the_clock_is_rostered_with_an_overlap_so_no_hour_is_uncovered() -> None:
    (post,) = parse_shifts("00-24")
    start, end = post.window(date(2020, 1, 1), DENVER)
    assert post.hours == 24
    assert end - start == timedelta(hours=36), "re-rostered each midnight, long before it ends"
    assert all(post.covers_hour(h) for h in range(24))


def test_a_shift_ending_at_midnight() -> None:
    (evening,) = parse_shifts("14-24")
    start, end = evening.window(date(2020, 1, 1), DENVER)
    assert (evening.hours, end - start) == (10, timedelta(hours=10))


@pytest.mark.parametrize("text", ["7to17", "07-07", "25-03", "07-25", "", "07-17,"])
def test_bad_shifts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="shift"):
        parse_shifts(text)


def test_the_seed_program_is_two_clinicians() -> None:
    """One clinician on duty ten hours a day, seven days a week: two clinicians on four tens."""
    seed = Scenario(1, "primary", (ShiftPattern(7, 17),))
    assert round(seed.fte(DEFAULT_RELIEF_FACTOR), 2) == 2.05


def test_mixed_teams_alternate_models_and_ids_are_unique() -> None:
    teams = Scenario(3, "mixed", parse_shifts("07-17,17-03")).roster((40.4, -105.1))
    assert [t.model.value for t in teams] == ["primary", "secondary", "primary"] * 2
    assert len({t.unit_id for t in teams}) == 6


def test_an_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="model"):
        Scenario(1, "tertiary", parse_shifts("07-17"))
