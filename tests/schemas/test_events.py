"""Strict validation of CAD events: what the contract documents is accepted, nothing else."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.events import EVENT_ADAPTER, CadEvent

SHIFT = {"start": "2026-11-28T14:00:00Z", "end": "2026-11-29T02:00:00Z"}

VALID: dict[str, dict[str, Any]] = {
    "call.created": {
        "event_id": "e-000123",
        "type": "call.created",
        "occurred_at": "2026-11-28T21:04:05Z",
        "region": "larimer",
        "call": {
            "call_id": "LPD-26-000123",
            "agency": "LPD",
            "nature_code": "SUICIDAL",
            "priority": 1,
            "location": {"lat": 40.3978, "lon": -105.075, "address": "1200 BLOCK N LINCOLN AVE"},
            "narrative": "RP STATES SON THREATENING TO HURT HIMSELF, NO WEAPONS SEEN",
            "flags": ["juvenile"],
            "caller_type": "family",
            "premise_history": {"bh_calls_12m": 3},
        },
    },
    "call.updated": {
        "event_id": "e-000124",
        "type": "call.updated",
        "occurred_at": "2026-11-28T21:06:00.250-07:00",
        "region": "larimer",
        "call": {"call_id": "LPD-26-000123", "priority": 2, "narrative_append": "SUBJ CALMER"},
    },
    "call.closed": {
        "event_id": "e-000125",
        "type": "call.closed",
        "occurred_at": "2026-11-28T22:00:00Z",
        "region": "larimer",
        "call": {"call_id": "LPD-26-000123", "disposition": "referred"},
    },
    "unit.upsert": {
        "event_id": "e-000001",
        "type": "unit.upsert",
        "occurred_at": "2026-11-28T20:00:00Z",
        "region": "larimer",
        "unit": {
            "unit_id": "LCSO-CR1",
            "agency": "LCSO",
            "model": "primary",
            "capacity": 2,
            "can_transport": False,
            "jurisdictions": ["LCSO", "EPPD", "LPD"],
            "shift": SHIFT,
            "status": "available",
            "location": {"lat": 40.5853, "lon": -105.0844},
        },
    },
    "unit.status": {
        "event_id": "e-000126",
        "type": "unit.status",
        "occurred_at": "2026-11-28T21:05:00Z",
        "region": "larimer",
        "unit": {"unit_id": "LCSO-CR1", "status": "en_route", "call_id": "LPD-26-000123"},
    },
    "unit.location": {
        "event_id": "e-000127",
        "type": "unit.location",
        "occurred_at": "2026-11-28T21:05:30Z",
        "region": "larimer",
        "unit": {"unit_id": "LCSO-CR1", "location": {"lat": 40.5, "lon": -105.08}},
    },
    "call.acknowledged": {
        "event_id": "e-000128",
        "type": "call.acknowledged",
        "occurred_at": "2026-11-28T21:05:10Z",
        "region": "larimer",
        "ack": {"call_id": "LPD-26-000123", "action": "accept", "revision": 1, "principal": "dispatcher-7"},
    },
}


def variant(kind: str, path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of the valid `kind` event with the field at `path` set to `value`."""
    event = copy.deepcopy(VALID[kind])
    target = event
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return event


def rejection(raw: bytes | dict[str, Any]) -> list[tuple[str, tuple[str | int, ...]]]:
    """The (error type, location) pairs validation reports; fails the test if the input is accepted."""
    data = raw if isinstance(raw, bytes) else orjson.dumps(raw)
    with pytest.raises(ValidationError) as error:
        EVENT_ADAPTER.validate_json(data)
    return [(e["type"], tuple(e["loc"])) for e in error.value.errors()]


@pytest.mark.parametrize("kind", sorted(VALID))
def test_a_valid_event_of_every_type_is_accepted_and_round_trips(kind: str) -> None:
    event = EVENT_ADAPTER.validate_json(orjson.dumps(VALID[kind]))

    assert event.type == kind
    assert event.occurred_at.tzinfo is not None
    assert EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(event)) == event


def test_optional_call_fields_may_be_left_out() -> None:
    minimal = variant(
        "call.created",
        ("call",),
        {
            k: VALID["call.created"]["call"][k]
            for k in ("call_id", "agency", "nature_code", "priority", "location")
        },
    )

    event = EVENT_ADAPTER.validate_json(orjson.dumps(minimal))

    assert event.type == "call.created"
    assert (event.call.narrative, event.call.flags, event.call.caller_type) == ("", [], None)


@pytest.mark.parametrize("priority", ["1", 1.5, True])
def test_a_priority_of_the_wrong_type_is_rejected(priority: object) -> None:
    errors = rejection(variant("call.created", ("call", "priority"), priority))

    assert [loc for _, loc in errors] == [("call.created", "call", "priority")]


def test_an_integral_json_number_is_an_integer() -> None:
    """JSON has one number type and JSON Schema calls 2.0 an integer; the contract agrees."""
    event = EVENT_ADAPTER.validate_json(orjson.dumps(variant("call.created", ("call", "priority"), 2.0)))

    assert event.type == "call.created"
    assert event.call.priority == 2
    assert isinstance(event.call.priority, int)


@pytest.mark.parametrize("priority", [0, 6, -1])
def test_a_priority_outside_1_to_5_is_rejected(priority: int) -> None:
    errors = rejection(variant("call.created", ("call", "priority"), priority))

    assert [loc for _, loc in errors] == [("call.created", "call", "priority")]


def test_an_unknown_type_is_rejected() -> None:
    assert rejection(variant("call.closed", ("type",), "call.deleted")) == [("union_tag_invalid", ())]


def test_a_missing_type_is_rejected() -> None:
    event = copy.deepcopy(VALID["call.closed"])
    del event["type"]

    assert rejection(event) == [("union_tag_not_found", ())]


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("call.created", ("source",)),
        ("call.created", ("call", "patient_name")),
        ("call.created", ("call", "location", "elevation")),
        ("unit.upsert", ("unit", "radio")),
        ("unit.upsert", ("unit", "shift", "break")),
        ("call.acknowledged", ("ack", "comment")),
    ],
)
def test_an_unknown_field_is_rejected(kind: str, path: tuple[str, ...]) -> None:
    errors = rejection(variant(kind, path, "x"))

    assert errors == [("extra_forbidden", (kind, *path))]


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_in_json_coordinates_are_rejected(literal: bytes) -> None:
    raw = orjson.dumps(VALID["unit.location"]).replace(b'"lat":40.5', b'"lat":' + literal)
    assert literal in raw

    assert rejection(raw) == [("finite_number", ("unit.location", "unit", "location", "lat"))]


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nan_and_infinity_from_python_are_rejected(value: float) -> None:
    event = variant("unit.location", ("unit", "location", "lon"), value)
    event["occurred_at"] = datetime(2026, 11, 28, 21, 4, 5, tzinfo=UTC)

    with pytest.raises(ValidationError) as error:
        EVENT_ADAPTER.validate_python(event)

    assert [(e["type"], e["loc"]) for e in error.value.errors()] == [
        ("finite_number", ("unit.location", "unit", "location", "lon"))
    ]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("lat", 90.0001, "less_than_equal"),
        ("lat", -91.0, "greater_than_equal"),
        ("lon", 180.5, "less_than_equal"),
        ("lon", -181.0, "greater_than_equal"),
    ],
)
def test_coordinates_out_of_range_are_rejected(field: str, value: float, error: str) -> None:
    errors = rejection(variant("call.created", ("call", "location", field), value))

    assert errors == [(error, ("call.created", "call", "location", field))]


def test_an_occurred_at_without_a_zone_is_rejected() -> None:
    errors = rejection(variant("call.created", ("occurred_at",), "2026-11-28T21:04:05"))

    assert errors == [("timezone_aware", ("call.created", "occurred_at"))]


def test_a_python_caller_must_pass_datetimes_not_strings() -> None:
    # Strict mode: only JSON input parses RFC 3339 text (and enum words), so producers go through
    # orjson like the wire does.
    with pytest.raises(ValidationError) as error:
        EVENT_ADAPTER.validate_python(VALID["unit.location"])

    assert [(e["type"], e["loc"]) for e in error.value.errors()] == [
        ("datetime_type", ("unit.location", "occurred_at"))
    ]
    event = dict(VALID["unit.location"], occurred_at=datetime(2026, 11, 28, 21, 5, 30, tzinfo=UTC))
    assert EVENT_ADAPTER.validate_python(event).type == "unit.location"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-11-29T02:00:00Z", "2026-11-28T14:00:00Z", "after"),
        ("2026-11-28T14:00:00Z", "2026-11-28T14:00:00Z", "after"),
        ("2026-11-28T14:00:00Z", "2026-11-30T14:00:00Z", "36 hours"),
    ],
)
def test_an_implausible_shift_is_rejected(start: str, end: str, message: str) -> None:
    event = variant("unit.upsert", ("unit", "shift"), {"start": start, "end": end})

    with pytest.raises(ValidationError) as error:
        EVENT_ADAPTER.validate_json(orjson.dumps(event))

    (only,) = error.value.errors()
    assert only["loc"] == ("unit.upsert", "unit", "shift")
    assert message in only["msg"]


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("call.closed", ("call", "disposition"), "arrested"),
        ("unit.status", ("unit", "status"), "busy"),
        ("unit.upsert", ("unit", "model"), "tertiary"),
        ("call.created", ("call", "caller_type"), "neighbor"),
        ("call.acknowledged", ("ack", "action"), "maybe"),
    ],
)
def test_a_word_outside_the_contract_vocabulary_is_rejected(
    kind: str, path: tuple[str, ...], value: str
) -> None:
    errors = rejection(variant(kind, path, value))

    assert errors == [("enum", (kind, *path))]


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("call.created", ("call", "call_id"), ""),
        ("call.created", ("call", "call_id"), " LPD-1"),
        ("call.created", ("event_id",), "e\n1"),
        ("call.created", ("call", "flags"), ["Weapon"]),
        ("call.created", ("call", "narrative"), "X" * 8193),
        ("unit.upsert", ("unit", "capacity"), 0),
        ("unit.upsert", ("unit", "jurisdictions"), []),
        ("unit.upsert", ("unit", "can_transport"), "false"),
        ("call.created", ("call", "premise_history", "bh_calls_12m"), -1),
    ],
)
def test_malformed_values_are_rejected_where_they_are(kind: str, path: tuple[str, ...], value: Any) -> None:
    errors = rejection(variant(kind, path, value))

    assert errors
    assert all(loc[: len(path) + 1] == (kind, *path) for _, loc in errors)


def test_an_override_must_name_its_unit_and_say_why() -> None:
    event = variant("call.acknowledged", ("ack", "action"), "override")
    event["ack"]["reason"] = "closer unit known to the dispatcher"

    with pytest.raises(ValidationError, match="unit_id"):
        EVENT_ADAPTER.validate_json(orjson.dumps(event))

    event["ack"]["unit_id"] = "LPD-CR2"
    assert EVENT_ADAPTER.validate_json(orjson.dumps(event)).type == "call.acknowledged"

    for missing in ("", "   "):
        event["ack"]["reason"] = missing
        with pytest.raises(ValidationError, match="reason"):
            EVENT_ADAPTER.validate_json(orjson.dumps(event))


def test_a_decline_must_say_why_and_an_accept_need_not() -> None:
    event = variant("call.acknowledged", ("ack", "action"), "decline")
    with pytest.raises(ValidationError, match="needs a reason"):
        EVENT_ADAPTER.validate_json(orjson.dumps(event))
    event["ack"]["reason"] = "patrol handled it, no clinician needed"
    assert EVENT_ADAPTER.validate_json(orjson.dumps(event)).type == "call.acknowledged"
    event["ack"].update(action="accept", reason=None)
    del event["ack"]["reason"]
    assert EVENT_ADAPTER.validate_json(orjson.dumps(event)).type == "call.acknowledged"


def test_events_are_immutable() -> None:
    event: CadEvent = EVENT_ADAPTER.validate_json(orjson.dumps(VALID["unit.status"]))

    with pytest.raises(ValidationError):
        event.region = "weld"  # type: ignore[misc]


@given(
    priority=st.integers(1, 5),
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
    narrative=st.text(max_size=200),
    flags=st.lists(st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z"), max_size=5),
)
def test_any_call_within_the_contract_is_accepted_unchanged(
    priority: int, lat: float, lon: float, narrative: str, flags: list[str]
) -> None:
    raw = variant("call.created", ("call", "priority"), priority)
    raw["call"].update(location={"lat": lat, "lon": lon}, narrative=narrative, flags=flags)

    event = EVENT_ADAPTER.validate_json(orjson.dumps(raw))

    assert event.type == "call.created"
    call = event.call
    assert (call.priority, call.location.lat, call.location.lon) == (priority, lat, lon)
    assert (call.narrative, call.flags) == (narrative, flags)


@given(priority=st.integers(-(2**63), 2**63 - 1).filter(lambda p: not 1 <= p <= 5))
def test_any_priority_outside_the_contract_is_rejected(priority: int) -> None:
    errors = rejection(variant("call.created", ("call", "priority"), priority))

    assert [loc for _, loc in errors] == [("call.created", "call", "priority")]
