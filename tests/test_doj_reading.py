"""An adversarial audit of the reading: how a DOJ row becomes the facts the rules decide on.

Each test is a record a real extract could hold, read as the bulk file gives it and, where
the reading decides relief, decided under the statute. Pinned dates; the format rules cited
are ``docs/doj-format.md`` ("How rows become a history", "Felony or misdemeanor") and
``docs/facts.md`` ("How DOJ rows become a history"); the unsettled readings are listed in
``docs/legal-questions.md`` "Reading the DOJ record".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from doj_builder import arrest, court, row, write

from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.facts.fact_writer import history_facts
from cmr_reason.facts.history import History
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide

AS_OF = dt.date(2020, 7, 1)
ARREST = arrest("001001001000", "20100105", "11359 HS-POSSESS FOR SALE", OFFENSE_TOC="F")
COUNT = "001002001000"
CID = f"1001:{COUNT}"
NO_SENTENCE = {"SENT_LOC_DESCR": "", "SENT_LENGTH": "", "SENT_TIME_CODE": ""}


def _read(tmp_path: Path, rows: list[list[str]]) -> History:
    histories = list(read_doj([write(tmp_path / "doj.csv", rows)]))
    assert len(histories) == 1
    return histories[0]


def _conviction(tmp_path: Path, **values: str):
    """The one conviction of a record: an 11359 arrest, then a court row of ``values``."""
    fields = {"OFFENSE_TOC": "F", "CONV_STAT_DESCR": "FELONY", **values}
    charge = fields.pop("charge", "11359 HS-POSSESS FOR SALE")
    history = _read(tmp_path, [ARREST, court(COUNT, "20100301", charge, **fields)])
    (conviction,) = history.convictions
    return history, conviction


def _decided(history: History):
    return decide([history], load_program_set("statute"), AS_OF).decisions[CID]


# --- The charge: the offence of conviction, never the charged offence in its place -------


def test_a_conviction_whose_offence_is_in_the_comment_is_not_read_as_the_charged_offence(
    tmp_path,
):
    """``CONV_OFFENSE_DESCR`` = ``SEE COMMENT FOR CHARGE``: the convicted offence is the comment.

    Charged HS 11359, convicted of a PC 182 conspiracy written in the comment. Read as the
    charged 11359 (the reading before this audit) the felony was redesignated; a conspiracy
    is not an offence HS 11361.8 lists (People v. Medina (2018) 24 Cal.App.5th 61).
    """
    history, conviction = _conviction(
        tmp_path,
        CONV_OFFENSE_DESCR="SEE COMMENT FOR CHARGE",
        COMMENT_TEXT="CHRG 182(A)(1) PC",
    )
    charge = conviction.charge
    assert (charge.body, charge.section, charge.conspiracy) == ("pc", "182", True)
    assert charge.raw == "CHRG 182(A)(1) PC"
    assert "charge_from_comment" in conviction.flags
    decision = _decided(history)
    assert (decision.outcome, decision.reason) == ("not_applicable", "not_cannabis")


def test_a_conviction_sent_to_an_empty_comment_is_rejected_not_read_as_the_charge(tmp_path):
    """``SEE COMMENT FOR CHARGE`` with no comment: the offence of conviction is not on the row."""
    rows = [
        ARREST,
        court(COUNT, "20100301", "11359 HS-POSSESS FOR SALE",
              CONV_OFFENSE_DESCR="SEE COMMENT FOR CHARGE", CONV_STAT_DESCR="FELONY"),
    ]  # fmt: skip
    read = read_doj([write(tmp_path / "doj.csv", rows)])
    (history,) = list(read)
    assert history.convictions == ()
    assert "some_rows_rejected" in history.flags
    assert [r.reason for r in read.account.rejects()] == ["empty_charge"]


def test_the_court_code_wins_over_the_arrest_code(tmp_path):
    """Arrested for HS 11359, convicted under HS 11357(c): the court step's section decides."""
    history, conviction = _conviction(
        tmp_path, charge="11357(C) HS-POSSESS MARIJ", OFFENSE_TOC="M", CONV_STAT_DESCR=""
    )
    assert (conviction.charge.section, conviction.charge.subsections) == ("11357", ("c",))
    assert conviction.level.value == "misdemeanor"
    assert history.arrests[0].charges[0].section == "11359"


# --- The level: CONV_STAT_DESCR, else the type of crime of the offence convicted ---------


def test_the_charged_offences_type_is_not_the_level_of_a_plea_to_another(tmp_path):
    """Charged HS 11359 (type F), pleaded to HS 11357(a) with no status and no type given.

    The type of crime ``F`` is the 11359's; the 11357(a) (a wobbler before 2016) may have
    been a misdemeanor, and the level decides dismissal against redesignation (HS
    11361.8(e)-(f)): no level is read, and the statute sends it to review.
    """
    history, conviction = _conviction(
        tmp_path,
        CONV_OFFENSE_DESCR="11357(A) HS-POSSESS CONCENTRATED CANNABIS",
        CONV_OFFENSE_TOC="",
        CONV_STAT_DESCR="",
    )
    assert conviction.level is None
    assert {"type_of_charged_offence_not_used", "level_missing"} <= set(conviction.flags)
    decision = _decided(history)
    assert (decision.outcome, decision.reason) == ("review", "level_unknown")


@pytest.mark.parametrize(
    "conv",
    ["11359 HS-POSSESS FOR SALE", "11359HS-POSS MARIJ FOR SALE", "SEE COMMENT FOR CHARGE"],
)
def test_the_charged_offences_type_stands_when_the_same_offence_was_convicted(tmp_path, conv):
    """The offence of conviction repeats the charge (any spelling): ``OFFENSE_TOC`` is its type."""
    _, conviction = _conviction(
        tmp_path,
        CONV_OFFENSE_DESCR=conv,
        CONV_OFFENSE_TOC="",
        CONV_STAT_DESCR="",
        OFFENSE_DESCR="SEE COMMENT FOR CHARGE" if conv.startswith("SEE") else "11359 HS",
        COMMENT_TEXT="11359 HS-POSSESS FOR SALE",
    )
    assert conviction.level.value == "felony"
    assert "level_missing" not in conviction.flags


@pytest.mark.parametrize("status", ["F/M", "FEL/MISD", "WOBBLER", "MISD-17B"])
def test_a_conviction_status_that_cannot_be_read_is_not_replaced_by_the_type(tmp_path, status):
    """A status written but not FELONY/MISDEMEANOR/INFRACTION: no level, review.

    The DOJ wrote a level the reader cannot read; the type of crime ``F`` is the charge's
    (a wobbler's type is F even when judgment made it a misdemeanor, PC 17(b)(1)), so it
    cannot stand in for it. Before this audit the row read as a felony and was redesignated.
    """
    history, conviction = _conviction(tmp_path, CONV_STAT_DESCR=status)
    assert conviction.level is None
    assert {"conviction_status_unrecognised", "level_missing"} <= set(conviction.flags)
    decision = _decided(history)
    assert (decision.outcome, decision.reason) == ("review", "level_unknown")


@pytest.mark.parametrize(
    ("status", "toc", "level"),
    [("FELONY", "M", "felony"), ("misdemeanor", "F", "misdemeanor"), ("", "I", "infraction")],
)
def test_the_conviction_status_wins_and_a_blank_one_falls_back_to_the_type(
    tmp_path, status, toc, level
):
    """Pinned: the status is the level at conviction; blank, the type of crime decides."""
    _, conviction = _conviction(tmp_path, CONV_STAT_DESCR=status, OFFENSE_TOC=toc)
    assert conviction.level.value == level


# --- Dispositions of one count -----------------------------------------------------------


@pytest.mark.parametrize(
    "later",
    [
        "DISMISSED/FURTHERANCE OF JUSTICE",
        "DISMISSED PER 11361.8 HS",  # not the update literal: read as a dismissal
        "ACQUITTED",
    ],
)
def test_a_conviction_and_a_later_dismissal_of_the_same_count_go_to_review(tmp_path, later):
    """Both a conviction and a disposition without one on a count: flagged, never one chosen."""
    rows = [
        ARREST,
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY"),
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", DISP_DESCR=later,
              DISP_DATE="20150101", **NO_SENTENCE),
    ]  # fmt: skip
    history = _read(tmp_path, rows)
    (conviction,) = history.convictions
    assert "conflicting_count_rows" in conviction.flags
    decision = _decided(history)
    assert (decision.outcome, decision.reason) == ("review", "conflicting_records")


@pytest.mark.parametrize(
    "text",
    ["PROB REVOKED", "CONVICTION SET ASIDE", "REDUCED TO MISD 17(B)", "RECALLED/RESENTENCED",
     "1203.4 DISMISSED", "CONV STATUS"],
)  # fmt: skip
def test_a_disposition_the_vocabulary_does_not_know_is_rejected_and_reviewed(tmp_path, text):
    """Variants of the update literals are not guessed at: the row rejected, the rest reviewed."""
    rows = [
        ARREST,
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY"),
        court(COUNT, "20100301", "11359 HS", DISP_DESCR=text, DISP_DATE="20150101",
              **NO_SENTENCE),
    ]  # fmt: skip
    history = _read(tmp_path, rows)
    (conviction,) = history.convictions
    assert "some_rows_rejected" in conviction.flags
    assert _decided(history).outcome == "review"


def test_an_update_in_a_later_cycle_is_attached_to_nothing_and_reviewed(tmp_path):
    """A set-aside written under a new count order (a later cycle): person flagged, review."""
    rows = [
        ARREST,
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY"),
        court("002001001000", "20160101", "11359 HS",
              DISP_DESCR="CONV SET ASIDE & DISM PER 1203.4 PC", **NO_SENTENCE),
    ]  # fmt: skip
    history = _read(tmp_path, rows)
    assert "later_disposition_without_conviction" in history.flags
    assert _decided(history).reason == "later_disposition_unmatched"


def test_a_count_listed_twice_is_one_conviction(tmp_path):
    """The same row twice (two county files, or a repeat): one conviction, one part."""
    same = court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY")
    history = _read(tmp_path, [ARREST, same, list(same)])
    (conviction,) = history.convictions
    assert len(conviction.sentence) == 1
    assert "conflicting_count_rows" not in conviction.flags


# --- Dates ---------------------------------------------------------------------------------


def test_a_disposition_before_the_arrest_is_a_contradiction_reviewed(tmp_path):
    rows = [
        arrest("001001001000", "20120105", "11359 HS", OFFENSE_TOC="F"),
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY"),
    ]
    decision = _decided(_read(tmp_path, rows))
    assert (decision.outcome, decision.reason) == ("review", "conflicting_dates")


@pytest.mark.parametrize("date", ["19850000", "19850300"])
def test_a_partial_conviction_date_is_missing_and_the_conviction_reviewed(tmp_path, date):
    """A zero day, or zero month and day: the year is known, the day is not.

    Before this audit the row was rejected as an impossible date: the conviction vanished
    from the decisions (``rejects.csv`` only; the person showed no conviction at all). Now
    the date is missing, the person flagged ``partial_date``, and the conviction, with no
    conviction date, goes to review (``record.review.disposition_date_missing``): no day is
    guessed.
    """
    rows = [ARREST, court(COUNT, date, "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY")]
    read = read_doj([write(tmp_path / "doj.csv", rows)])
    (history,) = list(read)
    (conviction,) = history.convictions
    assert conviction.disposition_date is None
    assert "disposition_date_missing" in conviction.flags
    assert "partial_date" in history.flags
    assert read.account.rows_rejected == 0
    decision = _decided(history)
    assert (decision.outcome, decision.reason) == ("review", "disposition_date_unknown")


def test_a_partial_step_date_gives_way_to_the_disposition_date(tmp_path):
    rows = [ARREST, court(COUNT, "20100300", "11359 HS", DISP_DATE="20100315",
                          OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY")]  # fmt: skip
    history = _read(tmp_path, rows)
    assert str(history.convictions[0].disposition_date) == "2010-03-15"
    assert "partial_date" in history.flags


@pytest.mark.parametrize("date", ["850301", "1985031", "19851300", "19850032", "00000300"])
def test_a_short_or_impossible_conviction_date_rejects_the_row(tmp_path, date):
    """Pinned: not 8 digits, or a month or day out of range, is damage: rejected."""
    rows = [ARREST, court(COUNT, date, "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY")]
    read = read_doj([write(tmp_path / "doj.csv", rows)])
    (history,) = list(read)
    assert history.convictions == ()
    assert "some_rows_rejected" in history.flags
    assert [r.reason for r in read.account.rejects()] == ["bad_date:STP_EVENT_DATE"]


# --- The person ------------------------------------------------------------------------


def test_two_dates_of_birth_send_every_conviction_to_review(tmp_path):
    rows = [
        ARREST,
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY"),
        court("001002002000", "20100301", "11357(C) HS", PRI_DOB="19720101"),
    ]
    history = _read(tmp_path, rows)
    assert history.person.birth_date is None
    assert "conflicting_birth_date" in history.flags
    assert _decided(history).reason == "birth_date_unknown"


def test_a_deceased_step_is_read_and_written(tmp_path):
    rows = [
        ARREST,
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY"),
        row(STP_TYPE_DESCR="DECEASED", STP_EVENT_DATE="20150101"),
    ]
    history = _read(tmp_path, rows)
    assert str(history.person.deceased_date) == "2015-01-01"
    assert 'deceased("1001", 20150101).' in history_facts(history)


# --- The code section and its text -------------------------------------------------------


@pytest.mark.parametrize("spelling", ["11357 HS (C)", "11357HS(C)-POSSESS MARIJ", "11357(C) HS"])
def test_a_subsection_written_after_the_body_code_is_the_sections(tmp_path, spelling):
    """``11357 HS (C)`` is HS 11357(c): before this audit the ``(C)`` was read as description.

    A 2010 misdemeanor under former HS 11357(c) (more than 28.5 grams) is a misdemeanor
    today too: no relief. Read without its subsection it was dismissed and sealed as
    lawful conduct (HS 11361.8(e)), with the amount left to a footnote.
    """
    history, conviction = _conviction(
        tmp_path, charge=spelling, OFFENSE_TOC="M", CONV_STAT_DESCR="MISDEMEANOR"
    )
    assert (conviction.charge.section, conviction.charge.subsections) == ("11357", ("c",))
    assert _decided(history).outcome == "no_relief"


@pytest.mark.parametrize("spelling", ["11357 A HS", "11357-HS", "11360 A 1 HS", "11357 B HS-POSS"])
def test_a_section_whose_body_code_cannot_be_told_goes_to_review(tmp_path, spelling):
    """Pinned: letters or a dash between the number and the body: no body read, review."""
    history, conviction = _conviction(tmp_path, charge=spelling)
    assert conviction.charge.body == "unknown"
    assert _decided(history).outcome == "review"


@pytest.mark.parametrize(
    ("spelling", "section", "outcome"),
    [
        ("11357.5 HS-SYNTHETIC CANNABINOID", "11357.5", "not_applicable"),
        ("11362.3 HS-SMOKE IN PUBLIC", "11362.3", "not_applicable"),
        ("11530 HS-POSSESS MARIJUANA", "11530", "not_applicable"),  # predecessor, 2010 record
        ("23222(B) VC-POSSESS MARIJ WHILE DRIVING", "23222", "not_applicable"),
        ("182 PC/11359 HS", "182", "not_applicable"),
        ("664/11359 HS", "11359", "review"),
    ],
)
def test_sections_beside_the_cannabis_ones_are_read_exactly(tmp_path, spelling, section, outcome):
    """Pinned: no substring match (11357.5), a conspiracy is PC 182, an attempt reviewed."""
    history, conviction = _conviction(tmp_path, charge=spelling)
    assert conviction.charge.section == section
    assert _decided(history).outcome == outcome


def test_the_parts_of_one_sentence_may_each_name_their_kind_in_the_disposition(tmp_path):
    """``CONVICTED-PROBATION`` on the probation row, ``CONVICTED-JAIL`` on the jail row.

    Both rows convict the same count; the suffix names the sentence part. Before this
    audit the two texts were a conflict and the count went to review; rows that disagree
    on the charge, level, dates or on whether the count was convicted still do.
    """
    rows = [
        ARREST,
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY",
              SENT_ORDER="1"),
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY",
              SENT_ORDER="2", DISP_DESCR="CONVICTED-JAIL", SENT_LOC_DESCR="JAIL",
              SENT_LENGTH="30", SENT_TIME_CODE="D"),
    ]  # fmt: skip
    history = _read(tmp_path, rows)
    (conviction,) = history.convictions
    assert [p.kind for p in conviction.sentence] == ["probation", "jail"]
    assert "conflicting_count_rows" not in conviction.flags
    assert _decided(history).outcome == "redesignate_misdemeanor"


@pytest.mark.parametrize("spelling", ["POSSESS MARIJUANA", "SEE COMMENT FOR CHARGE"])
def test_a_charge_without_a_section_at_its_start_is_unreadable_and_reviewed(tmp_path, spelling):
    """Pinned: no section where the charge begins (the comment ``POSS MARIJ 11357(B) HS``)."""
    history, conviction = _conviction(
        tmp_path, charge=spelling, COMMENT_TEXT="POSS MARIJ 11357(B) HS", OFFENSE_TOC="M",
        CONV_STAT_DESCR="MISDEMEANOR",
    )  # fmt: skip
    assert not conviction.charge.parsed
    assert (_decided(history).outcome, _decided(history).reason) == ("review", "charge_unreadable")


# --- Sentences, dates the rules do not settle, the person ---------------------------------


@pytest.mark.parametrize(
    ("where", "length", "unit", "kind"),
    [("JAIL SUSPENDED", "365", "D", "jail"), ("CONCURRENT", "", "", "other"),
     ("FINE", "", "", "fine"), ("PRISON", "16", "M", "prison")],
)  # fmt: skip
def test_the_sentence_text_is_read_by_its_kind(tmp_path, where, length, unit, kind):
    """Pinned: the kind is the first of probation, jail, prison, fine the text names.

    A suspended jail term reads as a jail part (the suspension is not read:
    ``docs/legal-questions.md`` "Reading the DOJ record", "The person").
    """
    _, conviction = _conviction(
        tmp_path, SENT_LOC_DESCR=where, SENT_LENGTH=length, SENT_TIME_CODE=unit
    )
    (part,) = conviction.sentence
    assert part.kind == kind and part.length == (int(length) if length else None)


def test_a_sentence_length_that_is_not_a_number_rejects_the_row(tmp_path):
    """Pinned (open): a ``LIFE`` term rejects its row; the conviction is in rejects.csv only."""
    rows = [ARREST, court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F",
                          CONV_STAT_DESCR="FELONY", SENT_LOC_DESCR="PRISON",
                          SENT_LENGTH="LIFE", SENT_TIME_CODE="")]  # fmt: skip
    read = read_doj([write(tmp_path / "doj.csv", rows)])
    (history,) = list(read)
    assert history.convictions == ()
    assert [r.reason for r in read.account.rejects()] == ["bad_sentence_length"]


def test_the_step_date_is_the_conviction_date_when_disp_date_differs(tmp_path):
    """Pinned (open): ``STP_EVENT_DATE`` wins over a different ``DISP_DATE``, unflagged."""
    _, conviction = _conviction(tmp_path, DISP_DATE="20161115")
    assert str(conviction.disposition_date) == "2010-03-01"


def test_a_conviction_after_the_as_of_date_is_decided_as_if_known(tmp_path):
    """Pinned (open, for the lead): a 2021 conviction as of 2020-07-01 is decided, not left out."""
    history = _read(tmp_path, [ARREST, court(COUNT, "20210301", "11359 HS", OFFENSE_TOC="F",
                                             CONV_STAT_DESCR="FELONY")])  # fmt: skip
    assert _decided(history).outcome != "review"


def test_two_names_are_flagged_and_decide_nothing(tmp_path):
    rows = [
        ARREST,
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY",
              PRI_NAME="OTHERNAME,ALEX Q"),
    ]  # fmt: skip
    history = _read(tmp_path, rows)
    assert "conflicting_name" in history.flags
    assert history.person.name == "TESTPERSON,ALEX Q"  # the first row's, flagged
    assert _decided(history).outcome == "redesignate_misdemeanor"


def test_a_conviction_written_on_an_arrest_step_is_rejected_not_dropped(tmp_path):
    """``CONVICTED-PROBATION`` on an ``ARREST/DETAINED/CITED`` row: neither read nor dropped.

    Before this audit it was an arrest whose end was ``other``: a conviction the rules never
    saw (Code for America's engine read any ``CONVICTED`` row as a conviction, whatever its
    step). The reader does not guess the court, level or date of a conviction from an
    arrest step: the row is rejected and the person's other convictions are reviewed.
    """
    rows = [
        arrest("001001001000", "20100105", "11359 HS", OFFENSE_TOC="F",
               DISP_DESCR="CONVICTED-PROBATION"),
        court("002002001000", "20120301", "11357(C) HS", OFFENSE_TOC="M",
              CONV_STAT_DESCR="MISDEMEANOR"),
    ]  # fmt: skip
    read = read_doj([write(tmp_path / "doj.csv", rows)])
    (history,) = list(read)
    assert [r.reason for r in read.account.rejects()] == ["conviction_on_arrest_step"]
    assert "some_rows_rejected" in history.flags
    decisions = decide([history], load_program_set("statute"), AS_OF).decisions
    assert decisions["1001:002002001000"].outcome == "review"
