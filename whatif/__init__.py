"""Staffing what-if: a call history replayed through the production core under a roster scenario.

Pure and deterministic like `routing/`: calls, a roster scenario and a seed in, ledger entries and
figures out; the clock is simulated, nothing is read or written here (`corespond whatif`,
`service.whatif_command`, is the edge that reads files, shows progress and writes the report).
"""
