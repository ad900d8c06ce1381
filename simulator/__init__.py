"""The simulated county: a deterministic synthetic CAD stream for Northern Colorado (rosters, calls and
their lifecycles). Used by the `--demo` feed and the benchmarks.
"""

from simulator.config import FeedConfig
from simulator.feed import SyntheticFeed
from simulator.geography import TOWNS, Town
from simulator.roster import Event, county_roster, demo_roster

__all__ = [
    "TOWNS",
    "Event",
    "FeedConfig",
    "SyntheticFeed",
    "Town",
    "county_roster",
    "demo_roster",
]
