"""The rule catalogue: every rule id with its citation and plain-English template.

The catalogue lives in the programs as ``rule(Id, Citation, Template)`` facts beside the
rules (plus ``reason/2`` phrases and ``rank/2`` precedence). It is read by grounding the
programs with no data, so the lawyers' text is the one source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import clingo

from cmr_reason.reasoner.engine.program_set import ProgramSet

SLOT = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """One catalogued rule."""

    rule_id: str
    citation: str
    template: str
    rank: int | None
    program: str

    @property
    def slots(self) -> tuple[str, ...]:
        """Names of the template's slots, in order of appearance."""
        return tuple(SLOT.findall(self.template))


@dataclass(frozen=True)
class Catalogue:
    """Rules by id, reason phrases by code, and retired rule ids with the reason."""

    rules: dict[str, RuleEntry]
    reasons: dict[str, str]
    absences: dict[str, str]
    unknown_facts: dict[str, str]
    flags: dict[str, str]
    problems: dict[str, str]
    retired: dict[str, str]

    def rule(self, rule_id: str) -> RuleEntry:
        """The entry for ``rule_id`` (a placeholder for an unknown id, never an exception)."""
        found = self.rules.get(rule_id)
        if found is None:
            return RuleEntry(rule_id, "", rule_id, None, "")
        return found

    def reason_text(self, code: str) -> str:
        """The plain phrase of a reason code (the code itself when uncatalogued)."""
        return self.reasons.get(code, code.replace("_", " "))


def _program_of_rules(programs: ProgramSet) -> dict[str, str]:
    """Which file declares each rule id (for docs and ``rules show``)."""
    where: dict[str, str] = {}
    pattern = re.compile(r'^rule\("([^"]+)"', re.MULTILINE)
    for path in programs.files:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            where.setdefault(match.group(1), f"{path.parent.name}/{path.name}")
    return where


_SHOW = """
#show rule/3. #show rank/2. #show reason/2. #show retired_rule/2.
#show absence_text/2. #show unknown_fact_text/2. #show flag_text/2.
#show invalid_decision_text/2.
#defined absence_text/2. #defined unknown_fact_text/2. #defined flag_text/2.
#defined retired_rule/2.
"""


@cache
def load_catalogue(programs: ProgramSet) -> Catalogue:
    """Ground the programs without data: ``rule/3``, ``rank/2``, phrases, ``retired_rule/2``."""
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], programs.text)
    ctl.add("base", [], _SHOW)
    ctl.ground([("base", [])])
    ranks: dict[str, int] = {}
    raw_rules: list[tuple[str, str, str]] = []
    phrases: dict[str, dict[str, str]] = {
        "reason": {},
        "absence_text": {},
        "unknown_fact_text": {},
        "flag_text": {},
        "invalid_decision_text": {},
        "retired_rule": {},
    }
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                args = sym.arguments
                if sym.name == "rule":
                    raw_rules.append((args[0].string, args[1].string, args[2].string))
                elif sym.name == "rank":
                    ranks[args[0].string] = args[1].number
                elif sym.name == "retired_rule":
                    phrases["retired_rule"][args[0].string] = args[1].string
                elif sym.name in phrases:
                    phrases[sym.name][str(args[0])] = args[1].string
    where = _program_of_rules(programs)
    rules = {
        rid: RuleEntry(rid, cite, text, ranks.get(rid), where.get(rid, ""))
        for rid, cite, text in sorted(raw_rules)
    }
    return Catalogue(
        rules=rules,
        reasons=phrases["reason"],
        absences=phrases["absence_text"],
        unknown_facts=phrases["unknown_fact_text"],
        flags=phrases["flag_text"],
        problems=phrases["invalid_decision_text"],
        retired=phrases["retired_rule"],
    )
