"""The rules of a dispatcher's ack, in one place: which acks a call accepts and which unit each ties.

`resolve_ack(target, ack, unit_known)` is used twice with the same rules: by the HTTP handler of
`POST /calls/{id}/ack` on the read model (so the dispatcher hears at once why an ack is refused, on
any instance) and by `routing.region` when the owning instance applies the `call.acknowledged` event
to its state (the state may have moved on in between: the event is then dead-lettered with the same
reason code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from routing.errors import EventRejected
from schemas.events import AckAction, CallAck

__all__ = ["AckTarget", "resolve_ack"]


@dataclass(frozen=True, slots=True)
class AckTarget:
    """What the ack rules need to know of a call."""

    call_id: str
    known: bool
    """The call exists (it was created and decided at least once)."""
    closed: bool
    revision: int
    """The revision of its latest decision."""
    recommended_unit: str | None
    """The unit its latest decision recommends (or holds, when fixed)."""


def resolve_ack(target: AckTarget, ack: CallAck, unit_known: Callable[[str], bool]) -> str | None:
    """The unit the ack ties to the call (None: co-response declined); `EventRejected` when refused.

    Reasons: `unknown_call`, `call_closed`, `stale_revision` (an accept of a revision that is no
    longer the latest), `nothing_to_accept` (no unit recommended), `unknown_unit`.
    """
    if not target.known:
        raise EventRejected("unknown_call", f"no open call {ack.call_id}")
    if target.closed:
        raise EventRejected("call_closed", f"call {ack.call_id} is closed")
    if ack.action is AckAction.DECLINE:
        return None
    unit_id = ack.unit_id
    if unit_id is None:
        if ack.revision is not None and ack.revision != target.revision:
            raise EventRejected(
                "stale_revision",
                f"call {ack.call_id} is at revision {target.revision}, the ack accepted {ack.revision}",
            )
        if target.recommended_unit is None:
            raise EventRejected("nothing_to_accept", f"call {ack.call_id} has no recommended unit")
        unit_id = target.recommended_unit
    if not unit_known(unit_id):
        raise EventRejected("unknown_unit", f"no unit {unit_id} in the call's region")
    return unit_id
