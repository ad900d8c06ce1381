"""Micro-benchmark of triage scoring alone: median time per call and calls per second.

Scores a realistic mix in-process with the packaged rules (default set + the demo agency files):
- every hand-written narrative case of `tests/triage/cases/` (behavioral-health heavy: the worst case,
  long remarks full of cue words), and
- routine calls (traffic, theft, alarms, noise, parking...) with the short remarks they usually
  carry, generated from a seeded template list, so that about 80% of the mix is routine, as in a
  real CAD stream.
Each call is timed on its own over several passes after a warm-up pass, by the wall clock and by
the thread's CPU clock: on a shared machine the CPU time is the cost of scoring, the wall time adds
whatever else ran meanwhile. No I/O in the timed loop; the rule files are loaded before timing.

    python -m benchmarks.triage_speed [--passes 30]

Writes `benchmarks/results/triage_speed.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from service.triage_eval import read_labeled_csv
from triage.facts import CallFacts, Triager
from triage.rulebook import default_triager

RESULTS = Path(__file__).parent / "results"
CASES = Path(__file__).resolve().parents[1] / "tests" / "triage" / "cases"

_ROUTINE = (
    ("TRAFFIC STOP", 4, ("SILVER SEDAN, EXPIRED TAGS", "SPEEDING IN SCHOOL ZONE", "")),
    ("ACCIDENT", 3, ("2 VEH NON INJURY, BLOCKING LANE", "VEH VS POLE, DRIVER OUT OF VEH AND WALKING", "")),
    ("THEFT", 4, ("BIKE STOLEN FROM GARAGE OVERNIGHT", "MAIL THEFT FROM BOXES", "CATALYTIC CONVERTER TAKEN")),
    ("ALARM", 3, ("COMMERCIAL BURGLARY ALARM, REAR DOOR", "RESIDENTIAL ALARM, KEYHOLDER ENRT")),
    ("NOISE", 4, ("LOUD MUSIC FROM APARTMENT 2ND FLOOR", "PARTY IN BACKYARD, MULTIPLE VEHS")),
    ("PARKING", 5, ("CAR BLOCKING DRIVEWAY", "RV PARKED ON STREET FOR 2 WEEKS", "")),
    ("SUSPICIOUS PERSON", 3, ("MALE LOOKING INTO VEHICLES IN LOT", "SUBJ LOITERING NEAR ATM")),
    ("TRESPASS", 3, ("SUBJ REFUSING TO LEAVE STORE AFTER CLOSING", "SUBJS IN CLOSED PARK AFTER HOURS")),
    ("DOMESTIC", 2, ("VERBAL ARGUMENT BETWEEN ROOMMATES, NO WEAPONS", "BOYFRIEND PUSHED HER, HE LEFT")),
    ("FRAUD", 5, ("RP SCAMMED BY GIFT CARD CALLER", "UNAUTHORIZED CHARGES ON CARD")),
    ("ANIMAL", 4, ("LOOSE DOG IN ROADWAY", "DEER HIT, STILL ALIVE ON SHOULDER")),
    ("DISTURBANCE", 3, ("TWO MALES ARGUING IN FRONT OF THE BAR", "NEIGHBORS YELLING ABOUT A FENCE")),
)


def narrative_cases() -> list[CallFacts]:
    """The facts of every hand-written case, read as `corespond triage-eval` reads them."""
    return [
        call.facts for path in sorted(CASES.glob("narrative_cases*.csv")) for call in read_labeled_csv(path)
    ]


def routine_calls(count: int, seed: int = 7) -> list[CallFacts]:
    rng = random.Random(seed)
    calls = []
    for _ in range(count):
        nature, priority, remarks = rng.choice(_ROUTINE)
        calls.append(
            CallFacts(
                agency=rng.choice(("LPD", "LCSO", "EPPD")),
                nature_code=nature,
                priority=priority,
                narrative=rng.choice(remarks),
                caller_type=rng.choice((None, "third_party", "self")),
                origin=rng.choice((None, "911", "TELEPHONE OTHER, NOT 911")),
            )
        )
    return calls


def time_calls(triager: Triager, calls: list[CallFacts], passes: int) -> tuple[list[float], list[float]]:
    """Microseconds per call, wall clock and this thread's CPU time, after one untimed warm-up pass.

    CPU time is what scoring costs; wall time also holds whatever else the machine was doing.
    """
    return time_side_by_side({"": triager}, calls, passes)[""]


def time_side_by_side(
    triagers: dict[str, Triager], calls: list[CallFacts], passes: int
) -> dict[str, tuple[list[float], list[float]]]:
    """`time_calls` for several triagers, pass by pass in turn, so that they share the machine's noise."""
    for triager in triagers.values():
        for facts in calls:
            triager.triage(facts)
    samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in triagers}
    wall_clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for _ in range(passes):
        for name, triager in triagers.items():
            wall, cpu = samples[name]
            for facts in calls:
                start_cpu, start_wall = cpu_clock(), wall_clock()
                triager.triage(facts)
                end_wall, end_cpu = wall_clock(), cpu_clock()
                wall.append((end_wall - start_wall) / 1000.0)
                cpu.append((end_cpu - start_cpu) / 1000.0)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    total_s = sum(samples) / 1e6
    return {
        "calls_timed": len(samples),
        "median_us": round(statistics.median(ordered), 2),
        "p90_us": round(ordered[int(0.90 * (len(ordered) - 1))], 2),
        "p99_us": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
        "mean_us": round(statistics.fmean(ordered), 2),
        "calls_per_s": round(len(samples) / total_s) if total_s else 0,
    }


def timer_overhead_us(rounds: int = 20000) -> float:
    """What the four clock reads around each call cost by themselves (not subtracted)."""
    wall_clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    samples = []
    for _ in range(rounds):
        start = wall_clock()
        cpu_clock(), wall_clock(), wall_clock(), cpu_clock()
        samples.append((wall_clock() - start) / 1000.0)
    return round(statistics.median(samples), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=30)
    parser.add_argument("--out", type=Path, default=RESULTS / "triage_speed.json")
    args = parser.parse_args(argv)

    triager = default_triager()
    rules_only = default_triager(second_reader=False)
    cases = narrative_cases()
    routine = routine_calls(4 * len(cases))
    mix = cases + routine
    random.Random(11).shuffle(mix)
    results = {}
    # the shipped triager and the rules alone, pass by pass in turn: what the statistical reader costs
    side_by_side = time_side_by_side(
        {"realistic_mix": triager, "realistic_mix_rules_only": rules_only}, mix, args.passes
    )
    for name, (wall, cpu) in side_by_side.items():
        results[name] = {"wall": summary(wall), "cpu": summary(cpu)}
    for name, calls in (("narrative_cases_only", cases), ("routine_only", routine)):
        wall, cpu = time_calls(triager, calls, args.passes)
        results[name] = {"wall": summary(wall), "cpu": summary(cpu)}
    report = {
        "benchmark": "triage_speed",
        "what": "RuleTriager.triage(facts) per call, packaged rules and their statistical reader; the rules "
        "alone on the same mix, timed in turn with it",
        "mix": {"narrative_cases": len(cases), "routine_calls": len(routine), "passes": args.passes},
        "results": results,
        "target_median_us": 50,
        "timer_overhead_us": timer_overhead_us(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for name, rows in results.items():
        for clock, row in rows.items():
            print(
                f"{name:<22} {clock:<4} median {row['median_us']:7.2f} us  p90 {row['p90_us']:7.2f} us  "
                f"p99 {row['p99_us']:8.2f} us  {row['calls_per_s']:>8,} calls/s  ({row['calls_timed']} timed)"
            )
    print(
        f"timer overhead {report['timer_overhead_us']} us per call (included); "
        f"load average {report['load_average_1m']}"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
