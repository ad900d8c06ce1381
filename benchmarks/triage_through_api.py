"""Triage measured through the public API, the way an outside tester measures it.

    python -m benchmarks.triage_through_api FILE.csv [FILE.csv ...] [--limit N] [--json OUT]

Starts `corespond serve --embedded-broker` as an operator would, then, for every labeled call of the
files (the `corespond triage-eval` format, e.g. `tests/triage/cases/blind_*.csv`), sends CAD events
through `POST /events`: a `call.created` with the intake fields and the first narrative, one
`call.updated` per append with its `narrative_append`, in time order, then a `call.closed`. It reads
each call's decision back from `GET /calls/{call_id}` and reports, per file:
- the figures `corespond triage-eval` prints, computed from those decisions: recall and precision of
  sending a co-responder, safety-gate breaches, ems needs missed (the API shows the ems need as the
  `medical_emergency` safety code);
- the same calls scored by the core directly, and every call whose response, band or safety codes
  differ between the two. The adapters (contract, Kafka, region state, append join, read side) must
  not change what the core says: any difference is a bug.

Why the close: a call gets a new revision only when something material changes, so the last append
may leave nothing new to wait for. The close is the call's last event in its region's partition; the
revision it makes (`call_status: closed`) carries the triage of everything sent before it.

Prints figures and case ids only, never case text, so a sealed file can be measured unread.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from schemas.decisions import Band, Response
from service.bootstrap import triager_from
from service.broker import free_port
from service.settings import Settings
from service.triage_eval import EvalReport, LabeledCall, as_json, evaluate_results, read_labeled_csv
from triage.facts import Reason, TriageResult

__all__ = ["ApiMeasure", "Disagreement", "cad_events", "main", "measure", "result_from_decision"]

MEDICAL_SAFETY = "medical_emergency"
"""The safety code under which the API shows that a call needs EMS."""

_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
_APPEND_GAP = timedelta(minutes=2)
_CALL_GAP = timedelta(seconds=20)
_LOCATION = {"lat": 40.5853, "lon": -105.0844}
_CALLER_TYPES = frozenset({"self", "family", "third_party", "officer", "other"})


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One call the running service decided differently from the core."""

    case_id: str
    field: str
    core: str
    api: str


@dataclass(frozen=True, slots=True)
class ApiMeasure:
    source: str
    calls: int
    events: int
    seconds: float
    api: EvalReport
    """The figures computed from the decisions read back through the API."""
    core: EvalReport
    """The same calls scored by the core in this process."""
    disagreements: tuple[Disagreement, ...]


def cad_events(call: LabeledCall, *, call_id: str, region: str, index: int) -> list[dict[str, Any]]:
    """The CAD events a dispatch system would send for one labeled call, in time order."""
    created_at = _START + index * _CALL_GAP
    first, *appends = call.narrative_parts or (call.facts.narrative,)
    body: dict[str, Any] = {
        "call_id": call_id,
        "agency": call.facts.agency or "AGENCY",
        "nature_code": call.facts.nature_code,
        "priority": call.facts.priority,
        "location": _LOCATION,
        "narrative": first,
        "flags": sorted(call.facts.flags),
    }
    if call.facts.caller_type in _CALLER_TYPES:
        body["caller_type"] = call.facts.caller_type
    events = [_event(f"{call_id}/created", "call.created", created_at, region, body)]
    for n, text in enumerate(appends, start=1):
        at = created_at + n * _APPEND_GAP
        update = {"call_id": call_id, "narrative_append": text}
        events.append(_event(f"{call_id}/append-{n}", "call.updated", at, region, update))
    closed_at = created_at + (len(appends) + 1) * _APPEND_GAP
    close = {"call_id": call_id, "disposition": "resolved_on_scene"}
    events.append(_event(f"{call_id}/closed", "call.closed", closed_at, region, close))
    return events


def _event(event_id: str, kind: str, at: datetime, region: str, call: dict[str, Any]) -> dict[str, Any]:
    stamp = at.isoformat().replace("+00:00", "Z")
    return {"event_id": event_id, "type": kind, "occurred_at": stamp, "region": region, "call": call}


def result_from_decision(decision: dict[str, Any]) -> TriageResult:
    """The triage part of a decision as the core's result type (needs: `ems` from its safety code)."""
    triage = decision["triage"]
    safety = tuple(triage["safety"])
    return TriageResult(
        score=float(triage["score"]),
        band=Band(triage["band"]),
        response=Response(triage["response"]),
        reasons=tuple(Reason(r["code"], float(r["weight"]), r["evidence"]) for r in triage["reasons"]),
        safety=safety,
        needs=frozenset({"ems"}) if MEDICAL_SAFETY in safety else frozenset(),
    )


def _differences(case_id: str, core: TriageResult, api: TriageResult) -> list[Disagreement]:
    pairs = (
        ("response", core.response.value, api.response.value),
        ("band", core.band.value, api.band.value),
        ("safety", ",".join(sorted(core.safety)), ",".join(sorted(api.safety))),
    )
    return [Disagreement(case_id, name, a, b) for name, a, b in pairs if a != b]


async def measure(
    client: httpx.AsyncClient,
    path: Path,
    settings: Settings,
    *,
    region: str = "blind",
    limit: int | None = None,
    concurrency: int = 8,
    timeout_s: float = 120.0,
) -> ApiMeasure:
    """Send the file's calls through the API, read their decisions back, compare with the core."""
    calls = read_labeled_csv(path)[:limit]
    run = f"{path.stem}-{time.time_ns() % 10**9}"
    call_ids = [f"{run}-{n:04d}" for n in range(len(calls))]
    began = time.perf_counter()
    gate = asyncio.Semaphore(concurrency)

    async def send(index: int) -> int:
        events = cad_events(calls[index], call_id=call_ids[index], region=region, index=index)
        async with gate:
            for event in events:
                response = await client.post("/events", json=event)
                if response.status_code != 202:
                    raise RuntimeError(
                        f"{path.name} case {calls[index].case_id}: POST /events answered "
                        f"{response.status_code}: {response.text[:300]}"
                    )
        return len(events)

    sent = await asyncio.gather(*(send(i) for i in range(len(calls))))
    decisions = await asyncio.gather(*(_closed_decision(client, cid, gate, timeout_s) for cid in call_ids))
    seconds = time.perf_counter() - began
    api_results = [result_from_decision(d) for d in decisions]
    triager = triager_from(settings)
    core_results = [triager.triage(c.facts) for c in calls]
    threshold = triager.default.thresholds.medium
    disagreements = [
        d
        for call, core, api in zip(calls, core_results, api_results, strict=True)
        for d in _differences(call.case_id, core, api)
    ]
    return ApiMeasure(
        source=str(path),
        calls=len(calls),
        events=sum(sent),
        seconds=seconds,
        api=evaluate_results(f"{path} (through the API)", calls, api_results, threshold),
        core=evaluate_results(f"{path} (core)", calls, core_results, threshold),
        disagreements=tuple(disagreements),
    )


async def _closed_decision(
    client: httpx.AsyncClient, call_id: str, gate: asyncio.Semaphore, timeout_s: float
) -> dict[str, Any]:
    """The call's decision once its close has been applied, polled with a deadline."""
    deadline = time.monotonic() + timeout_s
    pause = 0.05
    while True:
        async with gate:
            response = await client.get(f"/calls/{call_id}")
        if response.status_code == 200:
            decision: dict[str, Any] = response.json()
            if decision.get("call_status") == "closed":
                return decision
        elif response.status_code != 404:
            raise RuntimeError(f"GET /calls/{call_id} answered {response.status_code}: {response.text[:300]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no closed decision for {call_id} within {timeout_s:.0f}s")
        await asyncio.sleep(pause)  # polling interval of a condition with a deadline
        pause = min(pause * 1.5, 1.0)


def render(result: ApiMeasure) -> str:
    """Figures and case ids only: a sealed file stays unread."""
    lines = [f"{result.source}: {result.calls} calls, {result.events} events in {result.seconds:.1f} s"]
    for name, report in (("through the API", result.api), ("core, in process", result.core)):
        d, s = report.decision, report.safety
        safety = ""
        if s.breaches is not None:
            safety += f", breaches {s.breaches} of {s.officer_required} officer-required"
        if s.ems_missed is not None:
            safety += f", ems missed {s.ems_missed} of {s.ems_expected}"
        lines.append(
            f"  {name:<17} recall {d.recall:.3f}  precision {d.precision:.3f}"
            f"  (TP {d.tp} FP {d.fp} FN {d.fn} TN {d.tn}){safety}"
        )
    if result.disagreements:
        lines.append(f"  DISAGREEMENTS between the API and the core: {len(result.disagreements)}")
        lines.extend(
            f"    {d.case_id}: {d.field} core={d.core!r} api={d.api!r}" for d in result.disagreements
        )
    else:
        lines.append("  the API and the core agree on every call (response, band, safety codes)")
    return "\n".join(lines)


def _as_json(result: ApiMeasure) -> dict[str, Any]:
    """Both reports as `corespond triage-eval --json` writes them, beside the run and its disagreements."""
    return {
        "source": result.source,
        "calls": result.calls,
        "events": result.events,
        "seconds": result.seconds,
        "api": as_json(result.api),
        "core": as_json(result.core),
        "disagreements": [asdict(d) for d in result.disagreements],
    }


@contextlib.asynccontextmanager
async def running_service(log_path: Path) -> AsyncIterator[str]:
    """`corespond serve --embedded-broker` on a free port; yields its base URL once it is ready."""
    port = free_port()
    env = {**os.environ, "CORESPOND_LOG_LEVEL": "WARNING"}
    argv = [sys.executable, "-m", "service", "serve", "--embedded-broker", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, env=env)  # noqa: ASYNC220
    try:
        assert process.stdout is not None
        banner = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=90)
        if b"corespond ready" not in banner:
            raise RuntimeError(f"the service did not start; its log: {log_path}")
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as client:
            deadline = time.monotonic() + 60
            while (await client.get("/ready")).status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the service was not ready within 60 s; its log: {log_path}")
                await asyncio.sleep(0.1)  # polling interval of a condition with a deadline
        yield base
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(asyncio.to_thread(process.wait), timeout=30)
        except TimeoutError:
            process.kill()
            process.wait()


async def _run(paths: Sequence[Path], limit: int | None, json_path: Path | None, log_path: Path) -> int:
    settings = Settings()
    results: list[ApiMeasure] = []
    async with running_service(log_path) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        for n, path in enumerate(paths, start=1):
            print(f"[{n}/{len(paths)}] {path.name} ...", file=sys.stderr, flush=True)
            result = await measure(client, path, settings, limit=limit)
            results.append(result)
            print(render(result), flush=True)  # the command's output is the report
    if json_path is not None:
        await asyncio.to_thread(
            json_path.write_text, json.dumps([_as_json(r) for r in results], indent=2) + "\n"
        )
    return 1 if any(r.disagreements for r in results) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.triage_through_api",
        description="Send labeled calls through the running service's API and score its decisions.",
    )
    parser.add_argument("files", nargs="+", type=Path, help="labeled CSV files (triage-eval format)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N calls of each file")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument(
        "--log",
        type=Path,
        default=Path(__file__).parent / "results" / "triage_through_api.log",
        help="the service's log (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    return asyncio.run(_run(args.files, args.limit, args.json, args.log))


if __name__ == "__main__":
    raise SystemExit(main())
