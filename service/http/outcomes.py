"""GET /ledger (the unserved-call ledger, JSON or CSV, a page at a time) and GET /stats (its outcomes).

Both read the read model's `LedgerStore` (every region, built from the ledger topic), select entries
by when the call was received (`from` inclusive, `to` exclusive, RFC 3339 with a zone), and are read
by the roles that read calls: observers get substance-use nature codes and the dispatchers' free-text
decline reasons withheld (`service.redaction`). Every read is audited, with how many entries it
returned. Figures are selected and computed off the event loop (`routing.outcomes`).
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from routing.outcomes import outcome_stats
from schemas._base import Identifier
from schemas.api import ErrorBody
from schemas.ledger import LedgerOutcome, UnservedReason
from schemas.outcomes import LedgerPage, OutcomeStats
from service.access import Permission, Principal
from service.audit import audit
from service.http.deps import OutcomeReader, RuntimeDep
from service.http.errors import AUTH_ERRORS, ApiError
from service.ledger_csv import ledger_csv
from service.ledger_store import InvalidCursor, LedgerFilter, StoredEntry, decode_cursor, epoch_micros
from service.redaction import withhold_in_ledger_entry

__all__ = ["MAX_PAGE", "router"]

router = APIRouter(tags=["outcomes"])

MAX_PAGE = 5000
DEFAULT_PAGE = 500
_TIME = TypeAdapter(AwareDatetime)
_RFC3339_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_INVALID: dict[int | str, dict[str, Any]] = {**AUTH_ERRORS, 422: {"model": ErrorBody}}
_CSV = "text/csv"


def _from() -> Any:
    return Query(
        alias="from",
        description="Calls received at or after this time (RFC 3339 with a zone, e.g. 2026-12-01T00:00:00Z; "
        "in a URL write `+` as %2B).",
        json_schema_extra={"format": "date-time"},
    )


def _to() -> Any:
    return Query(
        alias="to",
        description="Calls received before this time (RFC 3339 with a zone).",
        json_schema_extra={"format": "date-time"},
    )


def _region() -> Any:
    return Query(description="One region only (default: every region).")


def _time(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    # pydantic would also take a number as Unix seconds: the API promises RFC 3339 only
    moment: datetime | None = None
    if _RFC3339_START.match(text):
        try:
            moment = _TIME.validate_python(text)
        except ValidationError:
            moment = None
    if moment is None:
        hint = " (a '+' in a URL reads as a space: write it as %2B, or use Z)" if " " in text else ""
        raise ApiError(
            422,
            "invalid_time",
            f"{name}={text!r} is not an RFC 3339 time with a zone, e.g. 2026-12-01T00:00:00Z{hint}",
        )
    return moment


def _period(start_text: str | None, end_text: str | None) -> tuple[datetime | None, datetime | None]:
    start, end = _time("from", start_text), _time("to", end_text)
    if start is not None and end is not None and end <= start:
        raise ApiError(
            422, "empty_period", f"to ({end.isoformat()}) must be after from ({start.isoformat()})"
        )
    return start, end


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else epoch_micros(moment)


def _as_seen_by(principal: Principal, stored: StoredEntry) -> bytes:
    if principal.may(Permission.READ_SUBSTANCE_USE):
        return stored.encoded
    return withhold_in_ledger_entry(stored.encoded, stored.substance_use_nature)


def _wants_csv(request: Request) -> bool:
    """`Accept: text/csv` (before any JSON type, if both are listed) asks for CSV; anything else, JSON."""
    for part in request.headers.get("accept", "").split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media == _CSV:
            return True
        if media in ("application/json", "application/*"):
            return False
    return False


@router.get(
    "/ledger",
    response_model=LedgerPage,
    responses={
        **_INVALID,
        200: {
            "description": "A page of entries: JSON (`LedgerPage`), or CSV with `Accept: text/csv` (a header "
            'row, then one row per entry). The next page, if any, is in the `Link: <...>; rel="next"` '
            "header (and `next` of the JSON).",
            "content": {_CSV: {"schema": {"type": "string"}}},
        },
    },
)
async def list_ledger(
    *,
    request: Request,
    runtime: RuntimeDep,
    principal: OutcomeReader,
    start: Annotated[str | None, _from()] = None,
    end: Annotated[str | None, _to()] = None,
    reason: Annotated[
        list[UnservedReason] | None, Query(description="Unserved with this reason (repeat for several).")
    ] = None,
    outcome: Annotated[LedgerOutcome | None, Query(description="Served or unserved only.")] = None,
    agency: Annotated[
        list[Identifier] | None, Query(description="The call's agency (repeat for several).")
    ] = None,
    region: Annotated[Identifier | None, _region()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Entries per page.")] = DEFAULT_PAGE,
    after: Annotated[
        str | None, Query(max_length=512, description="The cursor of the previous page's `next`.")
    ] = None,
    order: Annotated[
        Literal["asc", "desc"], Query(description="By received_at then call_id: oldest first, or newest.")
    ] = "asc",
) -> Response:
    """Ledger entries of eligible calls received in [from, to): served (team, minutes to assignment and
    to scene) or unserved with one reason, each with the team that would have gone."""
    period_start, period_end = _period(start, end)
    try:
        position = decode_cursor(after) if after is not None else None
    except InvalidCursor as error:
        raise ApiError(422, "invalid_cursor", str(error)) from None
    wanted = LedgerFilter(
        start_us=_micros(period_start),
        end_us=_micros(period_end),
        reasons=frozenset(reason or ()),
        outcome=outcome,
        agencies=frozenset(agency or ()),
        region=region,
    )
    page = runtime.read_model.ledger.page(wanted, after=position, limit=limit, descending=order == "desc")
    audit(principal, "list_ledger", region, records=len(page.entries))
    bodies = [_as_seen_by(principal, stored) for stored in page.entries]
    headers: dict[str, str] = {"X-Total-Count": str(page.total)}
    next_path = None
    if page.next_cursor is not None:
        next_url = request.url.include_query_params(after=page.next_cursor)
        next_path = f"{next_url.path}?{next_url.query}"
        headers["Link"] = f'<{next_path}>; rel="next"'
    if _wants_csv(request):
        headers["Content-Disposition"] = 'inline; filename="corespond-ledger.csv"'
        return Response(ledger_csv(bodies), media_type="text/csv; charset=utf-8", headers=headers)
    total = str(page.total).encode()
    tail = orjson.dumps(next_path)
    body = b'{"entries":[' + b",".join(bodies) + b'],"total":' + total + b',"next":' + tail + b"}"
    return Response(body, media_type="application/json", headers=headers)


@router.get("/stats", response_model=OutcomeStats, responses=_INVALID)
async def stats(
    *,
    runtime: RuntimeDep,
    principal: OutcomeReader,
    start: Annotated[str | None, _from()] = None,
    end: Annotated[str | None, _to()] = None,
    region: Annotated[Identifier | None, _region()] = None,
    tz: Annotated[
        str | None,
        Query(
            max_length=64,
            description="IANA time zone of `by_hour`, e.g. America/Denver (default: CORESPOND_TIMEZONE).",
        ),
    ] = None,
) -> Response:
    """Outcomes of the eligible calls received in [from, to): served share, minutes to assignment and to
    scene, unserved calls by reason, dispositions; by agency, response model and local hour of day."""
    period_start, period_end = _period(start, end)
    zone_name = tz or runtime.settings.timezone
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory of zones, e.g. "America"
        raise ApiError(
            422, "invalid_timezone", f"tz={zone_name!r} is not an IANA time zone, e.g. America/Denver or UTC"
        ) from None
    wanted = LedgerFilter(start_us=_micros(period_start), end_us=_micros(period_end), region=region)
    store = runtime.read_model.ledger

    def figures() -> tuple[OutcomeStats, int]:
        facts = [stored.facts for stored in store.matching(wanted)]
        return (
            outcome_stats(
                facts, timezone=zone, period_start=period_start, period_end=period_end, region=region
            ),
            len(facts),
        )

    # Off the event loop: a year of a large city is 10^5 entries (see `LedgerStore` on reading it from
    # another thread).
    stats_body, selected = await asyncio.to_thread(figures)
    audit(principal, "read_stats", region, records=selected)
    return Response(stats_body.model_dump_json().encode(), media_type="application/json")
