"""Reading call-taker remarks: which phrase rules fire, and in what context each one fired.

This module owns the narrative half of triage. A `NarrativeReader` is compiled once from the rule
file and then answers `read(text)` with `Finding`s: the rule that matched, the text span, and the
*modality* of the mention, decided ConText-style (Harkema et al., 2009, the successor of NegEx) from
trigger words around the match, inside its clause:

- negated: "DENIES SI", "NO WEAPONS", "NEG FOR HI", "SI NEG", "NOT SUICIDAL";
- resolved (for hazards): "KNIFE SECURED BY OFFICERS", "REMOVED THE GUNS";
- historical: "HX OF SI", "PRIOR ATTEMPTS"; remote: "USED TO CUT HIMSELF AS A TEEN", "YEARS AGO";
- hypothetical: "PLAN TO OD", "GOING TO SHOOT" (intent still counts as behavioral evidence);
- unknown: "UNK IF ARMED", "WEAPONS UNK";
- possible: "POSS SUICIDAL", "MAY HAVE A GUN";
- affirmed otherwise.

It also says whether a mention is about the reporting party ("RP IS UPSET") rather than the person
the call is about, by the nearest person word before it in the sentence.

Speed: every rule names its *anchors*, the word prefixes a match starts with. One trie-shaped regex
finds all anchor words in a single pass; at each, only the rules keyed by that anchor are tried, and
of each rule only the alternatives of its pattern whose literal start fits the word
(`triage.pattern_prefixes`), so most words try nothing and most rules are never tried. A call with
no anchor words costs one scan. Reading is a pure function of the text.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from triage.pattern_prefixes import compatible, literal_prefixes

__all__ = [
    "ContextLexicon",
    "Finding",
    "Modality",
    "NarrativeReader",
    "PhraseRule",
    "matching_text",
    "trie_pattern",
]


class Modality(StrEnum):
    """How a mention stands in its clause. The order of `_RANK` decides which trigger wins."""

    AFFIRMED = "affirmed"
    POSSIBLE = "possible"
    UNKNOWN = "unknown"
    HYPOTHETICAL = "hypothetical"
    HISTORICAL = "historical"
    REMOTE = "remote"
    RESOLVED = "resolved"
    NEGATED = "negated"


# When several triggers cover one mention, the strongest reading wins: "NO HX OF SI" is negated,
# "POSS HX OF SI" historical, "HX OF SI YEARS AGO" remote.
_RANK: Mapping[Modality, int] = {
    Modality.AFFIRMED: 0,
    Modality.POSSIBLE: 1,
    Modality.UNKNOWN: 2,
    Modality.HYPOTHETICAL: 3,
    Modality.HISTORICAL: 4,
    Modality.REMOTE: 5,
    Modality.RESOLVED: 6,
    Modality.NEGATED: 7,
}

_CLAUSE_END = re.compile(r"[.;!?\n:,()\[\]]")
_DASH = re.compile(r"(?<=\s)(?:-+|/)(?=\s)")
_ABSENT = frozenset({Modality.NEGATED, Modality.RESOLVED, Modality.REMOTE})
_SENTENCE_END = re.compile(r"[.;!?\n]")
_PAST = frozenset({Modality.HISTORICAL, Modality.REMOTE})
_BEFORE_OBJECTS = frozenset(
    [
        "THE",
        "A",
        "AN",
        "ANY",
        "ANYONE",
        "ANYBODY",
        "SOMEONE",
        "SOMEBODY",
        "EVERYONE",
        "EVERYBODY",
        "NOBODY",
        "HIS",
        "HER",
        "THEIR",
        "MY",
        "YOUR",
        "OUR",
        "THIS",
        "THAT",
        "IT",
        "TONIGHT",
        "TONITE",
        "TOMORROW",
        "MORNING",
        "NEXT",
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ]
)
"""Words after BEFORE that make it a preposition or conjunction ("BEFORE THE END COMES", "DEAD BEFORE
ANYONE PUTS HER OUT"): a time ahead, not "previously"."""


@dataclass(frozen=True, slots=True)
class PhraseRule:
    """One compiled phrase rule: what it is evidence of, and what it gates."""

    code: str
    category: str
    weight: float
    """Log-odds the rule adds to the behavioral-health score when affirmed (0 for hazard-only rules)."""
    pattern: re.Pattern[str]
    anchors: tuple[str, ...]
    safety: tuple[str, ...] = ()
    """Safety codes raised when the mention is affirmed or possible (e.g. `weapon_reported`)."""
    safety_if_unknown: str | None = None
    """Safety code raised when the mention is unknown ("UNK IF ARMED" gives `weapon_unknown`)."""
    needs: frozenset[str] = frozenset()
    resolves: frozenset[str] = frozenset()
    """Safety codes an affirmed mention clears ("DISARMED" clears `weapon_reported`)."""
    hypothetical_raises: bool = False
    """A hypothetical mention still raises the hazard ("SAID HE WILL GET HIS GUN")."""
    rp_discount: bool = False
    """A weak affect word ("UPSET", "SCARED") that says little when it describes the caller."""
    requires: frozenset[str] = frozenset()
    """Codes of which one must also be read in the text (not negated) for this rule to count."""
    explains: frozenset[str] = frozenset()
    """Categories an affirmed or possible mention explains away (`*`: every behavioral finding and the
    nature code; `nature`: the nature code alone)."""
    explains_before: bool = False
    """Only findings earlier in the text are explained (a call-back that retracts them)."""
    alternatives: tuple[str, ...] = ()
    """The pattern's alternatives, each as source: at an anchor word the reader tries only those that
    can start with it (empty: the whole pattern)."""


class Finding(NamedTuple):
    """One rule that matched, where, and how the text holds it (a tuple: built on the hot path)."""

    rule: PhraseRule
    modality: Modality
    start: int
    end: int
    evidence: str
    """The matched text with the trigger that changed its reading, e.g. "DENIES SI"."""
    about_reporting_party: bool = False


@dataclass(frozen=True, slots=True)
class ContextLexicon:
    """Trigger words of the context algorithm, compiled. Built by the rule-file loader."""

    pre: Mapping[str, Modality]
    post: Mapping[str, Modality]
    terminators: frozenset[str]
    reporting_party: frozenset[str]
    persons: frozenset[str]
    window: int = 5
    post_window: int = 3
    conditional: frozenset[str] = frozenset()
    """Words opening a condition ("IF", "UNLESS"): a negation after one of them in the clause belongs to
    the condition ("IF THEY DONT STOP ... SHE WILL BURN THEM OUT"), not to what follows it."""
    clause_heads: frozenset[str] = frozenset()
    """Words that open a new predication (a subject pronoun, a modal): a negation before one of them
    negates another verb, never a hazard after it ("DONT STOP TONITE SHE WILL BURN THEM")."""
    fillers: frozenset[str] = frozenset()
    """Words a negation reaches across without counting them ("NOT UPSET OR IN ANY KIND OF CRISIS")."""
    phrase_negators: frozenset[str] = frozenset()
    """Negations of a noun phrase ("WITHOUT"): like a hazard's negation, they never reach across a
    new subject or modal ("WITHOUT HER HORSE SHE MIGHT AS WELL BE DEAD": WITHOUT governs HER HORSE)."""
    remote_window: int = 3
    """How many words after a mention a time word may stand and still make it past ("WAS ON SUICIDE
    WATCH AT THE JAIL LAST YEAR"), within its clause."""
    _pre_re: re.Pattern[str] = field(init=False, repr=False)
    _post_re: re.Pattern[str] = field(init=False, repr=False)
    _who_re: re.Pattern[str] = field(init=False, repr=False)
    _pre_first: frozenset[str] = field(init=False, repr=False)
    _post_first: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pre_words = [*self.pre, *self.terminators]
        post_words = [*self.post, *self.terminators]
        object.__setattr__(self, "_pre_re", _literal_alternation(pre_words))
        object.__setattr__(self, "_post_re", _literal_alternation(post_words))
        object.__setattr__(self, "_who_re", _literal_alternation([*self.reporting_party, *self.persons]))
        # First words of the triggers: a clause without any of them needs no regex at all.
        object.__setattr__(self, "_pre_first", frozenset(w.split()[0] for w in self.pre))
        object.__setattr__(self, "_post_first", frozenset(w.split()[0] for w in self.post))

    def modality(
        self, text: str, start: int, end: int, clauses: ClauseBounds | None = None, *, hazard: bool = False
    ) -> tuple[Modality, int, int]:
        """The reading of the mention `text[start:end]` and the evidence span including its trigger.

        The reading is asymmetric for a `hazard` (a rule that raises a safety code: a weapon, a threat):
        a negation cancels it only when it governs it directly, never across a new subject or modal
        ("IF THEY DONT STOP SHE WILL BURN THEM OUT": the DONT negates STOP). For every rule, a negation
        inside a condition (after IF or UNLESS in the clause) belongs to the condition."""
        bounds = clauses or ClauseBounds.of(text)
        best, ev_start = self._before(text, start, bounds.start_before(start), hazard)
        after, ev_end = self._after(text, end, bounds.end_after(end))
        if _RANK[after] <= _RANK[best]:
            return best, ev_start, end
        return after, ev_start, ev_end

    def _before(self, text: str, start: int, clause_start: int, hazard: bool) -> tuple[Modality, int]:
        """The strongest trigger before the mention in its clause, and where it starts."""
        best, ev_start = Modality.AFFIRMED, start
        if clause_start >= start or self._pre_first.isdisjoint(_words(text[clause_start:start])):
            return best, ev_start
        triggers: list[tuple[Modality, int, int, bool, str]] = []
        conditional = False
        for m in self._pre_re.finditer(text, clause_start, start):
            word = " ".join(m.group().split())
            modality = self.pre.get(word)
            if modality is None:  # a terminator closes the scope of every trigger before it
                triggers.clear()
                conditional = False
            else:
                triggers.append((modality, m.start(), m.end(), conditional, word))
                conditional = conditional or word in self.conditional
        for modality, t_start, t_end, in_condition, word in triggers:
            between = text[t_end:start].split()
            if modality is Modality.NEGATED:
                governs_phrase = hazard or word in self.phrase_negators
                if in_condition or (governs_phrase and not self.clause_heads.isdisjoint(between)):
                    continue  # the negation governs another verb, not this mention
                between = [w for w in between if w not in self.fillers]
            if _RANK[modality] > _RANK[best] and len(between) <= self.window:
                best, ev_start = modality, t_start
        return best, ev_start

    def _after(self, text: str, end: int, clause_end: int) -> tuple[Modality, int]:
        """The strongest trigger after the mention in its clause, and where it ends."""
        best, ev_end = Modality.AFFIRMED, end
        reach = max(self.post_window, self.remote_window)
        if end >= clause_end or self._post_first.isdisjoint(_words(text[end:clause_end])[:reach]):
            return best, ev_end
        for after in self._post_re.finditer(text, end, clause_end):
            modality = self.post.get(" ".join(after.group().split()))
            distance = len(text[end : after.start()].split())
            if modality is None or distance >= reach:  # a terminator, or too far: the search ends
                break
            if modality in _PAST and (
                self._opens_clause(text, after.end(), clause_end)
                or (after.group().strip() == "BEFORE" and self._leads_object(text, after.end(), clause_end))
            ):
                continue  # "END IT ALL BEFORE SHE DRIVES OFF": a conjunction, not a time in the past
            window = self.remote_window if modality in _PAST else self.post_window
            if _RANK[modality] > _RANK[best] and distance < window:
                best, ev_end = modality, after.end()
        return best, ev_end

    @staticmethod
    def _leads_object(text: str, at: int, clause_end: int) -> bool:
        """Whether the word at `at` begins a noun phrase or a time ahead (BEFORE THE END, BEFORE ANYONE)."""
        following = text[at:clause_end].split(maxsplit=1)
        return bool(following) and following[0] in _BEFORE_OBJECTS

    def _opens_clause(self, text: str, at: int, clause_end: int) -> bool:
        """Whether the word at `at` opens a new predication (a subject, a modal)."""
        following = text[at:clause_end].split(maxsplit=1)
        return bool(following) and following[0] in self.clause_heads

    def about_reporting_party(self, text: str, start: int) -> bool:
        """Whether the nearest person word before `start` in its sentence is the reporting party."""
        sentence_start = _sentence_start(text, start)
        last: str | None = None
        for m in self._who_re.finditer(text, sentence_start, start):
            if text.startswith("'S", m.end()):
                continue  # "RP'S WIFE": the possessive points at someone else
            last = m.group()
        return last is not None and " ".join(last.split()) in self.reporting_party


def _words(text: str) -> list[str]:
    """Blank-separated words, with the in-clause punctuation that may hug a trigger taken off."""
    return text.translate(_LOOSE_PUNCTUATION).split()


_LOOSE_PUNCTUATION = str.maketrans(dict.fromkeys('"*#&', " "))


class ClauseBounds(NamedTuple):
    """Where the clauses of one text end, found once per text and looked up per mention."""

    starts: list[int]
    ends: list[int]
    length: int

    @classmethod
    def of(cls, text: str) -> ClauseBounds:
        spans = [m.span() for m in _CLAUSE_END.finditer(text)]
        if " -" in text or " /" in text:
            # a dash or a slash between blanks ends a clause (text messages relayed as 'A' / 'B'); one
            # inside a word does not (W/, S/I, 24/7)
            spans = sorted(spans + [m.span() for m in _DASH.finditer(text)])
        return cls([a for a, _ in spans], [b for _, b in spans], len(text))

    def start_before(self, pos: int) -> int:
        """Where the clause holding `pos` begins: just after the last boundary ending at or before it."""
        i = bisect.bisect_right(self.ends, pos)
        return self.ends[i - 1] if i else 0

    def end_after(self, pos: int) -> int:
        """Where the clause holding `pos` ends: the first boundary starting at or after it."""
        i = bisect.bisect_left(self.starts, pos)
        return self.starts[i] if i < len(self.starts) else self.length


def _sentence_start(text: str, pos: int) -> int:
    start = max(0, pos - 240)
    for m in _SENTENCE_END.finditer(text, start, pos):
        start = m.end()
    return start


def _literal_alternation(words: Iterable[str]) -> re.Pattern[str]:
    """A regex matching any of `words` as whole words, longest first, spaces matching any blank run."""
    unique = {" ".join(w.split()) for w in words}
    if not unique:
        return re.compile(r"(?!)")
    body = trie_pattern(unique).replace(re.escape(" "), r"\s+")
    return re.compile(rf"(?<![A-Z0-9'])(?:{body})(?![A-Z0-9])")


def trie_pattern(words: Iterable[str]) -> str:
    """A regex source matching any of `words`, factored as a trie so that one scan stays fast.

    Where a word is a prefix of another, the longer continuation is tried first: the longest wins.
    """

    def build(group: list[str]) -> str:
        branches = [
            re.escape(char) + build([w[1:] for w in items])
            for char, items in itertools.groupby(sorted(w for w in group if w), key=lambda w: w[0])
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in group else body

    return build(sorted(set(words)))


_Probe = tuple[tuple["PhraseRule", re.Pattern[str]], ...]
"""The rules one anchor word keys, each with the part of its pattern that can start at that word."""


@dataclass(frozen=True, slots=True)
class NarrativeReader:
    """Finds every phrase rule that fires in a narrative, with its modality. Immutable once built."""

    rules: tuple[PhraseRule, ...]
    context: ContextLexicon
    _anchor_re: re.Pattern[str] = field(init=False, repr=False)
    _probes: Mapping[str, _Probe] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        anchors = sorted({a for rule in self.rules for a in rule.anchors})
        by_anchor: dict[str, list[PhraseRule]] = {a: [] for a in anchors}
        for rule in self.rules:
            for anchor in rule.anchors:
                by_anchor[anchor].append(rule)
        # The scan reports the longest anchor at a word start; every shorter anchor that is a prefix
        # of it keys rules that must be tried there too, each with only the alternatives of its
        # pattern that can start with that word. Anchors trying the same alternatives share a probe.
        probe_for: dict[str, _Probe] = {}
        for found in anchors:
            keyed = dict.fromkeys(r for k in range(1, len(found) + 1) for r in by_anchor.get(found[:k], ()))
            probe_for[found] = tuple(
                (rule, _compile_part(source)) for rule in keyed if (source := _source_at(rule, found))
            )
        source = trie_pattern(anchors) if anchors else "(?!)"
        object.__setattr__(self, "_anchor_re", re.compile(rf"(?<![A-Z0-9'])(?:{source})"))
        object.__setattr__(self, "_probes", probe_for)

    def read(self, narrative: str, *, caller_is_subject: bool = False) -> tuple[Finding, ...]:
        """Every rule match in `narrative`, in text order, each with its modality and evidence."""
        if not narrative:
            return ()
        text, where = _normalized(narrative)
        findings: list[Finding] = []
        context = self.context
        bounds: ClauseBounds | None = None
        for hit in self._anchor_re.finditer(text):
            at = hit.start()
            for rule, pattern in self._probes[hit.group()]:
                matched = pattern.match(text, at)
                if matched is None:
                    continue
                start, end = matched.span()
                if end <= start:  # an empty match says nothing
                    continue
                if bounds is None:
                    bounds = ClauseBounds.of(text)
                modality, ev_start, ev_end = context.modality(
                    text, start, end, bounds, hazard=bool(rule.safety)
                )
                about_rp = (
                    rule.rp_discount and not caller_is_subject and context.about_reporting_party(text, start)
                )
                if where is not None:  # back to the original text's positions
                    ev_start, ev_end = where[ev_start], where[ev_end - 1] + 1
                findings.append(Finding(rule, modality, start, end, narrative[ev_start:ev_end], about_rp))
        if any(f.rule.requires for f in findings):
            present = {f.rule.code for f in findings if f.modality not in _ABSENT}
            findings = [f for f in findings if not f.rule.requires or f.rule.requires & present]
        return tuple(findings)


def _source_at(rule: PhraseRule, word_start: str) -> str:
    """The part of the rule's pattern that can match at a word starting `word_start` ("" if none)."""
    if not rule.alternatives:
        return rule.pattern.pattern
    fitting = [alt for alt in rule.alternatives if compatible(_prefixes(alt), word_start)]
    return "|".join(f"(?:{alt})" for alt in fitting)


@functools.lru_cache(maxsize=8192)
def _prefixes(source: str) -> frozenset[str]:
    return literal_prefixes(source)


@functools.lru_cache(maxsize=8192)
def _compile_part(source: str) -> re.Pattern[str]:
    """A memo over `re.compile` for the rules' pattern parts: every agency's reader shares the default
    set's, and there are more of them than `re`'s own cache (512) holds."""
    return re.compile(source)


_FOLD = str.maketrans(
    {
        **dict(zip("ÁÀÂÄÉÈÊËÍÌÎÏÓÒÔÖÚÙÛÜÑÇ", "AAAAEEEEIIIIOOOOUUUUNC", strict=True)),
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": " ",
        "\u201d": " ",
        '"': " ",
        "\u00bf": " ",
        "\u00a1": " ",
    }
)
_QUOTE = re.compile(r"(?<![A-Z0-9])'|'(?![A-Z0-9])")
_AINT = re.compile(r"\bAINT\b")


def matching_text(text: str) -> str:
    """The text rules are matched against: upper case, accents folded (`MAÑANA` -> `MANANA`, for
    Spanish remarks), quotation marks blanked (a quoted statement, `said 'just a burden'`, reads like
    an unquoted one), apostrophes inside words dropped (`HASN'T` reads `HASNT`, as CAD shorthand
    writes it, so one pattern serves both) and `AIN'T` / `AINT` read as `NOT` (`AINT EATING`,
    `SHE AINT SUICIDAL`: every negation and sign pattern knows NOT; same length, so evidence spans
    still fall on the original text)."""
    return _normalized(text)[0]


def _normalized(text: str) -> tuple[str, list[int] | None]:
    """`matching_text(text)` and, when it is shorter than `text`, where each of its characters came
    from (so evidence spans are cut from the original text)."""
    upper = text.upper()
    if len(upper) != len(text):
        upper = "".join(c if len(c.upper()) != 1 else c.upper() for c in text)
    if not upper.isascii() or '"' in upper:
        upper = upper.translate(_FOLD)
    if "'" not in upper:
        return _ain_t(upper), None
    upper = _QUOTE.sub(" ", upper)
    if "'" not in upper:
        return _ain_t(upper), None
    where = [i for i, c in enumerate(upper) if c != "'"]
    return _ain_t(upper.replace("'", "")), where


def _ain_t(upper: str) -> str:
    return _AINT.sub("NOT ", upper) if "AINT" in upper else upper
