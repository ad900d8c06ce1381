"""The integration contract (v1) as pydantic v2 models: CAD events in, decisions out, HTTP bodies.

This package is the contract and nothing else: it imports no other package of the project, and
every other package may import it. JSON Schema for integrators is generated from these models
(`corespond schema`).
"""
