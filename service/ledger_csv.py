"""The ledger as CSV (`GET /ledger` with `Accept: text/csv`): one row per entry, one header row.

Columns are the entry's fields in contract order, `would_have_gone` flattened into two. Text a
spreadsheet would run as a formula (a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return: the dispatcher's free-text reason, a CAD's nature code such as `--SUICIDE`) is prefixed with
`'`, as OWASP advises for CSV files opened in spreadsheets; numbers and times are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any, Final

import orjson

from schemas.ledger import LedgerEntry

__all__ = ["CSV_COLUMNS", "ledger_csv"]

_NESTED: Final = "would_have_gone"
CSV_COLUMNS: Final = tuple(
    column
    for name in LedgerEntry.model_fields
    for column in ((f"{_NESTED}_unit_id", f"{_NESTED}_eta_s") if name == _NESTED else (name,))
)
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_TEXT_COLUMNS: Final = frozenset(
    {
        "call_id",
        "region",
        "agency",
        "nature_code",
        "disposition",
        "unit_id",
        "declined_reason",
        f"{_NESTED}_unit_id",
    }
)


def _row(entry: Mapping[str, Any]) -> list[object]:
    would = entry.get(_NESTED) or {}
    row: list[object] = []
    for column in CSV_COLUMNS:
        if column.startswith(f"{_NESTED}_"):
            value = would.get(column.removeprefix(f"{_NESTED}_"))
        else:
            value = entry.get(column)
        if value is None:
            row.append("")
        elif column in _TEXT_COLUMNS and isinstance(value, str) and value.startswith(_FORMULA_START):
            row.append("'" + value)
        else:
            row.append(value)
    return row


def ledger_csv(entries: Iterable[bytes]) -> str:
    """Entries (their published JSON, as the caller may see them) as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for encoded in entries:
        writer.writerow(_row(orjson.loads(encoded)))
    return out.getvalue()
