"""The DOJ reader: how rows become histories, and how bad rows are accounted for."""

import random
from pathlib import Path

import pytest
from doj_builder import arrest, court, csv_text, row, sample_rows, write

from cmr_reason.facts.doj.lines import parse_line
from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import history_facts


def read_rows(tmp_path, rows, name="doj.csv", **options):
    return read_doj([write(tmp_path / name, rows, **options)])


def only(read):
    histories = list(read)
    assert len(histories) == 1
    return histories[0]


def all_facts(read):
    return "".join(history_facts(h) for h in read)


BASIC = [
    arrest("001001001000", "20100105"),
    court("001002001000", "20100301"),
]


@pytest.mark.parametrize(
    "options",
    [{"header": True}, {"header": False}, {"header": True, "trailing_comma": True}],
    ids=["header", "no-header", "96-field"],
)
def test_header_is_optional_and_may_have_a_trailing_comma(tmp_path, options):
    read = read_rows(tmp_path, BASIC, **options)
    history = only(read)
    assert [c.conviction_id for c in history.convictions] == ["1001:001002001000"]
    first_data_line = 2 if options["header"] else 1
    assert history.arrests[0].source.lines == (first_data_line,)
    assert history.convictions[0].source.lines == (first_data_line + 1,)
    assert read.account.rows_in == 2 and read.account.rows_used == 2


def test_header_with_other_columns_is_an_error(tmp_path):
    text = csv_text(BASIC).replace("PRI_NAME", "NAME", 1)
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match="header column 12 is not PRI_NAME"):
        read_doj([path])


def test_conviction_ids_dates_court_and_arrest(tmp_path):
    history = only(read_rows(tmp_path, BASIC))
    conviction = history.convictions[0]
    assert conviction.case_id == "1001:001002"
    assert conviction.count_order == "001002001000"
    assert str(conviction.disposition_date) == "2010-03-01"
    assert str(conviction.arrest_date) == "2010-01-05"
    assert (conviction.arrest_agency.kind, conviction.arrest_agency.place) == (
        "CAPD",
        "SAN FRANCISCO",
    )
    assert (conviction.court.kind, conviction.court.place) == ("CASC", "SAN FRANCISCO")
    assert conviction.county == "SAN FRANCISCO"
    assert conviction.case_numbers == ("140193",)
    assert history.cases[0].case_id == "1001:001002"
    assert history.person.birth_date.isoformat() == "1970-01-01"
    assert history.person.race == "WHITE" and history.person.gender == "M"


def test_arrest_date_falls_back_to_the_cycle_date(tmp_path):
    history = only(read_rows(tmp_path, [court("001002001000", "20100301", CYC_DATE="20091224")]))
    assert str(history.convictions[0].arrest_date) == "2009-12-24"


def test_case_numbers_from_ofn_and_court_case_number(tmp_path):
    rows = [
        court("001002001000", "20100301", OFN="NULL", FE_NUM_CRT_CASE="SF-2010-1"),
        court("001002002000", "20100301", OFN="140193"),
    ]
    history = only(read_rows(tmp_path, rows))
    assert history.cases[0].case_numbers == ("140193", "SF-2010-1")
    assert {c.case_numbers for c in history.convictions} == {("140193", "SF-2010-1")}


def test_rows_out_of_order_and_across_files_group_by_subject(tmp_path):
    a = [
        court("001002001000", "20100301", SUBJECT_ID="30"),
        row(SUBJECT_ID="4", STP_TYPE_DESCR="CUSTODY"),
        court("002002001000", "20150301", SUBJECT_ID="4"),
        arrest("001001001000", "20100105", SUBJECT_ID="30"),
    ]
    b = [court("003002001000", "20180301", SUBJECT_ID="30")]
    read = read_doj([write(tmp_path / "a.csv", a), write(tmp_path / "b.csv", b)])
    histories = list(read)
    assert [h.subject_id for h in histories] == ["30", "4"]
    person30 = histories[0]
    assert [c.conviction_id for c in person30.convictions] == [
        "30:001002001000",
        "30:003002001000",
    ]
    assert person30.convictions[1].source.file.endswith("b.csv")
    assert str(person30.convictions[0].arrest_date) == "2010-01-05"


def test_shuffled_rows_give_the_same_facts(tmp_path):
    rows = [
        arrest("001001001000", "20100105"),
        court("001002001000", "20100301"),
        court("001002001000", "20100301", SENT_LOC_DESCR="JAIL", SENT_LENGTH="10",
              SENT_TIME_CODE="D", SENT_ORDER="2"),
        court("001002002000", "20100301", DISP_DESCR="DISMISSED/CHARGE DROPPED"),
        court("002002001000", "20150301", SUBJECT_ID="77", charge="11360(A) HS-TRANSPORT"),
        row(STP_TYPE_DESCR="REGISTRATION", STP_EVENT_DATE="19990101", OFFENSE_DESCR="290 PC"),
        row(STP_TYPE_DESCR="REGISTRATION", STP_EVENT_DATE="19990101", OFFENSE_DESCR="11590 HS"),
    ]  # fmt: skip
    expected = all_facts(read_rows(tmp_path, rows))
    shuffled = rows[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert all_facts(read_rows(tmp_path, shuffled, name=f"s{seed}.csv")) == expected


def test_rows_of_one_count_are_the_parts_of_its_sentence(tmp_path):
    rows = [
        court("001002001000", "20100301", SENT_ORDER="1"),
        court("001002001000", "20100301", SENT_ORDER="2", SENT_LOC_DESCR="JAIL",
              SENT_LENGTH="90", SENT_TIME_CODE="D"),
        court("001002001000", "20100301", SENT_ORDER="3", SENT_LOC_DESCR="FINE",
              SENT_LENGTH="", SENT_TIME_CODE=""),
    ]  # fmt: skip
    read = read_rows(tmp_path, rows)
    conviction = only(read).convictions[0]
    parts = [(p.kind, p.length, p.unit, p.source_line) for p in conviction.sentence]
    assert parts == [("probation", 36, "month", 2), ("jail", 90, "day", 3), ("fine", None, None, 4)]
    assert conviction.source.lines == (2, 3, 4)
    # each timed part's calendar end; which parts count is the programs' (core/sentence.lp)
    assert [str(p.end) for p in conviction.sentence] == ["2013-03-01", "2010-05-30", "None"]
    assert read.account.used() == {"conviction": 1, "sentence_part": 2}
    assert "conflicting_count_rows" not in conviction.flags


def test_rows_of_one_count_that_disagree_are_flagged(tmp_path):
    rows = [
        court("001002001000", "20100301"),
        court("001002001000", "20100301", CONV_STAT_DESCR="FELONY", SENT_ORDER="2"),
    ]
    assert "conflicting_count_rows" in only(read_rows(tmp_path, rows)).convictions[0].flags


def test_convicted_offence_wins_over_the_charged_offence(tmp_path):
    rows = [
        court("001002001000", "20100301", charge="11359 HS-POSSESS FOR SALE",
              CONV_OFFENSE_DESCR="11357(B) HS-POSSESS", CONV_OFFENSE_TOC="M",
              CONV_STAT_DESCR="", OFFENSE_TOC="F"),
        court("001002002000", "20100301", charge="11360 HS", CONV_OFFENSE_DESCR="NULL"),
    ]  # fmt: skip
    first, second = only(read_rows(tmp_path, rows)).convictions
    assert (first.charge.section, first.charge.subsections) == ("11357", ("b",))
    assert first.level.value == "misdemeanor"  # CONV_OFFENSE_TOC goes with the convicted offence
    assert second.charge.section == "11360"  # literal NULL is blank


@pytest.mark.parametrize("offense", ["", "SEE COMMENT FOR CHARGE", "NULL"])
def test_charge_falls_back_to_the_comment(tmp_path, offense):
    rows = [court("001002001000", "20100301", charge=offense, COMMENT_TEXT="CHRG 487(A)-664 PC")]
    conviction = only(read_rows(tmp_path, rows)).convictions[0]
    assert (conviction.charge.body, conviction.charge.section, conviction.charge.attempt) == (
        "pc",
        "487",
        True,
    )
    assert conviction.charge.raw == "CHRG 487(A)-664 PC"
    assert "charge_from_comment" in conviction.flags


def test_conspiracy_target_may_be_in_the_comment(tmp_path):
    rows = [court("001002001000", "20100301", charge="182(A)(1) PC-CONSPIRACY: COMMIT CRIME",
                  COMMENT_TEXT="CONSP TO SELL 11359 HS")]  # fmt: skip
    charge = only(read_rows(tmp_path, rows)).convictions[0].charge
    assert charge.conspiracy and charge.target.code_section() == "HS 11359"


@pytest.mark.parametrize(
    ("status", "toc", "level", "flags"),
    [
        ("FELONY", "M", "felony", set()),
        ("", "F", "felony", set()),
        ("NULL", "I", "infraction", set()),
        ("", "", None, {"level_missing"}),
        # a status written but unknown is not replaced by the type (tests/test_doj_reading.py)
        ("UNKNOWN STATUS", "M", None, {"conviction_status_unrecognised", "level_missing"}),
    ],
)
def test_level_falls_back_to_the_type_of_crime(tmp_path, status, toc, level, flags):
    rows = [court("001002001000", "20100301", CONV_STAT_DESCR=status, OFFENSE_TOC=toc)]
    conviction = only(read_rows(tmp_path, rows)).convictions[0]
    assert (conviction.level.value if conviction.level else None) == level
    assert flags <= set(conviction.flags)


@pytest.mark.parametrize("blank", ["", "00000000", "NULL"])
def test_blank_or_zero_dates_are_missing_not_bad(tmp_path, blank):
    rows = [court("001002001000", blank, DISP_DATE=blank)]
    read = read_rows(tmp_path, rows)
    conviction = only(read).convictions[0]
    assert conviction.disposition_date is None
    assert all(part.end is None for part in conviction.sentence)
    assert "disposition_date_missing" in conviction.flags
    assert read.account.rows_rejected == 0


def test_disposition_date_falls_back_to_disp_date(tmp_path):
    rows = [court("001002001000", "", DISP_DATE="20100402")]
    assert str(only(read_rows(tmp_path, rows)).convictions[0].disposition_date) == "2010-04-02"


def test_registration_and_death(tmp_path):
    rows = [
        court("001002001000", "20100301"),
        row(STP_TYPE_DESCR="REGISTRATION", STP_EVENT_DATE="19990601",
            OFFENSE_DESCR="290 PC-REGISTRATION OF SEX OFFENDER"),
        row(STP_TYPE_DESCR="REGISTRATION", STP_EVENT_DATE="19980101",
            OFFENSE_DESCR="11590 HS-REGISTRATION OF NARCOTIC OFFENDER"),
        row(STP_TYPE_DESCR="DECEASED", STP_EVENT_DATE="20190105"),
    ]  # fmt: skip
    history = only(read_rows(tmp_path, rows))
    assert [(r.charge.body, r.charge.section, str(r.date)) for r in history.registrations] == [
        ("hs", "11590", "1998-01-01"),
        ("pc", "290", "1999-06-01"),
    ]
    assert str(history.person.deceased_date) == "2019-01-05"
    facts = history_facts(history)
    assert 'registration("1001", pc, "290", 19990601).' in facts
    assert 'deceased("1001", 20190105).' in facts


def test_dismissed_counts_and_arrests(tmp_path):
    rows = [
        arrest("001001001000", "20100105"),
        arrest("001001002000", "20100105", charge="11359 HS-POSSESS FOR SALE"),
        court("001002001000", "20100301", DISP_DESCR="DISMISSED/CHARGE DROPPED"),
        court("001002002000", "20100301", DISP_DESCR="ACQUITTED"),
    ]
    history = only(read_rows(tmp_path, rows))
    assert history.convictions == ()
    assert [(d.count_id, d.disposition) for d in history.dismissals] == [
        ("1001:001002001000", "DISMISSED/CHARGE DROPPED"),
        ("1001:001002002000", "ACQUITTED"),
    ]
    (arrested,) = history.arrests
    assert arrested.arrest_id == "1001:001001"
    assert [c.section for c in arrested.charges] == ["11357", "11359"]
    assert arrested.source.lines == (2, 3)


def wrong_width():
    return row(STP_TYPE_DESCR="COURT ACTION")[:80]


REJECTS = {
    "wrong_field_count": wrong_width(),
    "blank_subject_id": court("001002001000", "20100301", SUBJECT_ID="  "),
    "bad_subject_id": court("001002001000", "20100301", SUBJECT_ID="1001\u200b"),
    "bad_date:STP_EVENT_DATE": court("001002001000", "20091345"),
    "bad_date:DISP_DATE": court("001002001000", "20090101", DISP_DATE="2009-01-01"),
    "bad_date:CYC_DATE": arrest("001001001000", "20090101", CYC_DATE="20090230"),
    "empty_charge": court("001002001000", "20100301", charge="SEE COMMENT FOR CHARGE"),
    "bad_cnt_order": court("1002001000", "20100301"),
    "bad_sentence_length": court("001002001000", "20100301", SENT_LENGTH="3 YRS"),
    "bad_sentence_unit": court("001002001000", "20100301", SENT_TIME_CODE="W"),
    "blank_step_type": row(STP_TYPE_DESCR=""),
}


@pytest.mark.parametrize("reason", sorted(REJECTS))
def test_each_reject_reason(tmp_path, reason):
    good = court("005002001000", "20150301")
    read = read_rows(tmp_path, [good, REJECTS[reason], [*good[:50], "x", *good[51:]]])
    (reject,) = [r for r in read.account.rejects() if r.line == 3]
    assert (reject.line, reason) == (3, reject.reason)
    assert read.account.rows_in == 3
    assert read.account.rows_used + read.account.rows_irrelevant + read.account.rows_rejected == 3
    history = only(read)  # the other rows of the person are still read
    assert history.convictions[0].conviction_id == "1001:005002001000"
    if reject.subject_id:
        assert "some_rows_rejected" in history.flags


def test_a_header_inside_the_data_is_rejected(tmp_path):
    text = csv_text(BASIC) + csv_text(BASIC)
    path = tmp_path / "twice.csv"
    path.write_text(text, encoding="utf-8")
    read = read_doj([path])
    assert [(r.line, r.reason) for r in read.account.rejects()] == [(4, "header_row")]


def test_rejected_row_of_a_count_flags_the_conviction(tmp_path):
    rows = [
        court("001002001000", "20100301"),
        court("001002001000", "20100301", SENT_ORDER="2", SENT_LENGTH="X"),
    ]
    conviction = only(read_rows(tmp_path, rows)).convictions[0]
    assert "some_rows_rejected" in conviction.flags


def test_irrelevant_rows_are_counted_by_kind(tmp_path):
    rows = [
        court("001002001000", "20100301"),
        row(STP_TYPE_DESCR="CUSTODY"),
        row(STP_TYPE_DESCR="PROBATION"),
        row(STP_TYPE_DESCR="SUPPLEMENTAL ARR"),
        row(STP_TYPE_DESCR="CUSTODY"),
        court("001002002000", "20100301", DISP_DESCR="DEFENDANT REPRESENTED BY COUNSEL"),
        row(STP_TYPE_DESCR="WANTED PERSON", STP_EVENT_DATE="20100301"),  # no court data
        [""] * 95,
    ]
    read = read_rows(tmp_path, rows)
    assert read.account.irrelevant() == {
        "CUSTODY": 2,
        "PROBATION": 1,
        "SUPPLEMENTAL ARR": 1,
        "court_procedural": 1,
        "other_step": 1,  # an unknown step type is never counted under its own text
        "blank_row": 1,
    }
    assert read.account.rows_rejected == 0


def test_a_row_repeated_in_a_second_file_is_a_duplicate(tmp_path):
    rows = [court("001002001000", "20100301"), arrest("001001001000", "20100105")]
    read = read_doj([write(tmp_path / "la.csv", rows), write(tmp_path / "sf.csv", rows)])
    conviction = only(read).convictions[0]
    assert len(conviction.sentence) == 1
    assert conviction.source.file.endswith("la.csv")
    assert read.account.files[1].irrelevant == {"duplicate_row": 2}


def test_conflicting_birth_date_is_flagged_and_not_guessed(tmp_path):
    rows = [
        court("001002001000", "20100301"),
        court("002002001000", "20120301", PRI_DOB="19710101"),
    ]
    history = only(read_rows(tmp_path, rows))
    assert history.person.birth_date is None
    assert "conflicting_birth_date" in history.flags
    assert 'person_flag("1001", conflicting_birth_date).' in history_facts(history)
    assert "birth(" not in history_facts(history)


def test_conflicting_name_gender_race_are_flagged(tmp_path):
    rows = [
        court("001002001000", "20100301"),
        court("002002001000", "20120301", PRI_NAME="OTHER,NAME", GENDER="F", RACE_DESCR="BLACK"),
    ]
    flags = set(only(read_rows(tmp_path, rows)).flags)
    assert {"conflicting_name", "conflicting_gender", "conflicting_race"} <= flags


def test_blank_birth_date_is_not_a_conflict_and_bad_one_is_flagged(tmp_path):
    rows = [court("001002001000", "20100301"), court("002002001000", "20120301", PRI_DOB="")]
    history = only(read_rows(tmp_path, rows))
    assert history.flags == () and history.person.birth_date is not None
    bad = [court("001002001000", "20100301", PRI_DOB="19701301")]
    history = only(read_rows(tmp_path, bad, name="bad.csv"))
    assert history.person.birth_date is None and "birth_date_invalid" in history.flags


def test_a_quoted_field_never_runs_past_its_line(tmp_path):
    """A line end inside quotes is damage: the line is rejected alone, its neighbours read."""
    rows = [
        court("001002001000", "20100301", COMMENT_TEXT="FIRST LINE\nSECOND LINE"),
        court("002002001000", "20110301", SENT_LENGTH="BAD"),
        court("003002001000", "20120301"),
    ]
    read = read_rows(tmp_path, rows)
    history = only(read)
    assert [c.source.lines for c in history.convictions] == [(5,)]
    assert [(r.line, r.reason, r.subject_id) for r in read.account.rejects()] == [
        (2, "unclosed_quote", "1001"),  # its subject is still known: SUBJECT_ID comes first
        (3, "stray_quote", ""),  # the rest of the field: a quote closes nothing it opened
        (4, "bad_sentence_length", "1001"),
    ]
    assert [(s.file, s.lines) for s in history.rejected_rows] == [
        (str(tmp_path / "doj.csv"), (2, 4))
    ]


def test_a_stray_quote_swallows_no_other_line(tmp_path):
    """An opening quote inside an unquoted field: every other person's row is still read."""
    rows = [court(f"{n:03d}002001000", "20100301", SUBJECT_ID=str(1000 + n)) for n in range(1, 9)]
    lines = csv_text(rows).split("\r\n")
    lines[3] = lines[3].replace(",CA0380000,", ',CA03"80000,', 1)  # inside an unquoted field
    lines[5] = lines[5].replace(",CA0380000,", ',"CA0380000,', 1)  # opens a field to the end
    lines[7] = lines[7].replace(",140193,", ',"140193",', 1)  # a quoted field: fine
    path = tmp_path / "stray.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    read = read_doj([path])
    assert [(r.line, r.reason, r.subject_id) for r in read.account.rejects()] == [
        (4, "stray_quote", "1003"),
        (6, "unclosed_quote", "1005"),
    ]
    assert read.account.rows_in == 8 and read.account.rows_used == 6
    assert [h.subject_id for h in read if h.convictions] == [
        "1001", "1002", "1004", "1006", "1007", "1008"
    ]  # fmt: skip
    assert read.history("1005").convictions == ()
    assert read.history("1005").flags == ("some_rows_rejected",)


@pytest.mark.parametrize(
    "damaged",
    [
        '1,2,"3"4,5',  # after a closing quote
        '1,2,3"4,5',  # inside an unquoted field
        '1,23"4,5",6',  # a lost comma before a quoted field: the count holds
        '1,"2,"3",4',  # a stray opening quote closed by the next field's
    ],
)
def test_quotes_that_break_rfc_4180_damage_their_line(damaged):
    _, damage = parse_line(damaged + "\r\n")
    assert damage is not None and damage.reason == "stray_quote"
    for good in ('1,"2,3",""""', '"",2,"a""b"', '1,"2"\r\n', ""):
        assert parse_line(good)[1] is None, good


def test_an_open_quote_on_the_last_line_is_damage(tmp_path):
    rows = [court("001002001000", "20100301"), court("002002001000", "20110301")]
    text = csv_text(rows).removesuffix("\r\n").replace(",140193,", ',"140193,')
    path = tmp_path / "last.csv"
    path.write_text(text, encoding="utf-8", newline="")
    read = read_doj([path])
    assert [(r.line, r.reason) for r in read.account.rejects()] == [
        (2, "unclosed_quote"),
        (3, "unclosed_quote"),
    ]
    path.write_text(text + "\r\n", encoding="utf-8", newline="")
    assert [(r.line, r.reason) for r in read_doj([path]).account.rejects()] == [
        (2, "unclosed_quote"),
        (3, "unclosed_quote"),
    ]


def test_a_nul_character_rejects_its_line(tmp_path):
    rows = [court("001002001000", "20100301"), court("002002001000", "20110301", PRI_NAME="A\0B")]
    read = read_rows(tmp_path, rows)
    assert [(r.line, r.reason, r.subject_id) for r in read.account.rejects()] == [
        (3, "nul_byte", "1001")
    ]
    assert [c.source.lines for c in only(read).convictions] == [(2,)]


def test_a_line_with_an_overlong_field_still_names_its_subject(tmp_path):
    long = "X" * 140_000  # past csv.field_size_limit(): the line is damaged (#16 item 8)
    rows = [court("001002001000", "20100301"), court("002002001000", "20110301", OFN=long)]
    read = read_rows(tmp_path, rows)
    assert [(r.line, r.reason, r.subject_id) for r in read.account.rejects()] == [
        (3, "field_too_long", "1001")
    ]
    assert only(read).flags == ("some_rows_rejected",)


@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\x07", "\x1b", "\xa0"])
def test_a_subject_id_with_a_character_that_is_not_printable_is_rejected(tmp_path, char):
    """Not another person: the line is damaged, and its CII number gives it to its person."""
    rows = [court("001002001000", "20100301"), court("002002001000", "20110301",
                                                     SUBJECT_ID=f"10{char}01")]  # fmt: skip
    read = read_rows(tmp_path, rows)
    assert [(r.line, r.reason, r.subject_id) for r in read.account.rejects()] == [
        (3, "bad_subject_id", "1001")
    ]
    assert only(read).flags == ("some_rows_rejected",)


@pytest.mark.parametrize(
    ("header", "width", "accepted"),
    [(True, 95, [95]), (False, 95, [95]), (True, 96, [96])],
    ids=["95-header", "no-header", "96-header"],
)
def test_the_header_fixes_the_width_of_every_row(tmp_path, header, width, accepted):
    """A 96th field is accepted only where the header has it, and only when empty."""
    good = court("001002001000", "20100301")
    candidates = {
        95: good,
        96: [*good, ""],
        97: [*good, "", ""],
    }
    text = csv_text([], header=header, trailing_comma=width == 96)
    buffer = [text]
    for n in (95, 96, 97):
        buffer.append(csv_text([candidates[n]], header=False))
    buffer.append(csv_text([[*good, "x"]], header=False))  # 96 fields, the last not empty
    path = tmp_path / "w.csv"
    path.write_text("".join(buffer), encoding="utf-8", newline="")
    read = read_doj([path])
    first = 2 if header else 1
    used = [first + k for k, n in enumerate((95, 96, 97)) if n in accepted]
    assert list(read.account.files[0].used_lines) == used
    assert read.account.rows_rejected == 4 - len(used)
    assert {r.reason for r in read.account.rejects()} == {"wrong_field_count"}
    assert all(r.subject_id == "1001" for r in read.account.rejects())


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(BASIC).encode())
    assert only(read_doj([path])).convictions


def test_latin1_file_reads_with_its_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    text = csv_text([court("001002001000", "20100301", PRI_NAME="PEÑA,JOSÉ")])
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(UserError, match=r"line 2 is not valid utf-8.*--encoding latin-1"):
        read_doj([path])
    assert only(read_doj([path], encoding="latin-1")).person.name == "PEÑA,JOSÉ"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\r\n", "the file is empty"),
        (b"\xef\xbb\xbf\r\n", "the file is empty"),
        (csv_text([]).encode(), "no data rows"),
        (b"\x00\x01\x02binary\x00", "NUL bytes"),
    ],
)
def test_unreadable_files_are_user_errors(tmp_path, content, message):
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        read_doj([path])


def test_missing_file_and_unknown_encoding(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        read_doj([tmp_path / "nope.csv"])
    with pytest.raises(UserError, match="unknown encoding"):
        read_doj([write(tmp_path / "a.csv", BASIC)], encoding="no-such-codec")


DATA = Path(__file__).parent / "data"


def test_sample_fixture_matches_its_builder():
    # tests/data/sample_doj.csv is written by doj_builder.sample_rows(); regenerate it with
    # write(DATA / "sample_doj.csv", sample_rows()) after changing the builder.
    assert (DATA / "sample_doj.csv").read_bytes().decode() == csv_text(sample_rows())


def test_sample_fixture_reads_as_expected():
    read = read_doj([DATA / "sample_doj.csv"])
    first, second = read
    assert [c.charge.code_section() for c in first.convictions] == ["HS 11357", "HS 11357(b)"]
    assert [d.charge.section for d in first.dismissals] == ["11359"]
    assert first.convictions[1].source.lines == (9,)
    assert second.person.deceased_date is not None
    assert second.registrations[0].source.lines == (10,)
    assert second.convictions[0].charge.attempt
    assert second.convictions[0].level.value == "felony"
    assert [(r.line, r.reason) for r in read.account.rejects()] == [(12, "bad_date:STP_EVENT_DATE")]
    assert read.account.irrelevant() == {"CUSTODY": 1}


def test_a_row_without_subject_id_stays_with_the_person_of_its_cii_number(tmp_path):
    other = {"SUBJECT_ID": "2002", "CII_NUMBER": "A000000002", "PRI_NAME": "OTHER,BEA"}
    rows = [
        court("001002001000", "20100301"),
        court("001002001000", "20100301", **other),
        court("002002001000", "20110301", SUBJECT_ID=""),  # CII A000000001: person 1001's
        court("003002001000", "20120301", SUBJECT_ID="", CII_NUMBER="A000000009"),  # nobody's
        court("004002001000", "20130301", SUBJECT_ID="NULL", PRI_NAME="A\0B"),  # a NUL too
    ]
    read = read_rows(tmp_path, rows)
    assert [(r.line, r.reason, r.subject_id) for r in read.account.rejects()] == [
        (4, "blank_subject_id", "1001"),  # listed with the subject it was given to
        (5, "blank_subject_id", ""),
        (6, "nul_byte", "1001"),
    ]
    assert [r.subject_id for r in read.account.files[0].rejects] == ["", "", ""]  # as routed
    first, second = read
    assert [s.lines for s in first.rejected_rows] == [(4, 6)]
    assert first.flags == ("some_rows_rejected",)
    assert second.rejected_rows == () and second.flags == ()
    facts = history_facts(first)
    assert f'rejected_line("1001", "{tmp_path / "doj.csv"}", 4).' in facts


def test_a_line_whose_fields_are_out_of_place_goes_to_the_person_of_a_cii_number_in_it(tmp_path):
    """The start of a line lost, or tabs for commas: no SUBJECT_ID, but its CII number (#16)."""
    other = {"SUBJECT_ID": "2002", "CII_NUMBER": "A000000002", "PRI_NAME": "OTHER,BEA"}
    rows = [
        court("001002001000", "20100301"),
        court("001002001000", "20100301", **other),
        court("002002001000", "20110301"),  # its start lost (below)
        court("003002001000", "20120301", **other),  # tab-separated (below)
        court("004002001000", "20130301", CII_NUMBER="A000000009"),  # its start lost: nobody's
        court("005002001000", "20140301", CII_NUMBER="", OFN="1234567890"),  # no one's number
    ]
    lines = csv_text(rows).split("\r\n")
    for at in (3, 5, 6):  # the line's start, up to inside SUBJECT_ID, is lost
        lines[at] = lines[at][lines[at].index("1001") + 2 :]
    lines[4] = lines[4].replace(",", "\t")
    (tmp_path / "doj.csv").write_text("\r\n".join(lines), encoding="utf-8", newline="")
    read = read_doj([tmp_path / "doj.csv"])
    assert [(r.line, r.reason, r.subject_id) for r in read.account.rejects()] == [
        (4, "wrong_field_count", "1001"),
        (5, "stray_quote", "2002"),  # the quotes of "OTHER\tBEA" now inside a field
        (6, "wrong_field_count", ""),
        (7, "wrong_field_count", ""),
    ]
    first, second = read
    assert [s.lines for s in first.rejected_rows] == [(4,)]
    assert [s.lines for s in second.rejected_rows] == [(5,)]
    assert first.flags == second.flags == ("some_rows_rejected",)


def test_a_sentence_order_of_non_ascii_digits_is_no_traceback(tmp_path: Path) -> None:
    # '²'.isdigit() is True but int('²') raises: two sentence rows of one count ordered by it
    # were a traceback (principle 3: bad input is never a traceback).
    from doj_builder import court, write

    from cmr_reason.facts.history_reader import read_histories

    doj = write(tmp_path / "doj.csv", [
        court("001002001000", "20100301", SENT_ORDER="²"),
        court("001002001000", "20100301", SENT_ORDER="³", SENT_LOC_DESCR="JAIL",
              SENT_LENGTH="10", SENT_TIME_CODE="D"),
    ])  # fmt: skip
    [history] = list(read_histories([doj]))
    assert len(history.convictions) == 1
