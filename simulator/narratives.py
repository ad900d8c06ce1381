"""What one synthetic call says: its kind, narrative, implied hazard flags, caller and the person it is
about, drawn from the vocabulary. Shared by the live feed (`simulator.feed`) and the call histories
of the staffing what-if (`simulator.history`), so both speak alike.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from simulator.vocabulary import (
    BEHAVIORAL,
    BEHAVIORAL_CUM,
    MINORS,
    PEOPLE,
    ROUTINE,
    ROUTINE_CUM,
    WEAPON_NOTES,
    CallKind,
)

__all__ = ["ComposedCall", "compose_call"]


@dataclass(frozen=True, slots=True)
class ComposedCall:
    kind: CallKind
    narrative: str
    flags: frozenset[str]
    caller_type: str
    person: tuple[str, str, str, str, str]


def compose_call(rng: random.Random, behavioral: bool) -> ComposedCall:
    """A call of the given truth (a crisis or routine), with the random draws in a fixed order."""
    kinds, kind_weights = (BEHAVIORAL, BEHAVIORAL_CUM) if behavioral else (ROUTINE, ROUTINE_CUM)
    kind = rng.choices(kinds, cum_weights=kind_weights)[0]
    text, implied, caller_type = rng.choice(kind.narratives)
    person = rng.choice(PEOPLE)
    weapons, armed = rng.choice(WEAPON_NOTES)
    rel, subj, poss, refl, obj = person
    narrative = text.format(rel=rel, subj=subj, poss=poss, refl=refl, obj=obj, weapons=weapons)
    flags = set(implied)
    if "{weapons}" in text:
        flags.update(armed)
    if behavioral:
        if rel in MINORS and "{rel}" in text and rng.random() < 0.25:
            narrative += f", {rel} IS {rng.randint(12, 17)} YOA"
            flags.add("juvenile")
        if rng.random() < 0.08:
            flags.add("transport_needed")
    return ComposedCall(kind, narrative, frozenset(flags), caller_type, person)
