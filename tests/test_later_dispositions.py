"""Later dispositions and sentence parts: read from DOJ rows and .lp files, applied by the programs.

Python only reads the update rows and computes calendar dates; what a reduction, a
set-aside, a revocation or relief already granted does, and which sentence parts count, is
decided in ``programs/`` (``core/later_dispositions.lp``, ``core/sentence.lp``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import clingo
import pytest
from doj_builder import court, write

from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import history_facts, packed_facts
from cmr_reason.facts.lean_person import lean_person
from cmr_reason.facts.lp_reader import read_lp
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.review.decision_facts import conviction_fingerprint
from cmr_reason.reasoner.run.rows import person_outcome

AS_OF = dt.date(2020, 7, 1)
FELONY = {"CONV_STAT_DESCR": "FELONY", "OFFENSE_TOC": "F"}


def _history(tmp_path: Path, rows: list[list[str]]):
    read = read_doj([write(tmp_path / "doj.csv", rows)])
    histories = list(read)
    assert len(histories) == 1
    return histories[0], read.account


def test_an_update_row_of_a_count_is_a_later_disposition(tmp_path):
    rows = [
        court("001002001000", "20080401", charge="11359 HS", **FELONY),
        court("001002001000", "20080401", charge="11359 HS", **FELONY,
              DISP_DESCR="REDUCED TO MISDEMEANOR", DISP_DATE="20120315"),
        court("001002001000", "20080401", charge="11359 HS", **FELONY,
              DISP_DESCR="CONV SET ASIDE & DISM PER 1203.4 PC", STP_EVENT_DATE="20130101"),
    ]  # fmt: skip
    history, account = _history(tmp_path, rows)
    (conviction,) = history.convictions
    later = [(d.kind, d.date.isoformat(), d.source_line) for d in conviction.later_dispositions]
    # dated by DISP_DATE, else by STP_EVENT_DATE
    assert later == [("reduced_to_misdemeanor", "2012-03-15", 3),
                     ("set_aside_1203_4", "2013-01-01", 4)]  # fmt: skip
    assert conviction.level.value == "felony"  # the level at conviction is kept
    assert conviction.source.lines == (2, 3, 4)
    assert "conflicting_count_rows" not in conviction.flags  # updates are not a conflict
    assert len(conviction.sentence) == 1  # an update row is no sentence part
    assert account.used() == {"conviction": 1, "later_disposition": 2}
    facts = history_facts(history)
    assert 'later_disposition("1001:001002001000", reduced_to_misdemeanor, 20120315).' in facts
    assert "later_disposition(" in packed_facts(history)


def test_an_update_without_any_date_is_rejected(tmp_path):
    rows = [
        court("001002001000", "20080401"),
        court("001002001000", "", DISP_DESCR="PROBATION REVOKED"),
    ]
    history, account = _history(tmp_path, rows)
    assert [r.reason for r in account.rejects()] == ["later_disposition_date_missing"]
    assert "some_rows_rejected" in history.convictions[0].flags


def test_an_update_of_a_count_with_no_conviction_flags_the_person(tmp_path):
    rows = [
        court("001002001000", "20080401"),
        court("001002002000", "20080401", DISP_DESCR="DISMISSED"),
        court("001002002000", "20080401", DISP_DESCR="REDUCED TO MISDEMEANOR",
              DISP_DATE="20100101"),
        court("001005001000", "20100101", DISP_DESCR="PROBATION REVOKED"),
    ]  # fmt: skip
    history, account = _history(tmp_path, rows)
    assert "later_disposition_without_conviction" in history.flags
    assert [d.count_id for d in history.dismissals] == ["1001:001002002000"]
    assert [k.case_id for k in history.cases] == ["1001:001002"]  # updates alone make no case
    assert account.rows_rejected == 0
    assert 'person_flag("1001", later_disposition_without_conviction).' in history_facts(history)


def test_sentence_parts_carry_their_calendar_end(tmp_path):
    rows = [
        court("001002001000", "20100131", SENT_ORDER="1", SENT_LENGTH="1"),
        court("001002001000", "20100131", SENT_ORDER="2", SENT_LOC_DESCR="JAIL",
              SENT_LENGTH="30", SENT_TIME_CODE="D"),
        court("001002001000", "20100131", SENT_ORDER="3", SENT_LOC_DESCR="FINE",
              SENT_LENGTH="", SENT_TIME_CODE=""),
    ]  # fmt: skip
    history, _ = _history(tmp_path, rows)
    ends = [(p.kind, p.end) for p in history.convictions[0].sentence]
    # a month after 31 January is the last day of February (calendar months)
    assert ends == [("probation", dt.date(2010, 2, 28)), ("jail", dt.date(2010, 3, 2)),
                    ("fine", None)]  # fmt: skip
    facts = history_facts(history)
    assert 'sentence_part_end("1001:001002001000", probation, 1, month, 20100228).' in facts
    assert "sentence_end(" not in facts  # the programs work it out
    assert 'packed_sentence("1001:001002001000", jail, 30, day, 20100302).' in packed_facts(history)


SENTENCE_CASES = [
    # parts run together from the judgment: the longest timed part ends the sentence
    ("sentence(c, jail, 6, month). sentence_part_end(c, jail, 6, month, 20100701). "
     "sentence(c, probation, 3, year). sentence_part_end(c, probation, 3, year, 20130101).",
     [20130101]),
    # a fine alone is over on the judgment date
    ("sentence(c, fine).", [20100101]),
    # a term without a length: the end is unknown
    ("sentence(c, jail, 10, day). sentence_part_end(c, jail, 10, day, 20100111). "
     "sentence(c, other).", []),
    # a length whose end could not be computed
    ("sentence(c, probation, 3, year).", []),
    # no sentence at all: no end
    ("", []),
]  # fmt: skip


@pytest.mark.parametrize(("facts", "ends"), SENTENCE_CASES)
def test_the_programs_decide_when_the_sentence_ends(facts, ends):
    program = load_program_set("statute").text
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], program + "#show sentence_end/2.")
    ctl.add("base", [], f'as_of(20200701). conviction(c, "p", "k"). '
                        f"disposition_date(c, 20100101). {facts}")  # fmt: skip
    ctl.ground([("base", [])])
    found: list[int] = []

    def on_model(model: clingo.Model) -> None:
        found.extend(s.arguments[1].number for s in model.symbols(shown=True)
                     if s.name == "sentence_end")  # fmt: skip

    ctl.solve(on_model=on_model)
    assert found == ends


def _lp(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "h.lp"
    path.write_text(
        'person("p"). case("p:k", "p", "LOS ANGELES", "CASC LOS ANGELES").\n'
        'conviction("p:c", "p", "p:k"). disposition_date("p:c", 20100101).\n'
        'charge("p:c", hs, "11359", ()). level("p:c", felony).\n' + text,
        encoding="utf-8",
    )
    return path


def test_hand_written_later_dispositions_and_part_ends(tmp_path):
    text = (
        'sentence("p:c", probation, 3, year).\n'
        'sentence_part_end("p:c", probation, 3, year, 20110601).\n'
        'later_disposition("p:c", probation_revoked, 20100601).\n'
    )
    doc = read_lp(_lp(tmp_path, text))
    (conviction,) = doc.histories[0].convictions
    assert conviction.sentence[0].end == dt.date(2011, 6, 1)  # as written (ended early)
    assert [(d.kind, d.date) for d in conviction.later_dispositions] == [
        ("probation_revoked", dt.date(2010, 6, 1))
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('later_disposition("p:c", reduced, 20120101).', "unknown later disposition reduced"),
        ('later_disposition("p:c", "reduced_to_misdemeanor", 20120101).', "unknown later"),
        ('later_disposition("p:x", set_aside_1203_4, 20120101).', "no conviction/3 fact"),
        ('later_disposition("p:c", set_aside_1203_4, 2012).', "8 digits"),
        ('sentence_end("p:c", 20130101).', "sentence_end/2: the programs work out"),
        ('sentence_part_end("p:c", jail, 1, year, 20110101).', "without its sentence/4"),
    ],
)
def test_hand_written_mistakes_are_one_line_errors(tmp_path, text, message):
    with pytest.raises(UserError, match=message):
        read_lp(_lp(tmp_path, text + "\n"))


def test_the_impact_figures_count_the_record_before_relief_as_the_programs_read_it(tmp_path):
    text = (
        'sentence("p:c", probation, 3, year).\n'
        'case("p:k2", "p", "LOS ANGELES", "CASC LOS ANGELES").\n'
        'conviction("p:d", "p", "p:k2"). disposition_date("p:d", 20120101).\n'
        'charge("p:d", pc, "459", ()). level("p:d", felony).\n'
        'later_disposition("p:d", reduced_to_misdemeanor, 20130101).\n'
        'case("p:k3", "p", "LOS ANGELES", "CASC LOS ANGELES").\n'
        'conviction("p:e", "p", "p:k3"). disposition_date("p:e", 20110101).\n'
        'charge("p:e", hs, "11357", ("c",)). level("p:e", misdemeanor).\n'
        'later_disposition("p:e", dismissed_sealed_11361_8, 20190101).\n'
    )
    doc = read_lp(_lp(tmp_path, text))
    (history,) = doc.histories
    solved = decide([history], load_program_set("statute"), AS_OF)
    decisions = solved.decisions
    assert decisions["p:d"].record_before == "misdemeanor"
    assert decisions["p:e"].record_before == "removed"
    assert decisions["p:c"].record_before == ""  # unchanged: the level at conviction
    outcome = person_outcome(lean_person(history), decisions)
    # the 11359 felony only: the 459 was reduced, the 11357(c) already dismissed and sealed
    assert (outcome.felonies_before, outcome.convictions_before, outcome.convictions) == (1, 2, 3)
    assert decisions["p:e"].outcome == "no_relief"
    assert decisions["p:e"].record_after == "removed"
    assert decisions["p:d"].record_after == "misdemeanor"


def _fingerprint_v1(conv, end: str) -> str:
    """Fingerprint v1 exactly as it was hashed before the sentence moved to the programs."""
    parts = {
        "case_id": conv.case_id,
        "charge": conv.charge.code_section(),
        "raw_charge": conv.charge.raw,
        "level": conv.level.value if conv.level else "",
        "disposition_date": conv.disposition_date.isoformat() if conv.disposition_date else "",
        "offence_date": "",
        "arrest_date": conv.arrest_date.isoformat() if conv.arrest_date else "",
        "sentence_end": end,
        "sentence": [[p.kind, p.length, p.unit] for p in conv.sentence],
        "county": conv.county,
        "court": conv.court.code or conv.court.description,
    }
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return f"v1:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}"


def test_fingerprints_of_convictions_without_updates_do_not_change(tmp_path):
    rows = [
        court("001002001000", "20100301", SENT_ORDER="1"),
        court("001002001000", "20100301", SENT_ORDER="2", SENT_LOC_DESCR="FINE",
              SENT_LENGTH="", SENT_TIME_CODE=""),
        court("001002002000", "20100301", SENT_LOC_DESCR="OTHER", SENT_LENGTH="",
              SENT_TIME_CODE=""),
    ]  # fmt: skip
    history, _ = _history(tmp_path, rows)
    first, second = history.convictions
    assert conviction_fingerprint(first) == _fingerprint_v1(first, "2013-03-01")
    assert conviction_fingerprint(second) == _fingerprint_v1(second, "")


def test_a_later_disposition_changes_the_fingerprint(tmp_path):
    rows = [court("001002001000", "20100301")]
    plain, _ = _history(tmp_path, rows)
    rows.append(court("001002001000", "20100301", DISP_DESCR="PROBATION REVOKED",
                      DISP_DATE="20110101"))  # fmt: skip
    updated, _ = _history(tmp_path, rows)
    assert conviction_fingerprint(plain.convictions[0]) != conviction_fingerprint(
        updated.convictions[0]
    )


def test_synthetic_files_hold_later_dispositions_the_reader_reads(tmp_path):
    path = tmp_path / "synth.csv"
    write_file(path, 1500, 11)
    read = read_doj([path])
    assert read.account.rows_rejected == 0
    kinds = {d.kind for h in read for c in h.convictions for d in c.later_dispositions}
    assert kinds >= {"reduced_to_misdemeanor", "probation_revoked", "set_aside_1203_4",
                     "dismissed_sealed_11361_8", "redesignated_misdemeanor_11361_8"}  # fmt: skip
    for history in read:
        assert "later_disposition_without_conviction" not in history.flags
        for conviction in history.convictions:
            for later in conviction.later_dispositions:
                assert conviction.disposition_date and later.date > conviction.disposition_date
