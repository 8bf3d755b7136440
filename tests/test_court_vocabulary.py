"""The court-row vocabulary (issue 16 item 1): unknown values on court rows are rejected.

A garbled step type or disposition on a row that looks like a court event is rejected with
its value (in ``rejects.csv`` only), its person flagged; it is never counted as irrelevant.
Known irrelevant step types stay irrelevant under their own names.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from cli_runs import run_cli
from doj_builder import arrest, court, row, write
from test_doj_stream import _account, _streamed

from cmr_reason.facts.doj import vocabulary as vocab
from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR


def _read(tmp_path: Path, rows: list[list[str]]):
    return read_doj([write(tmp_path / "doj.csv", rows)])


@pytest.mark.parametrize("step", ["C0URT ACTION", "COURT ACT1ON", "CUORT"])
def test_a_garbled_step_type_on_a_court_row_is_rejected_with_its_value(tmp_path, step):
    rows = [
        court("001002001000", "20100301"),
        court("001002001000", "20100301", STP_TYPE_DESCR=step, SENT_ORDER="2"),
    ]
    read = _read(tmp_path, rows)
    (reject,) = read.account.rejects()
    assert (reject.line, reason := reject.reason) == (3, "unknown_step_type"), reason
    assert reject.csv_detail().endswith(f'"{step}"')  # the value, in rejects.csv
    assert step not in reject.label() and step not in reject.detail  # never in a message
    assert reject.subject_id == "1001"
    assert not read.account.irrelevant()
    conviction = next(iter(read)).convictions[0]
    assert "some_rows_rejected" in conviction.flags  # the count of the rejected row


def test_a_garbled_step_type_alone_loses_no_conviction_silently(tmp_path):
    read = _read(tmp_path, [court("001002001000", "20100301", STP_TYPE_DESCR="C0URT ACTION")])
    assert [r.reason for r in read.account.rejects()] == ["unknown_step_type"]
    assert read.account.rows_irrelevant == 0
    assert list(read) == []  # no history was built from nothing, and nothing was dropped


@pytest.mark.parametrize(
    ("disposition", "shown"),
    [("CONVlCTED-JAIL", '"CONVlCTED-JAIL"'), ("C0NVICTED", '"C0NVICTED"'),
     ("", ""), ("NULL", ""), ("   ", "")],
    ids=["garbled", "zero", "blank", "null", "spaces"],
)  # fmt: skip
def test_an_unknown_disposition_on_a_court_row_is_rejected(tmp_path, disposition, shown):
    rows = [
        court("001002001000", "20100301"),
        court("001002002000", "20100301", DISP_DESCR=disposition),
    ]
    read = _read(tmp_path, rows)
    (reject,) = read.account.rejects()
    assert (reject.line, reject.reason) == (3, "unknown_disposition")
    assert reject.value == shown
    assert read.account.rows_irrelevant == 0
    history = next(iter(read))
    assert [c.count_order for c in history.convictions] == ["001002001000"]
    assert not history.dismissals  # the rejected count is no dismissal either
    assert "some_rows_rejected" in history.flags


def test_a_control_character_in_a_rejected_value_is_escaped(tmp_path):
    rows = [court("001002001000", "20100301", DISP_DESCR="CONV\x07ICTED")]
    (reject,) = _read(tmp_path, rows).account.rejects()
    assert reject.value == '"CONV\\x07ICTED"'


def test_known_steps_stay_irrelevant_by_name_and_unknown_ones_are_other(tmp_path):
    rows = [
        court("001002001000", "20100301"),
        row(STP_TYPE_DESCR="CUSTODY", CNT_ORDER="001003001000", STP_EVENT_DATE="20100302"),
        row(STP_TYPE_DESCR="mental  hlth"),  # case and blanks do not matter
        row(STP_TYPE_DESCR="APPLICANT", STP_ORI_DESCR="CADOJ SACRAMENTO"),
        row(STP_TYPE_DESCR="SMITH,JOHN 19700101", STP_EVENT_DATE="20100302"),
        court("001002002000", "20100301", DISP_DESCR="RIGHT TO TRIAL BY JURY WAIVED-YES"),
    ]
    read = _read(tmp_path, rows)
    assert dict(read.account.irrelevant()) == {
        "CUSTODY": 1,
        "MENTAL HLTH": 1,
        "APPLICANT": 1,
        "other_step": 1,  # the raw text (here a name and birth date) is never a kind
        "court_procedural": 1,
    }
    assert read.account.rows_rejected == 0


@pytest.mark.parametrize(
    "fields",
    [{"CNT_ORDER": "001009001000"}, {"OFFENSE_DESCR": "11359 HS"},
     {"DISP_DESCR": "CONVICTED"}, {"CONV_STAT_DESCR": "FELONY"}, {"SENT_LENGTH": "3"},
     {"STP_ORI_DESCR": "CASC LOS ANGELES"}],
    ids=lambda f: next(iter(f)),
)  # fmt: skip
def test_what_makes_an_unknown_step_look_like_a_court_event(tmp_path, fields):
    read = _read(tmp_path, [row(STP_TYPE_DESCR="UNHEARD OF", **fields)])
    assert [r.reason for r in read.account.rejects()] == ["unknown_step_type"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CONVICTED", (vocab.CONVICTION, "")),
        ("CONVICTED-PROBATION", (vocab.CONVICTION, "")),
        (" convicted-jail ", (vocab.CONVICTION, "")),
        ("CONVICTEDX", None),
        ("DISMISSED/FURTHERANCE OF JUSTICE", (vocab.NO_CONVICTION, "")),
        ("PROS REJ-OTHER", (vocab.NO_CONVICTION, "")),
        ("REL/TOT OTHER JURIS/AUTH", (vocab.NO_CONVICTION, "")),
        ("REDUCED TO MISDEMEANOR", (vocab.UPDATE, "reduced_to_misdemeanor")),
        ("CONV SET ASIDE & DISM PER 1203.4 PC", (vocab.UPDATE, "set_aside_1203_4")),
        ("DISMISSED/SEALED PER 11361.8 HS", (vocab.UPDATE, "dismissed_sealed_11361_8")),
        ("PROBATION  REVOKED", (vocab.UPDATE, "probation_revoked")),
        ("PAROLED", (vocab.PROCEDURAL, "")),
        ("", None),
        ("NULL", None),
    ],
)
def test_disposition_vocabulary(text, expected):
    assert vocab.disposition(text) == expected


def test_the_later_kinds_are_the_programs_kinds():
    text = (PROGRAMS_DIR / "core" / "later_dispositions.lp").read_text(encoding="utf-8")
    declared = set(re.findall(r"(?:^| )later_kind\(([a-z]\w*)\)\.", text, re.MULTILINE))
    assert declared == set(vocab.LATER_DISPOSITION_KINDS)


def _messy_rows(seed: int, people: int = 60) -> list[list[str]]:
    """People with garbled steps, unknown dispositions and later updates, shuffled."""
    rng = random.Random(seed)
    rows = []
    for number in range(people):
        sid = str(5000 + number)
        rows.append(arrest("001001001000", "20080101", SUBJECT_ID=sid))
        rows.append(court("001002001000", "20080301", SUBJECT_ID=sid))
        choice = rng.randrange(6)
        if choice == 0:
            rows.append(court("001002001000", "20080301", SUBJECT_ID=sid, SENT_ORDER="2",
                              STP_TYPE_DESCR="C0URT ACTION"))  # fmt: skip
        elif choice == 1:
            rows.append(court("001002002000", "20080301", SUBJECT_ID=sid,
                              DISP_DESCR=rng.choice(["CONVlCTED", "", "NULL"])))  # fmt: skip
        elif choice == 2:
            update = {"DISP_DESCR": "REDUCED TO MISDEMEANOR", "DISP_DATE": "20100101"}
            rows.append(court("001002001000", "20080301", SUBJECT_ID=sid, **update))
        elif choice == 3:
            rows.append(court("001002003000", "20080301", SUBJECT_ID=sid,
                              DISP_DESCR="PROBATION REVOKED"))  # fmt: skip
        elif choice == 4:
            rows.append(row(SUBJECT_ID=sid, STP_TYPE_DESCR=rng.choice(["CUSTODY", "ZZZ"])))
    rng.shuffle(rows)
    return rows


@pytest.mark.parametrize("budget", [1 << 30, 1], ids=["in-memory", "tiny"])
def test_the_streamed_read_rejects_and_flags_as_the_whole_read_does(tmp_path, budget):
    path = write(tmp_path / "messy.csv", _messy_rows(7))
    reference = read_doj([path])
    histories, account, _ = _streamed([path], budget, tmp_path)
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]
    assert _account(account) == _account(reference.account)
    reasons = {r.reason for r in account.rejects()}
    assert reasons == {"unknown_step_type", "unknown_disposition"}
    assert any(r.value for r in account.rejects())


def test_a_rejected_value_is_in_rejects_csv_and_nowhere_else(tmp_path):
    secret = "DOE,JANE 19800101"  # what a shifted field can put there
    rows = [
        court("001002001000", "20100301"),
        court("001002002000", "20100301", DISP_DESCR=secret),
        court("001002003000", "20100301", STP_TYPE_DESCR=f"X {secret}"),
    ]
    out = tmp_path / "out"
    run_cli(out, str(write(tmp_path / "doj.csv", rows)))
    rejects = (out / "rejects.csv").read_text(encoding="utf-8")
    assert f'DISP_DESCR is not a known court disposition: ""{secret}""' in rejects
    assert f'""X {secret}""' in rejects
    for name in ("summary.json", "manifest.json", "convictions.csv", "people.csv", "cases.csv"):
        assert secret not in (out / name).read_text(encoding="utf-8"), name
