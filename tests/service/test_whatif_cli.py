"""`corespond whatif`: the files it writes, its progress bar, and errors a person can act on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import main

ISSUE_KEYS = [
    "teams",
    "coverage",
    "coverage_ci",
    "erlang_b_coverage",
    "wait_p50_s",
    "wait_p90_s",
    "utilization",
    "unserved_by_reason",
]
HEADER = "received_at,nature_code,priority,narrative,lat,lon,agency,time_on_scene_s,disposition"


def _history(tmp_path: Path, rows: list[str] | None = None, header: str = HEADER) -> Path:
    if rows is None:
        rows = []
        for day in (1, 2):
            for hour in range(0, 24, 2):
                nature = "SUICIDAL" if hour % 4 == 0 else "THEFT"
                when = f"2020-06-0{day}T{hour:02d}:15:00-06:00"
                rows.append(f"{when},{nature},2,RP CALLED,40.40,-105.07,LPD,1800,referred")
    path = tmp_path / "calls.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_run_writes_the_issues_json_a_report_and_a_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        ["whatif", "--calls", str(_history(tmp_path)), "--teams", "0,1,2", "--out", str(out), "--seed", "3"]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert "call/s" in captured.err or "call]" in captured.err, "a progress bar on stderr"
    report = json.loads((out / "whatif.json").read_text())
    scenarios = report["scenarios"]
    assert [s["teams"] for s in scenarios] == [0, 1, 2]
    for scenario in scenarios:
        assert list(scenario)[: len(ISSUE_KEYS)] == ISSUE_KEYS
        low, high = scenario["coverage_ci"]
        assert 0.0 <= low <= scenario["coverage"] <= high <= 1.0
        assert set(scenario["unserved_by_reason"]) == {
            "no_team_on_shift",
            "all_teams_busy",
            "out_of_jurisdiction",
            "no_compatible_team",
            "declined",
            "closed_while_queued",
        }
        assert scenario["eligible"] == 12, "every SUICIDAL call of the file"
    assert scenarios[0]["coverage"] == 0.0
    assert scenarios[0]["unserved_by_reason"]["no_team_on_shift"] == 12
    assert scenarios[2]["coverage"] >= scenarios[1]["coverage"] > 0.0
    assert report["inputs"]["calls"] == 24
    markdown = (out / "whatif.md").read_text()
    assert "# Staffing what-if" in markdown
    assert "| primary | 1 | 07-17 | 2.05 |" in markdown
    assert (out / "whatif.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(out / "whatif.json") in captured.out


def test_time_on_task_from_the_history(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["whatif", "--calls", str(_history(tmp_path)), "--teams", "1", "--time-on-task", "history"]
    assert main([*args, "--out", str(out)]) == 0
    (scenario,) = json.loads((out / "whatif.json").read_text())["scenarios"]
    assert scenario["served"] > 0


def test_a_synthetic_county_runs_each_model(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["whatif", "--synthetic", "2", "--teams", "1", "--model", "primary,secondary", "--out", str(out)]
    assert main(args) == 0
    report = json.loads((out / "whatif.json").read_text())
    assert [s["model"] for s in report["scenarios"]] == ["primary", "secondary"]
    assert report["inputs"]["eligible"] > 0
    assert report["inputs"]["calls_from"].startswith("synthetic Larimer County, 2 days")


@pytest.mark.parametrize(
    ("rows", "header", "options", "message"),
    [
        (None, "received_at,nature_code,priority,lat,lon,agency", [], "missing column(s) narrative"),
        (["2020-06-01T10:00:00-06:00,SUICIDAL,9,,40.4,-105.07,LPD,,"], HEADER, [], "line 2: priority"),
        (["2020-06-01T10:00:00,SUICIDAL,2,,40.4,-105.07,LPD,,"], HEADER, [], "line 2: received_at"),
        ([], HEADER, [], "no calls"),
        (None, HEADER, ["--teams", "one"], "--teams must be whole numbers"),
        (None, HEADER, ["--model", "tertiary"], "--model must be primary, secondary or mixed"),
        (None, HEADER, ["--shifts", "7"], "--shifts: shift '7' must be HH-HH"),
        (None, HEADER, ["--timezone", "Mars/Olympus"], "not a known time zone"),
        (None, HEADER, ["--time-on-task", "gamma:3"], "--time-on-task"),
        (None, HEADER, ["--base", "north"], "--base must be LAT,LON"),
        (None, HEADER, ["--calls-per-day", "10"], "--calls-per-day applies to --synthetic only"),
        (None, HEADER, ["--patience", "-5"], "--patience must be minutes >= 0"),
        (None, HEADER, ["--region", "two words"], "--region must be 1-32 letters"),
        (
            ["2020-06-01T10:00:00-06:00,SUICIDAL,2,,40.4,-105.07,LPD,,"],
            HEADER,
            ["--time-on-task", "history"],
            "needs time_on_scene_s on every call; 1 have none",
        ),
    ],
)
def test_bad_input_stops_with_a_message_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rows: list[str] | None,
    header: str,
    options: list[str],
    message: str,
) -> None:
    out = tmp_path / "out"
    path = _history(tmp_path, rows, header)
    teams = [] if "--teams" in options else ["--teams", "1"]
    assert main(["whatif", "--calls", str(path), *teams, *options, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["whatif", "--calls", str(tmp_path / "nope.csv"), "--teams", "1"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_without_the_extra_the_command_says_what_to_install(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['matplotlib'] = None; from service.cli import main; "
        f"sys.exit(main(['whatif', '--calls', {str(_history(tmp_path))!r}, '--teams', '1']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 2
    assert "needs the optional 'whatif' extra (missing: matplotlib)" in done.stderr
    assert "pip install 'corespond[whatif]'" in done.stderr
