"""Triage, the first half of the pure core: how likely a call is a behavioral-health crisis, why (reasons
with their evidence text), its safety gates and the response it calls for.

Plain data in (`CallFacts`), plain data out (`TriageResult`): no I/O but reading rule files at start,
no clock, no globals. Rules are data (`triage/rules/default.toml`); `triage.rulebook` loads them.
"""
