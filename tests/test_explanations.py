"""Explanations a reviewing attorney reads quickly: grammar, alternatives, reviews, --brief.

Every rule template is rendered with sample values and checked for article and agreement
slips; the alternative shows the ranked winner of its branch; a review names its candidate
outcomes and the input rows that conflict; a resentence states the HS 11361.8(b) standard;
``explain --brief`` gives one line a conviction.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from case_results import case_result
from doj_builder import arrest, court, write
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.facts.history_reader import read_histories
from cmr_reason.reasoner.engine.catalogue import load_catalogue
from cmr_reason.reasoner.engine.program_set import load_program_set, policy_names
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.explain.justification import (
    _NO_RECORD,
    Record,
    _fact_items,
    build_tree,
    fill,
)
from cmr_reason.reasoner.explain.render import brief_line, brief_row

runner = CliRunner()
LEVELS = ("felony", "misdemeanor", "infraction")
# Sample values of every slot a template may have; a level slot is tried with each level.
SAMPLES: dict[str, tuple[Any, ...]] = {
    "level": LEVELS,
    "was": LEVELS,
    "now": (*LEVELS, "lawful", "misdemeanor_lower_penalty"),
    "age": (17, 25, 50),
    "date": (20080110,),
    "relief": tuple(vocabulary().reliefs),
    "ground": tuple(vocabulary().ground_texts.values()),
    "problem": ("a misdemeanor cannot be redesignated as a misdemeanor",),
}
# An article that disagrees with the next word, or a level said without its article.
SLIPS = (
    re.compile(r"\ba (?=[aeiou])", re.IGNORECASE),
    re.compile(r"\ban (?=[b-df-hj-np-tv-z])", re.IGNORECASE),
    re.compile(r"\b(?:is|was|still|already|be) (?:felony|misdemeanor|infraction)\b"),
    re.compile(r"\b(?:a|an) (?:a|an|the)\b"),
)


def _slips(text: str) -> list[str]:
    return [m.group(0) for slip in SLIPS for m in slip.finditer(text)]


def _templates() -> dict[str, str]:
    found: dict[str, str] = {}
    for policy in policy_names():
        catalogue = load_catalogue(load_program_set(policy))
        found.update({r.rule_id: r.template for r in catalogue.rules.values()})
        found.update({f"absence {k}": v for k, v in catalogue.absences.items()})
    return found


def _fillings(template: str) -> list[str]:
    slots = sorted(set(re.findall(r"\{([a-z_]+)\}", template)))
    varied = [s for s in slots if s in SAMPLES]
    texts = []
    for index in range(max([len(SAMPLES[s]) for s in varied], default=1)):
        args = tuple(
            (s, SAMPLES[s][index % len(SAMPLES[s])] if s in SAMPLES else "x") for s in slots
        )
        texts.append(fill(template, args, _NO_RECORD))
    return texts


def test_every_template_reads_without_grammar_slips() -> None:
    """No "a infraction", "an misdemeanor", "is misdemeanor today" in any rule's sentence."""
    bad = {}
    for rule_id, template in sorted(_templates().items()):
        for text in _fillings(template):
            if _slips(text):
                bad[rule_id] = (text, _slips(text))
    assert not bad, bad


def test_every_phrase_reads_without_grammar_slips() -> None:
    vocab = vocabulary()
    catalogue = load_catalogue(load_program_set("statute"))
    phrases = [
        *catalogue.reasons.values(), *catalogue.flags.values(), *catalogue.problems.values(),
        *catalogue.unknown_facts.values(), *vocab.labels.values(), *vocab.results.values(),
        *vocab.ground_texts.values(), *vocab.level_texts.values(),
        *(text for _, text in vocab.standards.values()),
    ]  # fmt: skip
    assert [p for p in phrases if _slips(p)] == []


def test_articles_agree_with_the_value_filled_in() -> None:
    assert fill("It is still a {level}.", (("level", "infraction"),), _NO_RECORD) == (
        "It is still an infraction."
    )
    assert fill("An {level} of a minor.", (("level", "misdemeanor"),), _NO_RECORD) == (
        "A misdemeanor of a minor."
    )
    now = "The conduct is {now} today."
    assert fill(now, (("now", "misdemeanor"),), _NO_RECORD) == "The conduct is a misdemeanor today."
    assert fill(now, (("now", "lawful"),), _NO_RECORD) == "The conduct is lawful today."


def _trees(path: Path, policy: str = "statute") -> dict[str, dict[str, Any]]:
    read = read_histories([path])
    histories = list(read)
    programs = load_program_set(policy)
    as_of = dt.date(2020, 7, 1)
    solved = decide(histories, programs, as_of)
    assert not solved.internal_errors
    catalogue = load_catalogue(programs)
    return {
        c.conviction_id: build_tree(solved.decisions[c.conviction_id], catalogue, h)
        for h in histories
        for c in h.convictions
    }


HISTORY = """\
person("p"). birth("p", 19700101).
case("p:k0", "p", "LOS ANGELES", "CASC LOS ANGELES").
conviction("p:c0", "p", "p:k0"). offence_date("p:c0", 19950110). disposition_date("p:c0", 19950401).
charge("p:c0", pc, "288", ("a",)). level("p:c0", felony).
registration("p", pc, "290", 19960101).
case("p:k1", "p", "LOS ANGELES", "CASC LOS ANGELES").
conviction("p:c1", "p", "p:k1"). offence_date("p:c1", 20080110). disposition_date("p:c1", 20080401).
charge("p:c1", hs, "11358", ()). level("p:c1", felony). sentence("p:c1", probation, 36, month).
person("q"). birth("q", 19700101).
case("q:k1", "q", "LOS ANGELES", "CASC LOS ANGELES").
conviction("q:c1", "q", "q:k1"). offence_date("q:c1", 20080110).
offence_date("q:c1", 20080111). disposition_date("q:c1", 20080401).
charge("q:c1", hs, "11359", ()). level("q:c1", felony).
conviction("q:c2", "q", "q:k1"). offence_date("q:c2", 20080110). disposition_date("q:c2", 20080401).
charge("q:c2", hs, "11358", ()). level("q:c2", felony).
level("q:c2", misdemeanor).
conviction("q:c3", "q", "q:k1"). offence_date("q:c3", 20160110). disposition_date("q:c3", 20160401).
charge("q:c3", hs, "11359", ()). level("q:c3", felony). sentence("q:c3", prison, 6, year).
person("r"). birth("r", 19700101).
birth("r", 19710101).
case("r:k1", "r", "LOS ANGELES", "CASC LOS ANGELES").
conviction("r:c1", "r", "r:k1"). offence_date("r:c1", 20080110). disposition_date("r:c1", 20080401).
charge("r:c1", hs, "11357", ("a",)). level("r:c1", felony).
"""


def _at(*facts: str) -> list[str]:
    """``history.lp:N`` of the HISTORY lines that hold each fact."""
    lines = HISTORY.splitlines()
    return [f"history.lp:{next(n for n, t in enumerate(lines, 1) if f in t)}" for f in facts]


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    path = tmp_path_factory.mktemp("explain") / "history.lp"
    path.write_text(HISTORY, encoding="utf-8")
    found = _trees(path)
    for tree in found.values():  # rows relative to the file's folder
        rows = tree["conflicting_rows"]
        tree["conflicting_rows"] = [r.replace(f"{path.parent}/", "") for r in rows]
    return found


def test_alternative_shows_the_ranked_winner(trees: dict[str, dict[str, Any]]) -> None:
    """A PC 288(a) prior is a super-strike (rank 30) and a PC 290(c) offence; a registration
    too (rank 32): the alternative shows the super-strike rule, which wins its branch. The
    presumed reading (six plants or fewer, lawful) meets that disqualifier on the other
    reading, so the decision is a review (HS 11361.8(b), (f); issue #15)."""
    tree = trees["p:c1"]
    assert (tree["outcome"], tree["reason"]) == ("review", "presumption_against_disqualifier")
    (alternative,) = tree["alternatives"]
    assert alternative["outcome"] == "not_eligible"
    assert alternative["rule"]["rule_id"] == "p64.exclude.11358.prior_superstrike"


def test_a_registration_date_shows_the_registrations_line(tmp_path: Path) -> None:
    """A prior date with no prior conviction (a PC 290 registration) shows its own row."""
    path = tmp_path / "history.lp"
    path.write_text(HISTORY, encoding="utf-8")
    history = next(h for h in read_histories([path]) if h.subject_id == "p")
    (fact,) = _fact_items((("prior_date", 19960101),), "p:c1", Record(history))
    assert fact["source"] == f"{path}:{_at('registration(')[0].split(':')[1]}"


def test_review_names_its_candidates_and_the_rows_that_conflict(
    trees: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    dates = trees["q:c1"]
    assert (dates["outcome"], dates["reason"]) == ("review", "conflicting_dates")
    assert dates["candidates"] == ["redesignate_misdemeanor"]
    assert dates["conflicting_rows"] == _at(
        'offence_date("q:c1", 20080110)', 'offence_date("q:c1", 20080111)'
    )
    rows = trees["q:c2"]
    assert (rows["outcome"], rows["reason"]) == ("review", "conflicting_records")
    assert rows["candidates"][:2] == ["dismiss_and_seal", "redesignate_misdemeanor"]
    assert rows["conflicting_rows"] == _at('level("q:c2", felony)', 'level("q:c2", misdemeanor)')
    birth = trees["r:c1"]
    assert (birth["outcome"], birth["reason"]) == ("review", "birth_date_unknown")
    assert birth["candidates"] == []  # the age decides every reading: none reached
    assert birth["conflicting_rows"] == _at('birth("r", 19700101)', 'birth("r", 19710101)')
    assert all(not t["candidates"] for t in trees.values() if t["outcome"] != "review")


def test_doj_rows_that_conflict_are_named_by_line(tmp_path: Path) -> None:
    """Two birth dates, and an arrest after the conviction: each row by file and line."""
    sale = {"charge": "11359 HS-POSSESS FOR SALE", "CONV_STAT_DESCR": "FELONY"}
    rows = [
        arrest("001001001000", "20100105", PRI_DOB="19800101"),  # line 2
        court("001002001000", "20100301", **sale),  # line 3: another birth date
        arrest("002001001000", "20120105", SUBJECT_ID="2002"),  # line 4
        court("002002001000", "20110301", SUBJECT_ID="2002", **sale),  # line 5: before it
    ]
    path = write(tmp_path / "doj.csv", rows)
    trees = _trees(path)
    birth = trees["1001:001002001000"]
    assert birth["reason"] == "birth_date_unknown"
    assert birth["conflicting_rows"] == [f"{path}:2", f"{path}:3"]
    dates = trees["2002:002002001000"]
    assert dates["reason"] == "conflicting_dates"
    assert dates["conflicting_rows"] == [f"{path}:4", f"{path}:5"]


def test_resentence_states_the_public_safety_standard(trees: dict[str, dict[str, Any]]) -> None:
    tree = trees["q:c3"]
    assert tree["outcome"] == "resentence"
    assert "unreasonable risk of danger to public safety" in tree["rule"]["text"]
    assert tree["standard"]["citation"] == "HS 11361.8(b); PC 1170.18(c)"
    assert "super-strike felony" in tree["standard"]["text"]
    assert all(t["standard"] is None for t in trees.values() if t["outcome"] != "resentence")


def test_brief_is_one_line_a_conviction(tmp_path: Path) -> None:
    path = tmp_path / "history.lp"
    path.write_text("as_of(20200701).\n" + HISTORY, encoding="utf-8")
    result = runner.invoke(
        app, ["explain", "q", "--input", str(path), "--brief"],
        env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Person q - as of 2020-07-01, policy statute, 3 conviction(s)"
    assert len(lines) == 5  # the head, one line a conviction, and where the full tree is
    assert lines[1].startswith("q:c1  2008-04-01  HS 11359 felony  Needs human review - ")
    assert "(candidates: redesignate as a misdemeanor | rows: " in lines[1]
    assert lines[3].startswith("q:c3  2016-04-01  HS 11359 felony  Recall and resentence - ")
    assert "without --brief" in lines[4]
    tree = runner.invoke(app, ["explain", "q", "--input", str(path)], env={"COLUMNS": "80"})
    assert len(tree.stdout.splitlines()) > 3 * len(lines)  # the full tree is the default


def test_brief_line_of_an_alternative(trees: dict[str, dict[str, Any]]) -> None:
    row = brief_row(trees["p:c1"])
    assert brief_line(row, markup=False) == (
        "p:c1  2008-04-01  HS 11358 felony  Needs human review - the presumed reading gives "
        "relief, but the other reading meets a disqualifier on the record  (if there were more "
        "than six plants: not eligible | candidates: dismiss and seal, not eligible)"
    )


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("misdemeanor_as_misdemeanor", "a misdemeanor cannot be redesignated as a misdemeanor"),
        ("infraction_as_infraction", "an infraction cannot be redesignated as an infraction"),
        ("infraction_as_misdemeanor", "an infraction cannot be redesignated as a misdemeanor"),
        ("redesignation_level_unknown", "the record does not show the level"),
        ("resentence_after_sentence_completed", "the record shows the sentence ended"),
    ],
)
def test_a_refused_decision_says_why(case: str, why: str) -> None:
    """The programs refuse a relief the conviction cannot get, and the explanation says why."""
    path = Path(__file__).parent / "cases" / "review" / f"grant_other__{case}_refused.lp"
    result = case_result(path)  # the case's run as a test item (conftest.py)
    assert result.passed, result.problems
    assert result.solved is not None
    (firing,) = [
        f for f in result.solved.decisions["p:c1"].firings if f.rule_id == "review.invalid"
    ]
    problem = dict(firing.args)["problem"]
    assert isinstance(problem, str) and problem.startswith(why), problem
