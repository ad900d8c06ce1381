"""Triage rules as data: the TOML rule files (schema), where an error is (source lines), reading and
checking one file, compiling files into rules, and loading a triager at start.
"""

from triage.errors import RulebookError
from triage.rulebook.compiler import compile_rules
from triage.rulebook.loader import default_triager, load_triager, packaged_rules_path
from triage.rulebook.reading import load_rule_file, parse_rule_file
from triage.rulebook.schema import RuleFile

__all__ = [
    "RuleFile",
    "RulebookError",
    "compile_rules",
    "default_triager",
    "load_rule_file",
    "load_triager",
    "packaged_rules_path",
    "parse_rule_file",
]
