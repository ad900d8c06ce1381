"""Reading a call history row: what is accepted, and errors that name the line and column."""

from __future__ import annotations

import pytest

from schemas.calls import Disposition
from whatif.calls import CallRowError, parse_row

ROW = {
    "received_at": "2020-03-01T14:05:00-07:00",
    "nature_code": "SUICIDAL",
    "priority": "2",
    "narrative": "RP STATES SON THREATENING TO HURT HIMSELF",
    "lat": "40.3978",
    "lon": "-105.075",
    "agency": "LPD",
}


def test_a_row_becomes_a_call() -> None:
    call = parse_row(
        {**ROW, "time_on_scene_s": "2400", "disposition": "referred", "flags": "weapon; juvenile"}, 2
    )
    assert call.priority == 2
    assert call.received_at.utcoffset() is not None
    assert call.flags == ("weapon", "juvenile")
    assert call.time_on_scene_s == 2400.0
    assert call.disposition is Disposition.REFERRED


def test_optional_columns_may_be_empty() -> None:
    call = parse_row({**ROW, "time_on_scene_s": "", "disposition": ""}, 2)
    assert (call.time_on_scene_s, call.disposition, call.flags) == (None, None, ())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"received_at": "2020-03-01 14:05"}, "line 7: received_at .* has no time zone"),
        ({"received_at": "yesterday"}, "line 7: received_at must be an RFC 3339 time"),
        ({"priority": "6"}, "line 7: priority must be a whole number from 1 to 5"),
        ({"priority": "2.5"}, "line 7: priority"),
        ({"lat": "north"}, "line 7: lat must be a number"),
        ({"lat": "nan"}, "line 7: lat must be a finite number"),
        ({"lat": "91"}, "line 7: location.lat"),
        ({"agency": ""}, "line 7: agency"),
        ({"nature_code": ""}, "line 7: nature_code"),
        ({"time_on_scene_s": "-5"}, "line 7: time_on_scene_s must not be negative"),
        ({"disposition": "jail"}, "line 7: disposition 'jail' is not one of resolved_on_scene"),
    ],
)
def test_a_bad_value_names_its_line_and_column(change: dict[str, str], message: str) -> None:
    with pytest.raises(CallRowError, match=message):
        parse_row({**ROW, **change}, 7)
