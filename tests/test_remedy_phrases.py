"""Each remedy's words are its own: fact texts and version texts are keyed by remedy.

Two remedies may use the same code with different wording (``offence_detail`` in PC 1203.4
and PC 1203.4a; the version ``section_none`` in PC 1203.41 and PC 1203.425). Loaded
together (``--remedy all``), neither may take the other's words, in an explanation, a
remedy file's sentence or the report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import clingo

from cmr_reason.facts.calendar_terms import CALENDAR
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.remedies import beside_prop64, fact_text, remedy_vocabulary
from cmr_reason.reasoner.engine.remedy_decision import RemedyDecision, remedy_decisions
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.explain.justification import Record
from cmr_reason.reasoner.explain.remedy import remedy_tree
from cmr_reason.reasoner.run.remedy_output import remedy_sentence

CASES = Path(__file__).resolve().parent / "cases"
ALL = beside_prop64(tuple(r.code for r in remedy_vocabulary().remedies))


def _own_fact_texts(code: str) -> dict[str, str]:
    """``remedy_fact_text/3`` of one remedy's statute files, grounded alone."""
    ctl = clingo.Control(["--warn=none"])
    for name in remedy_vocabulary().by_code(code).files:
        if name.startswith("statutes/"):
            ctl.load(str(PROGRAMS_DIR / name))
    ctl.add("base", [], "#show remedy_fact_text/3.")
    ctl.ground([("base", [])], context=CALENDAR)
    texts: dict[str, str] = {}
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                remedy, fact, text = sym.arguments
                assert str(remedy) == code, f"{code}'s program words {remedy}'s fact {fact}"
                texts[str(fact)] = text.string
    return texts


def test_two_remedies_word_the_same_fact_each_their_own_way() -> None:
    """offence_detail: PC 1203.4(b) and PC 1203.4a exclude different offences."""
    catalogue = load_catalogue(load_program_set("statute", ALL))
    decs = {}
    for code in ("pc1203_4", "pc1203_4a"):
        decs[code] = RemedyDecision(code, "c1", outcome="blocked_by_record", reason="charge")
        decs[code].missing_facts = ["charge", "offence_detail"]
    words = {code: remedy_tree(dec, catalogue)["missing"][1] for code, dec in decs.items()}
    assert "PC 1203.4(b)" in words["pc1203_4"]
    assert "PC 1203.4a" in words["pc1203_4a"]
    for code, dec in decs.items():
        assert words[code] == _own_fact_texts(code)["offence_detail"]
        assert words[code] in remedy_sentence(dec, catalogue, Record(None))


def test_every_remedy_fact_reads_its_own_remedys_words() -> None:
    for code in ALL:
        own = _own_fact_texts(code)
        assert own, code
        for fact, text in own.items():
            assert fact_text(code, fact) == text, (code, fact)


def test_a_version_name_two_remedies_share_keeps_each_remedys_words() -> None:
    """Before PC 1203.41 (2014) and PC 1203.425 (2020), both say which text was not in force."""
    history = next(iter(read_histories([CASES / "pc1203_41" / "jail__discretionary.lp"])))
    solved = decide([history], load_program_set("statute", ALL), dt.date(2012, 6, 1))
    assert solved.internal_errors == []
    decisions = remedy_decisions(solved)
    expected = {
        "pc1203_41": "before AB 651: PC 1203.41 did not exist",
        "pc1203_425": "before AB 1076: PC 1203.425 did not exist",
    }
    for code, words in expected.items():
        for dec in decisions[code].values():
            assert dec.outcome == "not_applicable", code
            said = [
                dict(f.args)["version"]
                for f in dec.firings
                if f.rule_id == f"{code}.not_applicable.not_in_force"
            ]
            assert said == [words], (code, said)


def test_a_remedys_rule_ids_are_named_after_it() -> None:
    """Rules are looked up by id across remedies: each remedy's ids start with its own code."""
    catalogue = load_catalogue(load_program_set("statute", ALL))
    vocab = remedy_vocabulary()
    for entry in catalogue.rules.values():
        owners = [r.code for r in vocab.remedies if entry.program in r.files]
        if owners:
            assert entry.rule_id.split(".", 1)[0] in owners, (entry.rule_id, entry.program)
