"""The simulated county: a deterministic synthetic CAD stream for Northern Colorado (rosters, calls and
their lifecycles) and the demo agencies' rule files. Used by the `--demo` feed and the benchmarks;
it imports the core's travel model, never the service.
"""

from simulator.config import FeedConfig
from simulator.demo_rules import demo_agency_rules
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
    "demo_agency_rules",
    "demo_roster",
]
