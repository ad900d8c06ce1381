"""The read model behind GET /ledger and GET /stats: every ledger entry of every region, in order.

Written only by the read side's tail of the ledger topic (`service.read_model`), on the event loop;
read by HTTP handlers. Entries are kept as published (their JSON, so a page is a concatenation) with
the facts the filters and the figures read (`routing.outcomes.LedgerFacts`), ordered by when the
call was received, then call id: the order of `GET /ledger` and of its cursor. The topic is
at-least-once: an entry read again (a re-publication after a restart) is recognized and kept once.

`matching()` may run in another thread while the event loop writes (GET /stats sums a year off the
loop): it copies the order with one list slice, atomic under the GIL, and looks each entry up in a
dict that entries are replaced in, never removed from; it sees the store as of the copy, or newer.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from routing.outcomes import LedgerFacts
from schemas.ledger import LedgerEntry, LedgerOutcome, UnservedReason

__all__ = [
    "InvalidCursor",
    "LedgerFilter",
    "LedgerPageSlice",
    "LedgerStore",
    "StoredEntry",
    "decode_cursor",
    "encode_cursor",
    "epoch_micros",
]

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SortKey = tuple[int, str]
"""(received_at in microseconds since the epoch, call id): the ledger's order."""


class InvalidCursor(ValueError):
    """An `after` cursor this service did not write."""


@dataclass(frozen=True, slots=True)
class StoredEntry:
    facts: LedgerFacts
    encoded: bytes
    """The entry's JSON as published."""
    substance_use_nature: bool
    """Its nature code is a substance-use category: withheld from roles without read_substance_use."""

    @property
    def key(self) -> SortKey:
        return _key(self.facts)


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """Which entries a request asks for; every part optional. Times compare with `received_at`."""

    start_us: int | None = None
    """Inclusive, microseconds since the epoch."""
    end_us: int | None = None
    """Exclusive."""
    reasons: Collection[UnservedReason] = ()
    """Unserved with one of these reasons (none: any entry)."""
    outcome: LedgerOutcome | None = None
    agencies: Collection[str] = ()
    region: str | None = None

    def admits(self, facts: LedgerFacts) -> bool:
        return (
            (not self.reasons or facts.reason in self.reasons)
            and (self.outcome is None or facts.outcome == self.outcome)
            and (not self.agencies or facts.agency in self.agencies)
            and (self.region is None or facts.region == self.region)
        )


@dataclass(frozen=True, slots=True)
class LedgerPageSlice:
    entries: list[StoredEntry]
    total: int
    """Entries matching the filter, over every page."""
    next_cursor: str | None


def encode_cursor(key: SortKey) -> str:
    micros, call_id = key
    return base64.urlsafe_b64encode(f"{micros}|{call_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    """The position an `after` cursor names; `InvalidCursor` when it is not one of ours."""
    refused = InvalidCursor(
        f"after={cursor!r} is not a cursor of GET /ledger: pass the `next` of the previous page"
    )
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, separator, call_id = text.partition("|")
        position = int(micros)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise refused from error
    if not separator or not call_id:
        raise refused
    return position, call_id


def epoch_micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (no float on the way)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _key(facts: LedgerFacts) -> SortKey:
    return epoch_micros(facts.received_at), facts.call_id


class LedgerStore:
    def __init__(self, substance_use: Callable[[str, str], bool]) -> None:
        """`substance_use(agency, nature_code)`: whether the nature code is a substance-use category."""
        self._substance_use = substance_use
        self._by_call: dict[str, StoredEntry] = {}
        self._order: list[SortKey] = []
        self.counts: Counter[tuple[str, str]] = Counter()
        """Entries held by (outcome, reason or `none`)."""

    def put(self, encoded: bytes) -> bool:
        """Keep an entry read from the log; False when it is one already held (a re-publication).

        Raises pydantic's `ValidationError` when `encoded` is not a ledger entry."""
        entry = LedgerEntry.model_validate_json(encoded)
        current = self._by_call.get(entry.call_id)
        if current is not None and current.encoded == encoded:
            return False
        facts = LedgerFacts.of(entry)
        stored = StoredEntry(facts, encoded, self._substance_use(facts.agency, entry.nature_code))
        if current is not None:
            # Compaction keeps the newest record of a key: so does the read model (a call id the CAD
            # used again after the service forgot the first call, the one way a second entry is made).
            log.warning("ledger entry of call %s replaced by a later one", entry.call_id)
            self._forget(current)
        self._by_call[entry.call_id] = stored
        bisect.insort(self._order, stored.key)
        self.counts[_label(facts)] += 1
        return True

    def _forget(self, stored: StoredEntry) -> None:
        at = bisect.bisect_left(self._order, stored.key)
        if at < len(self._order) and self._order[at] == stored.key:
            del self._order[at]
        self.counts[_label(stored.facts)] -= 1

    def get(self, call_id: str) -> StoredEntry | None:
        return self._by_call.get(call_id)

    def __len__(self) -> int:
        return len(self._by_call)

    def matching(self, wanted: LedgerFilter, *, descending: bool = False) -> Iterator[StoredEntry]:
        """Every entry the filter admits, in ledger order (or reversed)."""
        keys = self._window(wanted)
        for key in reversed(keys) if descending else keys:
            stored = self._by_call[key[1]]
            if wanted.admits(stored.facts):
                yield stored

    def page(
        self, wanted: LedgerFilter, *, after: SortKey | None, limit: int, descending: bool = False
    ) -> LedgerPageSlice:
        """Up to `limit` entries past `after` (in the order asked for), the total, and the next cursor."""
        found: list[StoredEntry] = []
        total = 0
        more = False
        for stored in self.matching(wanted, descending=descending):
            total += 1
            if after is not None and (stored.key >= after if descending else stored.key <= after):
                continue
            if len(found) < limit:
                found.append(stored)
            else:
                more = True
        return LedgerPageSlice(found, total, encode_cursor(found[-1].key) if more and found else None)

    def _window(self, wanted: LedgerFilter) -> list[SortKey]:
        low = 0 if wanted.start_us is None else bisect.bisect_left(self._order, (wanted.start_us, ""))
        high = (
            len(self._order)
            if wanted.end_us is None
            else bisect.bisect_left(self._order, (wanted.end_us, ""))
        )
        return self._order[low:high]


def _label(facts: LedgerFacts) -> tuple[str, str]:
    return facts.outcome.value, facts.reason.value if facts.reason is not None else "none"
