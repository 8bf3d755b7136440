"""The petition remedies' programs (issue #21): every rule exercised, versions, no clashes.

The legal cases (``tests/cases/<remedy>/``) check what each remedy decides; these tests
check the programs as a whole: every catalogued rule of a petition remedy fires in some
case and fills its template's slots, no aggregate leaks ``#sup`` into an explanation, every
dated rule has exactly one version on every as-of date, no two remedy programs define the
same helper predicate (loading several remedies never changes one's decisions), and every
conviction of the demo data gets exactly one decision under every remedy.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import clingo
import clingo.ast
from case_results import all_case_results
from test_remedy_versions import coverage_problems

from cmr_reason.facts.history_reader import read_histories
from cmr_reason.facts.synth.generator import demo_path
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.remedies import beside_prop64, remedy_vocabulary
from cmr_reason.reasoner.engine.remedy_decision import remedy_decisions
from cmr_reason.reasoner.engine.solver import decide

PETITIONS = ("pc1203_4", "pc1203_4a", "pc1203_41", "pc17b", "prop47")
# Predicates every remedy program may add to (catalogue and output facts by design).
SHARED = {
    "rule", "rank", "fired", "remedy_run", "remedy_reason", "remedy_fact_text", "rule_version",
    "version_text", "version_param", "missing_fact", "stays_true", "remedy_flag",
    "eligible_on", "objection_deadline", "reviewer_decides",
}  # fmt: skip


@cache
def _all_remedies() -> tuple[str, ...]:
    return beside_prop64(tuple(r.code for r in remedy_vocabulary().remedies))


def _program_files(code: str) -> list[str]:
    return [
        name for name in remedy_vocabulary().by_code(code).files if name.startswith("statutes/")
    ]


def _head_predicates(path: str) -> set[str]:
    """The predicates a program file defines (rule heads and facts), read by clingo's parser."""
    found: set[str] = set()

    def visit(stm: clingo.ast.AST) -> None:
        if stm.ast_type != clingo.ast.ASTType.Rule:
            return
        head = stm.head
        atom = getattr(head, "atom", None)
        symbol = getattr(atom, "symbol", None)
        name = getattr(symbol, "name", None)
        if name:
            found.add(name)

    text = (PROGRAMS_DIR / path).read_text(encoding="utf-8")
    clingo.ast.parse_string(text, visit)
    return found


def test_petition_remedies_are_declared() -> None:
    assert set(PETITIONS) <= set(_all_remedies())
    for code in PETITIONS:
        assert _program_files(code) == [f"statutes/{code}.lp"]


def test_no_two_remedy_programs_define_the_same_helper() -> None:
    """Loading several remedies together never merges two programs' helpers."""
    owners: dict[str, str] = {}
    clashes = []
    for code in _all_remedies():
        for name in _program_files(code):
            for pred in _head_predicates(name) - SHARED:
                if pred in owners and owners[pred] != name:
                    clashes.append(f"{pred}: {owners[pred]} and {name}")
                owners.setdefault(pred, name)
    assert not clashes, clashes


def _remedy_results():
    return [r for r in all_case_results() if r.solved is not None and r.solved.remedy_firings]


def test_every_petition_rule_fires_in_some_case() -> None:
    """Rule coverage (docs/adding-rules.md "Every rule is exercised") for the petitions."""
    catalogue = load_catalogue(load_program_set("statute", PETITIONS))
    ids = {i for i in catalogue.rules if i.split(".", 1)[0] in PETITIONS}
    fired = {f.rule_id for r in _remedy_results() for _, f in r.solved.remedy_firings}
    assert not sorted(ids - fired), f"petition rules no case fires: {sorted(ids - fired)}"


def test_petition_templates_get_their_slots_and_no_aggregate_leaks() -> None:
    catalogue = load_catalogue(load_program_set("statute", PETITIONS))
    problems = set()
    for result in _remedy_results():
        for _, firing in result.solved.remedy_firings:
            entry = catalogue.rules.get(firing.rule_id)
            if entry is None or firing.rule_id.split(".", 1)[0] not in PETITIONS:
                continue
            given = {name for name, _ in firing.args}
            problems |= {f"{firing.rule_id}: {{{s}}}" for s in entry.slots if s not in given}
            if re.search(r"#(sup|inf)", repr(firing.args)):
                problems.add(f"{firing.rule_id}: an empty aggregate in {result.path.name}")
    assert not problems, sorted(problems)


def test_every_decision_rule_of_a_petition_has_a_rank() -> None:
    catalogue = load_catalogue(load_program_set("statute", PETITIONS))
    for code in PETITIONS:
        text = (PROGRAMS_DIR / "statutes" / f"{code}.lp").read_text(encoding="utf-8")
        for rule_id in re.findall(r'fired\(C, "([^"]+)",\s*remedy_outcome\(', text):
            assert catalogue.rules[rule_id].rank is not None, rule_id


def test_exactly_one_version_on_every_as_of_date() -> None:
    lines = [
        line
        for code in PETITIONS
        for line in (PROGRAMS_DIR / "statutes" / f"{code}.lp").read_text().splitlines()
        if line.startswith("rule_version(")
    ]
    text = "\n".join(lines) + (
        "\nversion_in_force(Rule, V) :- as_of(D), rule_version(Rule, V, From, Until), "
        "From <= D, D < Until."
    )
    for rule in ("pc1203_4.version.vc12810", "pc1203_41.version.section", "prop47.version.act"):
        assert rule in text
    assert coverage_problems(text) == []


def test_every_demo_conviction_gets_one_decision_under_every_remedy() -> None:
    """No internal error, one decision per conviction and remedy, at dates around the laws."""
    people = list(read_histories([demo_path()]))[:120]
    ids = {c.conviction_id for h in people for c in h.convictions}
    programs = load_program_set("statute", _all_remedies())
    for as_of in (dt.date(2014, 11, 5), dt.date(2023, 1, 1)):
        solved = decide(people, programs, as_of)
        assert solved.internal_errors == []
        decisions = remedy_decisions(solved)
        for code in _all_remedies():
            assert set(decisions[code]) == ids, code
            assert all(d.outcome and d.decided_by for d in decisions[code].values())
