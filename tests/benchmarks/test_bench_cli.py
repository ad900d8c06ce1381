"""`python -m benchmarks` options become the suite's configuration: smoke or full defaults, then overrides."""

from __future__ import annotations

from pathlib import Path

from benchmarks.suite import FULL, SMOKE, build_parser, config_from_args


def test_smoke_defaults_with_overrides_from_the_command_line() -> None:
    args = build_parser().parse_args(
        ["--smoke", "--rates", "100", "200", "--bootstrap", "127.0.0.1:9092", "--out", "/tmp/r"]
    )
    config = config_from_args(args)
    assert config.smoke
    assert config.stem == "e2e-smoke"
    assert config.rates == (100.0, 200.0)
    assert config.bootstrap == "127.0.0.1:9092"
    assert config.out_dir == Path("/tmp/r")
    assert config.seconds == SMOKE.seconds
    assert config.burst_rate is None


def test_full_run_by_default_and_a_zero_burst_rate_turns_the_burst_off() -> None:
    config = config_from_args(build_parser().parse_args([]))
    assert config == FULL
    assert config.stem == "e2e"
    assert 1000.0 in config.rates
    assert (config.burst_rate, config.burst_seconds) == (5000.0, 60.0)
    off = config_from_args(build_parser().parse_args(["--burst-rate", "0", "--no-routing"]))
    assert off.burst_rate is None
    assert not off.routing
