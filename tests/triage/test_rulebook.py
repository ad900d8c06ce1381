"""Rule files: the packaged ones load, and a bad file is refused with its line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import demo_agency_rules
from triage.facts import BandThresholds, CallFacts
from triage.rulebook import (
    RulebookError,
    load_triager,
    packaged_rules_path,
    parse_rule_file,
)

MINIMAL_AGENCY = 'version = 1\nagency = "TPD"\n'


def _agency_file(tmp_path: Path, body: str, name: str = "tpd.toml") -> Path:
    path = tmp_path / name
    path.write_text(MINIMAL_AGENCY + body, encoding="utf-8")
    return path


def _error(tmp_path: Path, body: str) -> RulebookError:
    with pytest.raises(RulebookError) as caught:
        load_triager(agency_rules={"TPD": _agency_file(tmp_path, body)})
    return caught.value


def test_the_packaged_rules_load_with_no_agency_file_unless_one_is_given() -> None:
    assert load_triager().agencies == {}
    triager = load_triager(packaged_rules_path(), demo_agency_rules())
    assert set(triager.agencies) == {"LPD", "LCSO", "EPPD"}
    assert len(triager.default.reader.rules) > 40


def test_band_thresholds_from_the_caller_override_the_file() -> None:
    triager = load_triager(thresholds=BandThresholds(high=0.9, medium=0.6, low=0.3))
    assert triager.default.thresholds == BandThresholds(high=0.9, medium=0.6, low=0.3)


def test_a_toml_syntax_error_names_its_line(tmp_path: Path) -> None:
    error = _error(tmp_path, '[aliases]\n"MH" = "MENTAL HEALTH"\n"SUIC = "SUICIDAL"\n')
    assert error.line == 5
    assert "tpd.toml:5" in str(error)
    assert "not valid TOML" in str(error)


def test_a_schema_error_names_the_rule_the_key_and_the_line(tmp_path: Path) -> None:
    body = """
[[signal]]
code = "LOCAL_ONE"
category = "suicide"
weight = 4.0
anchors = ["JUMP"]
patterns = ['JUMPING\\b']
examples = ["JUMPING"]

[[signal]]
code = "LOCAL_TWO"
category = "suicide"
weight = "heavy"
anchors = ["LEAP"]
patterns = ['LEAP\\b']
examples = ["LEAP"]
"""
    error = _error(tmp_path, body)
    assert error.line == 15, str(error)
    assert "signal[1] (LOCAL_TWO).weight" in str(error)
    assert "valid number" in str(error)


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    error = _error(tmp_path, '\n[aliases]\n"X" = "Y"\n\n[scoring]\nsecundary_factor = 0.5\n')
    assert error.line == 8
    assert "scoring.secundary_factor" in str(error)


def test_a_bad_regular_expression_names_the_pattern(tmp_path: Path) -> None:
    body = """
[[signal]]
code = "BROKEN"
category = "suicide"
weight = 1.0
anchors = ["X"]
patterns = ['X(']
examples = ["X"]
"""
    error = _error(tmp_path, body)
    assert "signal[0] (BROKEN).patterns[0]" in str(error)
    assert "regular expression" in str(error)
    assert error.line == 9


def test_an_example_that_does_not_fire_its_rule_stops_the_start(tmp_path: Path) -> None:
    body = """
[[signal]]
code = "WRONG_ANCHOR"
category = "suicide"
weight = 4.0
anchors = ["LEAP"]
patterns = ['(?:JUMP|LEAP)\\s+OFF']
examples = ["WANTS TO JUMP OFF THE BRIDGE"]
"""
    error = _error(tmp_path, body)
    assert "signal[0] (WRONG_ANCHOR).examples[0]" in str(error)
    assert "does not fire" in str(error)
    assert error.line == 10


def test_a_counter_example_that_fires_its_rule_stops_the_start(tmp_path: Path) -> None:
    body = """
[[signal]]
code = "TOO_BROAD"
category = "suicide"
weight = 4.0
anchors = ["SUICIDE"]
patterns = ['SUICIDE']
examples = ["THREATENED SUICIDE"]
counter_examples = ["LINCOLN WITH SUICIDE DOORS"]
"""
    error = _error(tmp_path, body)
    assert "counter_examples[0]" in str(error)


_LOCAL = """
[[signal]]
code = "LOCAL_ONE"
category = "suicide"
{extra}anchors = ["X"]
patterns = ['{pattern}']
examples = ["X X"]
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("\n[bands]\nhigh = 0.9\nmedium = 0.5\nlow = 0.2\n", "may not change"),
        ('\nweights = { "NO_SUCH_RULE" = 2.0 }\n', "not a rule of the default set"),
        ('\ndisable = ["NO_SUCH_RULE"]\n', "not a rule of the default set"),
        (
            '\n[[signal]]\ncode = "SUICIDAL_IDEATION"\ncategory = "suicide"\nweight = 1.0\n'
            'anchors = ["SUICID"]\npatterns = [\'SUICIDAL\']\nexamples = ["SUICIDAL"]\n',
            "already a rule of the default set",
        ),
        ('\n[[nature]]\ncategory = "LOCAL"\nprior = 1.5\nmatch = ["LOCAL"]\n', "less than 1"),
        # the phrase grammar: word lists, severities, sources, explanations
        (_LOCAL.format(extra="weight = 1.0\n", pattern="{NO_SUCH_LIST}\\s+X"), "names no word list"),
        (_LOCAL.format(extra='severity = "enormous"\n', pattern="X"), "not a level of [severity]"),
        (_LOCAL.format(extra='weight = 1.0\nseverity = "moderate"\n', pattern="X"), "either a weight or"),
        (_LOCAL.format(extra='weight = 1.0\nsource = ["folklore"]\n', pattern="X"), "not a key of [sources]"),
        (
            _LOCAL.format(extra='weight = 0.0\nexplains = ["astrology"]\n', pattern="X"),
            "no rule has the category",
        ),
        ('\n[lexicon]\nA = ["{B}"]\nB = ["{A}"]\n', "cycle"),
        ('\n[lexicon]\nSELF = ["ME"]\n', "already named by the default set"),
    ],
)
def test_agency_file_mistakes(tmp_path: Path, body: str, message: str) -> None:
    assert message in str(_error(tmp_path, body))


def test_an_agency_file_configured_for_another_agency_is_refused(tmp_path: Path) -> None:
    path = _agency_file(tmp_path, "")
    with pytest.raises(RulebookError, match="configured for agency 'LPD'"):
        load_triager(agency_rules={"LPD": path})


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="cannot read"):
        load_triager(tmp_path / "nope.toml")


def test_the_default_set_must_define_its_tables() -> None:
    with pytest.raises(RulebookError, match="must define this table"):
        parse_rule_file("version = 1\n", "bare.toml")


def test_an_agency_file_overrides_weights_disables_rules_and_adds_aliases(tmp_path: Path) -> None:
    body = """
disable = ["AFFECT_WORDS"]

[weights]
HOMELESSNESS = 3.0

[aliases]
"BH1" = "MENTAL HEALTH"

[scoring.priority]
"1" = 0.0
"""
    triager = load_triager(agency_rules={"TPD": _agency_file(tmp_path, body)})

    def triage(agency: str, narrative: str, nature: str = "DISTURBANCE") -> set[str]:
        result = triager.triage(CallFacts(agency=agency, nature_code=nature, priority=1, narrative=narrative))
        return {r.code for r in result.reasons}

    assert "AFFECT_WORDS" in triage("XYZ", "FEMALE CRYING")
    assert "AFFECT_WORDS" not in triage("TPD", "FEMALE CRYING")
    assert "NATURE_MENTAL_HEALTH" in triage("TPD", "", nature="BH1")
    assert "PRIORITY_1" not in triage("TPD", "")
    tpd = triager.triage(CallFacts(agency="tpd", nature_code="X", priority=3, narrative="HOMELESS"))
    assert any(r.code == "HOMELESSNESS" and r.weight == 3.0 for r in tpd.reasons), (
        "agency ids match in any case"
    )


def test_word_lists_compose_patterns_and_anchors(tmp_path: Path) -> None:
    body = """
[lexicon]
LOCAL_VERB = ["FLOOB", "FLOOBS", "FLOOBED"]

[[signal]]
code = "LOCAL_SIGN"
category = "suicide"
severity = "warning_sign"
source = ["lifeline988"]
anchors = ["{LOCAL_VERB}"]
patterns = ['{LOCAL_VERB}\\s+{SELF}\\b']
examples = ["SAYS HE FLOOBED HIMSELF", "WANTS TO FLOOB HERSELF"]
counter_examples = ["FLOOBED THE DOG"]
"""
    triager = load_triager(agency_rules={"TPD": _agency_file(tmp_path, body)})
    rule = next(r for r in triager.agencies["TPD"].reader.rules if r.code == "LOCAL_SIGN")
    assert rule.anchors == ("FLOOB",), "FLOOB already covers FLOOBS and FLOOBED"
    assert rule.weight == 4.5, "the severity level's weight"
    result = triager.triage(
        CallFacts(agency="TPD", nature_code="X", priority=3, narrative="SHE FLOOBS HERSELF")
    )
    assert "LOCAL_SIGN" in {r.code for r in result.reasons}
