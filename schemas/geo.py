"""Positions: a call's location (with an optional street address) and a unit's AVL position."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from schemas._base import ContractModel, Latitude, Longitude

__all__ = ["Address", "CallLocation", "GeoPoint"]

Address = Annotated[str, StringConstraints(max_length=256)]


class GeoPoint(ContractModel):
    """A WGS84 position in degrees."""

    lat: Latitude
    lon: Longitude


class CallLocation(GeoPoint):
    """Where the call is; the address is informational and never logged."""

    address: Address | None = None
