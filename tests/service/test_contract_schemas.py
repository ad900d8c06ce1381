"""`corespond schema` writes the ledger's JSON Schemas, and what the service publishes and serves
validates against them."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import orjson
import pytest

from routing.outcomes import LedgerFacts, outcome_stats
from routing.region import RegionState
from schemas.ledger import LedgerEntry
from service.cli import main
from tests.routing.conftest import CadScript


def _ledger_entry() -> bytes:
    cad, region = CadScript(), RegionState("larimer")
    cad.feed(region, cad.unit_upsert("LCSO-CR1", shift_hours=(-10.0, -1.0)), cad.call_created("C1"))
    cad.decide(region, at=1)
    cad.feed(region, cad.call_closed("C1", at=600))
    cad.decide(region, at=601)
    (entry,) = region.journal.ledger
    return entry.model_dump_json().encode()


def test_corespond_schema_writes_the_ledger_entry_page_and_stats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "--out", str(tmp_path)]) == 0
    written = capsys.readouterr().out.split()
    for stem in ("ledger-entry", "ledger-page", "outcome-stats"):
        assert str(tmp_path / f"{stem}.schema.json") in written

    entry = orjson.loads(_ledger_entry())
    schema = orjson.loads((tmp_path / "ledger-entry.schema.json").read_bytes())
    jsonschema.validate(entry, schema)
    assert entry["reason"] == "no_team_on_shift"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**entry, "reason": "too_busy"}, schema)

    page = {"entries": [entry], "total": 1, "next": None}
    jsonschema.validate(page, orjson.loads((tmp_path / "ledger-page.schema.json").read_bytes()))

    facts = [LedgerFacts.of(LedgerEntry.model_validate(entry, strict=False))]
    stats = orjson.loads(outcome_stats(facts, timezone=ZoneInfo("UTC")).model_dump_json())
    jsonschema.validate(stats, orjson.loads((tmp_path / "outcome-stats.schema.json").read_bytes()))
