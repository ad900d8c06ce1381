"""The strict base model every contract model derives from, and the shared small types.

Strict means: no type coercion ("1" is not 1), unknown fields refused, NaN and Infinity refused,
frozen instances. What is accepted is exactly what the contract documents.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

__all__ = ["WHOLE", "ContractModel", "Identifier", "Latitude", "Longitude", "Token"]


class ContractModel(BaseModel):
    """Base of every model that crosses the service boundary."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        ser_json_inf_nan="strings",
    )


Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-/ #]*$"),
]
"""CAD identifiers: incident numbers, unit ids, agency ids, region ids, event ids."""

Token = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
"""A lower-case vocabulary word (CAD hazard flag, unit skill)."""

Latitude = Annotated[float, Field(ge=-90.0, le=90.0, description="WGS84 degrees")]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, description="WGS84 degrees")]


def _whole(value: object) -> object:
    """JSON has one number type: 2.0 is the integer 2 (JSON Schema agrees); 2.5 and "2" are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WHOLE = BeforeValidator(_whole)
"""Marks an integer field of the contract, after its constraints: `Annotated[int, Field(ge=1), WHOLE]`
accepts integral JSON numbers such as `2.0` as `2` (and keeps `minimum` in the JSON Schema)."""
