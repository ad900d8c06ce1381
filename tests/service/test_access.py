"""Access control through a real server: every protected route refuses a missing or wrong-role token."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from service.access import Role
from service.broker import EmbeddedBroker
from service.redaction import WITHHELD_CODE, is_substance_use, withhold_substance_use
from tests.builders import call_closed, call_created, next_id, unit_upsert
from tests.conftest import LiveService, eventually, start_service, stop_service, unique_settings, until_ready

TOKENS = {role: f"{role.value}-token-{'x' * 20}" for role in Role}

ROUTES: list[tuple[str, str, Role]] = [
    ("POST", "/events", Role.INTEGRATION),
    ("GET", "/calls", Role.DISPATCHER),
    ("GET", "/calls/SOME-CALL", Role.DISPATCHER),
    ("POST", "/calls/SOME-CALL/ack", Role.DISPATCHER),
    ("GET", "/units", Role.DISPATCHER),
    ("GET", "/units/SOME-UNIT", Role.DISPATCHER),
    ("POST", "/ws/ticket", Role.DISPATCHER),
    ("GET", "/metrics", Role.ADMIN),
    ("GET", "/ledger", Role.DISPATCHER),
    ("GET", "/stats", Role.DISPATCHER),
]
"""Each protected route with a role that may use it."""

ALLOWED: dict[str, set[Role]] = {
    "/events": {Role.INTEGRATION, Role.ADMIN},
    "/calls": {Role.DISPATCHER, Role.OBSERVER, Role.ADMIN},
    "/calls/SOME-CALL": {Role.DISPATCHER, Role.OBSERVER, Role.ADMIN},
    "/calls/SOME-CALL/ack": {Role.DISPATCHER, Role.ADMIN},
    "/units": {Role.DISPATCHER, Role.OBSERVER, Role.ADMIN},
    "/units/SOME-UNIT": {Role.DISPATCHER, Role.OBSERVER, Role.ADMIN},
    "/ws/ticket": {Role.DISPATCHER, Role.OBSERVER, Role.ADMIN},
    "/metrics": {Role.ADMIN},
    "/ledger": {Role.DISPATCHER, Role.OBSERVER, Role.ADMIN},
    "/stats": {Role.DISPATCHER, Role.OBSERVER, Role.ADMIN},
}


@pytest.fixture(scope="module")
async def secured(broker: EmbeddedBroker) -> AsyncIterator[LiveService]:
    keys = ",".join(f"{role.value}:{token}" for role, token in TOKENS.items())
    service, task = await start_service(unique_settings(broker.bootstrap, api_keys=keys))
    async with httpx.AsyncClient(base_url=service.base_url) as client:
        await until_ready(client)
    yield service
    await stop_service(service, task)


def _auth(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.mark.parametrize(("method", "path", "_role"), ROUTES)
async def test_no_token_or_a_bad_token_is_401(
    secured: LiveService, method: str, path: str, _role: Role
) -> None:
    async with httpx.AsyncClient(base_url=secured.base_url) as client:
        for headers in (
            {},
            {"Authorization": "Bearer not-a-known-token-at-all"},
            {"Authorization": "Basic x"},
        ):
            response = await client.request(method, path, headers=headers, content=b"{}")
            assert response.status_code == 401, (path, headers)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "_role"), ROUTES)
@pytest.mark.parametrize("role", list(Role))
async def test_each_role_gets_exactly_its_routes(
    secured: LiveService, method: str, path: str, _role: Role, role: Role
) -> None:
    async with httpx.AsyncClient(base_url=secured.base_url) as client:
        response = await client.request(method, path, headers=_auth(role), content=b"{}")
    if role in ALLOWED[path]:
        assert response.status_code not in (401, 403), (path, role, response.text)
    else:
        assert response.status_code == 403, (path, role)
        assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize("role", list(Role))
async def test_me_names_the_role_and_exactly_what_it_may_do(secured: LiveService, role: Role) -> None:
    async with httpx.AsyncClient(base_url=secured.base_url) as client:
        body = (await client.get("/me", headers=_auth(role))).json()
        refused = await client.get("/me", headers={"Authorization": "Bearer not-a-known-token-at-all"})
    assert body["role"] == role.value
    assert body["principal"].startswith(f"{role.value}-")
    assert ("ack" in body["permissions"]) == (role in ALLOWED["/calls/SOME-CALL/ack"])
    assert ("read_metrics" in body["permissions"]) == (role in ALLOWED["/metrics"])
    assert ("write_events" in body["permissions"]) == (role in ALLOWED["/events"])
    assert ("read_substance_use" in body["permissions"]) == (role in {Role.DISPATCHER, Role.ADMIN})
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthenticated"


async def test_health_ready_and_docs_need_no_token(secured: LiveService) -> None:
    async with httpx.AsyncClient(base_url=secured.base_url) as client:
        for path in ("/health", "/ready", "/openapi.json"):
            assert (await client.get(path)).status_code == 200, path


async def test_websocket_is_refused_before_accept_without_a_valid_credential(secured: LiveService) -> None:
    url = f"{secured.ws_url}/ws/decisions"
    for headers in ({}, _auth(Role.INTEGRATION), {"Authorization": "Bearer nope-nope-nope-nope"}):
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(url, additional_headers=headers):
                pass
        assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        async with websockets.connect(f"{url}?ticket=forged"):
            pass
    with pytest.raises(InvalidStatus):
        async with websockets.connect(
            url, additional_headers=_auth(Role.DISPATCHER), origin="https://evil.example"
        ):
            pass


async def test_a_browser_ticket_opens_the_websocket_once(secured: LiveService) -> None:
    async with httpx.AsyncClient(base_url=secured.base_url) as client:
        ticket = (await client.post("/ws/ticket", headers=_auth(Role.DISPATCHER))).json()["ticket"]
    url = f"{secured.ws_url}/ws/decisions?ticket={ticket}"
    async with websockets.connect(url, origin=secured.base_url):
        pass
    with pytest.raises(InvalidStatus):
        async with websockets.connect(url):
            pass


async def test_observers_do_not_see_substance_use_details(secured: LiveService) -> None:
    region, call_id = next_id("region"), next_id("LPD-26")
    event = call_created(
        call_id, region=region, nature_code="OVERDOSE", narrative="SUBJ UNRESPONSIVE AFTER FENTANYL"
    )
    async with httpx.AsyncClient(base_url=secured.base_url) as client:
        for body in (unit_upsert(next_id("LCSO-CR"), region=region), event):
            response = await client.post(
                "/events", content=orjson.dumps(body), headers=_auth(Role.INTEGRATION)
            )
            assert response.status_code == 202

        async def as_dispatcher() -> httpx.Response:
            return await client.get(f"/calls/{call_id}", headers=_auth(Role.DISPATCHER))

        full = (await eventually(as_dispatcher, lambda r: r.status_code == 200)).json()
        observed = (await client.get(f"/calls/{call_id}", headers=_auth(Role.OBSERVER))).json()
    assert full["triage"]["reasons"]
    assert observed["triage"]["score"] == full["triage"]["score"]
    assert orjson.loads(withhold_substance_use(orjson.dumps(full))) == observed
    assert any(is_substance_use(r["code"]) for r in full["triage"]["reasons"])
    assert WITHHELD_CODE in {r["code"] for r in observed["triage"]["reasons"]}
    assert not any(is_substance_use(r["code"]) for r in observed["triage"]["reasons"])
    assert "FENTANYL" not in orjson.dumps(observed).decode()
    assert full["call"]["nature_code"] == "OVERDOSE"
    assert observed["call"]["nature_code"] == "[withheld]"


async def test_observers_read_the_ledger_without_substance_use_or_free_text_and_reads_are_audited(
    secured: LiveService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="corespond.audit")
    region, call_id = next_id("region"), next_id("LPD-26")
    reason = "RP says he drank all day; detox referral instead"
    async with httpx.AsyncClient(base_url=secured.base_url) as client:
        for body in (
            unit_upsert(next_id("LCSO-CR"), region=region),
            call_created(call_id, region=region, nature_code="OD", narrative="SAYS HE WANTS TO KILL HIMSELF"),
        ):
            response = await client.post(
                "/events", content=orjson.dumps(body), headers=_auth(Role.INTEGRATION)
            )
            assert response.status_code == 202

        async def decided() -> httpx.Response:
            return await client.get(f"/calls/{call_id}", headers=_auth(Role.DISPATCHER))

        await eventually(decided, lambda r: r.status_code == 200)
        declined = await client.post(
            f"/calls/{call_id}/ack",
            json={"action": "decline", "reason": reason},
            headers=_auth(Role.DISPATCHER),
        )
        assert declined.status_code == 202, declined.text
        await eventually(decided, lambda r: r.json()["revision"] >= 2)
        closed = call_closed(call_id, region=region, occurred_at="2026-11-28T21:30:00Z")
        response = await client.post("/events", content=orjson.dumps(closed), headers=_auth(Role.INTEGRATION))
        assert response.status_code == 202

        async def ledger_as_dispatcher() -> httpx.Response:
            return await client.get("/ledger", params={"region": region}, headers=_auth(Role.DISPATCHER))

        full = (await eventually(ledger_as_dispatcher, lambda r: r.json()["total"] == 1)).json()["entries"][0]
        observed = (
            await client.get("/ledger", params={"region": region}, headers=_auth(Role.OBSERVER))
        ).json()["entries"][0]
        observed_csv = (
            await client.get(
                "/ledger", params={"region": region}, headers={**_auth(Role.OBSERVER), "Accept": "text/csv"}
            )
        ).text
        stats = await client.get("/stats", params={"region": region}, headers=_auth(Role.OBSERVER))
    assert (full["nature_code"], full["declined_reason"]) == ("OD", reason)
    assert (observed["nature_code"], observed["declined_reason"]) == ("[withheld]", "[withheld]")
    assert observed["reason"] == "declined", "what happened is not withheld, only what it says"
    assert "detox" not in observed_csv
    assert ",OD," not in observed_csv
    assert stats.status_code == 200
    assert stats.json()["unserved_by_reason"]["declined"] == 1
    lines = [orjson.loads(r.getMessage()) for r in caplog.records if r.name == "corespond.audit"]
    reads = [line for line in lines if line["action"] in ("list_ledger", "read_stats")]
    assert {(line["action"], line["role"]) for line in reads} >= {
        ("list_ledger", "dispatcher"),
        ("list_ledger", "observer"),
        ("read_stats", "observer"),
    }
    assert all(line["target"] == region for line in reads)
    assert [line["records"] for line in reads if line["role"] == "observer"] == [1, 1, 1]
