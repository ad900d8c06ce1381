"""The ledger end to end on the real broker and a real server: CAD events in, one entry per eligible
call on the ledger topic, the same entry at GET /ledger (JSON and CSV), counted in /metrics, and the
outcomes of GET /stats computed by hand for the same small history."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest

from service.ledger_csv import CSV_COLUMNS
from tests.builders import (
    FORT_COLLINS,
    LOVELAND,
    call_closed,
    call_created,
    current_shift,
    next_id,
    unit_status,
    unit_upsert,
)
from tests.conftest import LiveService, eventually, latest_decision, read_topic


def _at(base: datetime, minutes: float) -> str:
    return (base + timedelta(minutes=minutes)).isoformat()


async def _post(client: httpx.AsyncClient, *events: dict[str, Any]) -> None:
    for event in events:
        response = await client.post("/events", content=orjson.dumps(event))
        assert response.status_code == 202, response.text


async def _ledger(client: httpx.AsyncClient, count: int, **params: Any) -> dict[str, Any]:
    """GET /ledger once it holds `count` entries for `params`."""

    async def probe() -> httpx.Response:
        return await client.get("/ledger", params=params)

    response = await eventually(
        probe, lambda r: r.status_code == 200 and r.json()["total"] >= count, timeout=20.0
    )
    body: dict[str, Any] = response.json()
    assert body["total"] == count, body
    return body


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        sample = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if sample and ",".join(sorted(sample.group(1).split(","))) == wanted:
            return float(sample.group(2))
    return 0.0


class _History:
    """Seven eligible calls in one region, one per agency, each ending one way (served or one reason)."""

    def __init__(self) -> None:
        self.region = next_id("region")
        # CAD times well in the past: minutes are exact, and no other test's calls fall in the period.
        self.base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30)
        self.agency = {name: next_id("AG") for name in _REASONS}
        self.call = {name: next_id("C") for name in _REASONS}
        self.unit = {name: next_id("CR") for name in _REASONS}
        self.busy_with = next_id("C")
        self.decline_reason = "=patrol already on scene, subject calm"

    def at(self, minutes: float) -> str:
        return _at(self.base, minutes)

    def roster(self) -> list[dict[str, Any]]:
        """One team per agency, serving that agency alone."""
        ended = {
            "start": (datetime.now(UTC) - timedelta(hours=10)).isoformat(),
            "end": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        }
        out = []
        for name in _REASONS:
            agency = self.agency[name]
            out.append(
                unit_upsert(
                    self.unit[name],
                    region=self.region,
                    agency=agency,
                    # out_of_jurisdiction: the agency's only team serves another agency.
                    jurisdictions=(agency,) if name != "out_of_jurisdiction" else (self.agency["served"],),
                    model="secondary" if name == "no_compatible_team" else "primary",
                    can_transport=name == "no_compatible_team",
                    shift=ended if name == "no_team_on_shift" else current_shift(),
                    at=FORT_COLLINS,
                    occurred_at=self.at(0),
                )
            )
        return out

    def created(self, name: str, minutes: float, **fields: Any) -> dict[str, Any]:
        return call_created(
            self.call[name],
            region=self.region,
            agency=self.agency[name],
            priority=2,
            at=LOVELAND,
            occurred_at=self.at(minutes),
            **fields,
        )

    def closed(self, name: str, minutes: float, disposition: str) -> dict[str, Any]:
        return call_closed(
            self.call[name], region=self.region, occurred_at=self.at(minutes), disposition=disposition
        )


_REASONS = (
    "served",
    "no_team_on_shift",
    "all_teams_busy",
    "out_of_jurisdiction",
    "no_compatible_team",
    "declined",
    "closed_while_queued",
)
_DISPOSITION = {
    "served": "resolved_on_scene",
    "no_team_on_shift": "er",
    "all_teams_busy": "emergency_hold",
    "out_of_jurisdiction": "resolved_on_scene",
    "no_compatible_team": "arrest",
    "declined": "referred",
    "closed_while_queued": "transported_voluntary",
}


async def _play(client: httpx.AsyncClient, h: _History) -> None:
    """The history through POST /events (and one dispatcher decline through the ack route)."""
    await _post(client, *h.roster())
    busy_agency = h.agency["all_teams_busy"]
    await _post(
        client,
        # served: created at 0 (eligible at once), dispatched at 3 min, on scene at 12, closed at 50.
        h.created("served", 0),
        # all_teams_busy: the agency's one team is en route to another eligible call, left open.
        call_created(h.busy_with, region=h.region, agency=busy_agency, at=LOVELAND, occurred_at=h.at(1)),
        unit_status(h.unit["all_teams_busy"], "en_route", h.busy_with, region=h.region, occurred_at=h.at(2)),
        h.created("no_team_on_shift", 5),
        h.created("all_teams_busy", 10),
        h.created("out_of_jurisdiction", 15),
        h.created("no_compatible_team", 20, flags=("weapon",), narrative="HAS A KNIFE"),
        h.created("declined", 25),
        h.created("closed_while_queued", 30),
    )
    await _post(
        client,
        unit_status(h.unit["served"], "dispatched", h.call["served"], region=h.region, occurred_at=h.at(3)),
        unit_status(h.unit["served"], "on_scene", h.call["served"], region=h.region, occurred_at=h.at(12)),
    )
    for name in _REASONS:
        await latest_decision(client, h.call[name])
    decline = await client.post(
        f"/calls/{h.call['declined']}/ack", json={"action": "decline", "reason": h.decline_reason}
    )
    assert decline.status_code == 202, decline.text
    declined = await latest_decision(client, h.call["declined"], 2)
    assert declined["assignment"]["reason"] == "declined_by_dispatcher"
    await _post(
        client,
        unit_status(h.unit["served"], "available", region=h.region, occurred_at=h.at(50)),
        *(h.closed(name, 40 + i, _DISPOSITION[name]) for i, name in enumerate(_REASONS)),
    )


async def test_every_reason_reaches_the_topic_rest_csv_metrics_and_stats(live_service: LiveService) -> None:
    h = _History()
    async with httpx.AsyncClient(base_url=live_service.base_url, timeout=30) as client:
        metrics_before = (await client.get("/metrics")).text
        await _play(client, h)
        page = await _ledger(client, len(_REASONS), region=h.region)
        csv_response = await client.get(
            "/ledger", params={"region": h.region}, headers={"Accept": "text/csv"}
        )
        metrics_after = (await client.get("/metrics")).text
        stats = (await client.get("/stats", params={"region": h.region, "tz": "America/Denver"})).json()
        windowed = await client.get("/stats", params={"from": h.at(0), "to": h.at(12), "region": h.region})

    entries = {e["call_id"]: e for e in page["entries"]}
    assert set(entries) == {h.call[name] for name in _REASONS}, "one entry per eligible call, no other"
    assert h.busy_with not in entries, "an eligible call still open has no entry yet"
    assert [e["call_id"] for e in page["entries"]] == [h.call[name] for name in _REASONS], (
        "ordered by when the call was received"
    )
    assert page["next"] is None
    for name in _REASONS:
        entry = entries[h.call[name]]
        assert entry["agency"] == h.agency[name]
        assert entry["disposition"] == _DISPOSITION[name]
        if name == "served":
            assert entry["outcome"] == "served"
            assert entry["unit_id"] == h.unit["served"]
            assert entry["model"] == "primary"
            assert (entry["minutes_to_assignment"], entry["minutes_to_scene"]) == (3.0, 12.0)
            assert entry["reason"] is None
        else:
            assert (entry["outcome"], entry["reason"]) == ("unserved", name)
    assert entries[h.call["declined"]]["declined_reason"] == h.decline_reason
    assert entries[h.call["no_team_on_shift"]]["would_have_gone"]["unit_id"] == h.unit["no_team_on_shift"]
    assert entries[h.call["no_compatible_team"]]["would_have_gone"] is None, "never a secondary team, armed"

    # The topic: keyed by call id, the entry GET /ledger serves (duplicates allowed, never another one).
    on_topic = await read_topic(
        live_service.settings.kafka_bootstrap,
        live_service.settings.topic_ledger,
        lambda rs: {h.call[n].encode() for n in _REASONS} <= {r.key for r in rs},
    )
    for record in on_topic:
        if record.key.decode() in entries:
            assert orjson.loads(record.value) == entries[record.key.decode()]

    # CSV: the same entries, one row each, formula-looking text defused.
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_call = {row["call_id"]: row for row in rows}
    assert set(by_call) == set(entries)
    for name in _REASONS:
        row = by_call[h.call[name]]
        assert row["outcome"] == entries[h.call[name]]["outcome"]
        assert row["reason"] == (name if name != "served" else "")
        assert row["received_at"] == entries[h.call[name]]["received_at"]
    assert by_call[h.call["declined"]]["declined_reason"] == "'" + h.decline_reason, "no spreadsheet formula"
    assert by_call[h.call["served"]]["minutes_to_scene"] == "12.0"
    assert by_call[h.call["no_team_on_shift"]]["would_have_gone_unit_id"] == h.unit["no_team_on_shift"]

    # Metrics: each entry counted once by the instance that wrote it, by outcome, reason and agency.
    for name in _REASONS:
        labels = {
            "outcome": "served" if name == "served" else "unserved",
            "reason": "none" if name == "served" else name,
            "agency": h.agency[name],
        }
        delta = _metric(metrics_after, "corespond_ledger_entries_total", **labels) - _metric(
            metrics_before, "corespond_ledger_entries_total", **labels
        )
        assert delta == 1.0, (name, labels)
        read_side = {"outcome": labels["outcome"], "reason": labels["reason"]}
        assert _metric(metrics_after, "corespond_ledger_read_entries", **read_side) >= 1.0

    # /stats by hand: 7 eligible, 1 served (3 min to assignment, 12 to scene), one of each reason.
    assert (stats["eligible"], stats["served"], stats["unserved"]) == (7, 1, 6)
    assert stats["served_share"] == round(1 / 7, 4)
    assert stats["minutes_to_assignment"] == {"calls": 1, "median": 3.0, "p90": 3.0}
    assert stats["minutes_to_scene"] == {"calls": 1, "median": 12.0, "p90": 12.0}
    assert stats["unserved_by_reason"] == {name: 1 for name in _REASONS if name != "served"}
    every = stats["dispositions"]["all"]
    assert every["calls"] == 7
    assert every["counts"] == {
        "resolved_on_scene": 2,
        "referred": 1,
        "transported_voluntary": 1,
        "emergency_hold": 1,
        "er": 1,
        "arrest": 1,
        "cancelled": 0,
        "unfounded": 0,
    }
    assert (every["resolved_on_scene_share"], every["hospital_share"]) == (round(2 / 7, 4), round(3 / 7, 4))
    assert (every["arrest_share"], every["without_arrest_share"]) == (round(1 / 7, 4), round(6 / 7, 4))
    assert stats["dispositions"]["served"]["resolved_on_scene_share"] == 1.0
    assert {a: g["eligible"] for a, g in stats["by_agency"].items()} == {h.agency[n]: 1 for n in _REASONS}
    assert stats["by_agency"][h.agency["served"]]["served_share"] == 1.0
    assert stats["by_model"]["primary"]["eligible"] == 1, "the armed call asked for a primary team"
    assert stats["by_model"]["any"]["eligible"] == 6
    assert stats["timezone"] == "America/Denver"
    local_hours = {
        (h.base + timedelta(minutes=m)).astimezone(_denver()).hour for m in (0, 5, 10, 15, 20, 25, 30)
    }
    assert {hour for hour, g in enumerate(stats["by_hour"]) if g["eligible"]} == local_hours
    assert sum(g["eligible"] for g in stats["by_hour"]) == 7
    # The period selects by when the call was received: [0, 12) minutes holds the first three calls.
    assert windowed.status_code == 200
    assert windowed.json()["eligible"] == 3


def _denver() -> ZoneInfo:
    return ZoneInfo("America/Denver")


async def test_pages_follow_the_cursor_in_either_order(live_service: LiveService) -> None:
    region = next_id("region")
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=50)
    calls = [next_id("C") for _ in range(5)]
    async with httpx.AsyncClient(base_url=live_service.base_url, timeout=30) as client:
        # No team at all in the region: every call ends unserved, no_team_on_shift.
        await _post(
            client,
            *(
                call_created(c, region=region, occurred_at=_at(base, i), priority=2)
                for i, c in enumerate(calls)
            ),
        )
        for call_id in calls:
            await latest_decision(client, call_id)
        await _post(client, *(call_closed(c, region=region, occurred_at=_at(base, 30)) for c in calls))
        await _ledger(client, 5, region=region)
        seen: list[str] = []
        link: str | None = f"/ledger?region={region}&limit=2"
        pages = 0
        while link is not None:
            response = await client.get(link)
            assert response.status_code == 200
            body = response.json()
            assert body["total"] == 5
            assert response.headers["x-total-count"] == "5"
            seen.extend(e["call_id"] for e in body["entries"])
            link = body["next"]
            if link is not None:
                assert response.headers["link"] == f'<{link}>; rel="next"'
            pages += 1
        newest_first = await client.get("/ledger", params={"region": region, "order": "desc", "limit": 3})
        rest = await client.get(newest_first.json()["next"])
        csv_page = await client.get(
            "/ledger", params={"region": region, "limit": 2}, headers={"Accept": "text/csv"}
        )
        reasons = await client.get(
            "/ledger", params={"region": region, "reason": ["no_team_on_shift", "declined"]}
        )
        none = await client.get("/ledger", params={"region": region, "outcome": "served"})
    assert seen == calls, "every entry once, oldest first"
    assert pages == 3
    assert [e["call_id"] for e in newest_first.json()["entries"] + rest.json()["entries"]] == calls[::-1]
    assert rest.json()["next"] is None
    assert len(list(csv.DictReader(io.StringIO(csv_page.text)))) == 2
    assert "after=" in csv_page.headers["link"], "a CSV page says where the rest is too"
    assert reasons.json()["total"] == 5
    assert none.json() == {"entries": [], "total": 0, "next": None}


@pytest.mark.parametrize(
    ("path", "params", "error", "says"),
    [
        ("/ledger", {"from": "yesterday"}, "invalid_time", "RFC 3339"),
        ("/stats", {"to": "-479001601"}, "invalid_time", "RFC 3339"),
        ("/ledger", {"from": "1764547200"}, "invalid_time", "RFC 3339"),
        ("/ledger", {"from": "2026-12-01T00:00:00"}, "invalid_time", "with a zone"),
        ("/ledger", {"to": "2026-12-01T00:00:00 00:00"}, "invalid_time", "%2B"),
        (
            "/ledger",
            {"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
            "empty_period",
            "must be after",
        ),
        ("/ledger", {"reason": "too_busy"}, "invalid_request", "reason"),
        ("/ledger", {"outcome": "maybe"}, "invalid_request", "outcome"),
        ("/ledger", {"limit": "0"}, "invalid_request", "limit"),
        ("/ledger", {"limit": "5001"}, "invalid_request", "limit"),
        ("/ledger", {"after": "not-a-cursor"}, "invalid_cursor", "next"),
        ("/ledger", {"order": "sideways"}, "invalid_request", "order"),
        ("/stats", {"tz": "Mars/Olympus_Mons"}, "invalid_timezone", "IANA"),
        ("/stats", {"tz": "America"}, "invalid_timezone", "IANA"),
        ("/stats", {"from": "2026-12-01"}, "invalid_time", "RFC 3339"),
    ],
)
async def test_bad_parameters_get_a_clear_422(
    live_service: LiveService, path: str, params: dict[str, str], error: str, says: str
) -> None:
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == error
    assert says in body["detail"]
