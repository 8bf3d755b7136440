"""Differences found beside Code for America's gogen, held by tests (docs/gogen-comparison.md).

Charge spellings from gogen's DOJ test data ("11360A HS", "11357B2 HS"), which we once read
as sections HS 11360a and HS 2, "not a cannabis conviction": every one of them now reaches
a reviewer. Dates are pinned (as of 2020-07-01).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from cli_runs import run_cli
from doj_builder import arrest, court, write

from cmr_reason.facts.charge_normaliser import canonical_text, normalise_charge


@pytest.mark.parametrize(
    ("text", "section", "subsections"),
    [
        ("11357B2 HS-POSSESSION OF MARIJUANA", "11357b", ("2",)),
        ("11360A2 HS-SELL/FURNISH/ETC MARIJUANA/HASH", "11360a", ("2",)),
        ("11357B(2) HS", "11357b", ("2",)),
        ("11360A HS-SELL/FURNISH/ETC MARIJUANA/HASH", "11360a", ()),
        ("288A2 PC", "288a", ("2",)),
        ("273AB2 PC-CHILD ABUSE", "273ab", ("2",)),
    ],
)
def test_digits_glued_after_glued_letters_are_a_paragraph(text, section, subsections):
    """ "11357B2" reads as "11357B(2)", never as a second section "2"."""
    charge = normalise_charge(text)
    assert (charge.body, charge.section, charge.subsections) == (
        "pc" if " PC" in text else "hs",
        section,
        subsections,
    )
    assert normalise_charge(canonical_text(charge)).section == section


@pytest.mark.parametrize(
    ("text", "section"),
    [
        ("288A12345 PC", "12345"),  # three or more digits: a section of its own, as before
        ("11357 B2 HS", "11357"),  # a blank: not glued
        ("4149BP2 X", "4149"),  # a body code glued, not a section letter
    ],
)
def test_only_one_or_two_digits_right_after_the_letters_are_a_paragraph(text, section):
    assert normalise_charge(text).section == section


CHARGES = [
    "11357A HS-POSSESSION OF MARIJUANA",
    "11357B2 HS-POSSESSION OF MARIJUANA",
    "11359B HS-MARIJUANA POSSESS FOR SALE",
    "11360A HS-SELL/FURNISH/ETC MARIJUANA/HASH",
    "11360A2 HS-SELL/FURNISH/ETC MARIJUANA/HASH",
]


def test_glued_cannabis_sections_from_a_doj_file_go_to_review(tmp_path: Path) -> None:
    """HS 11361.8(a), (e): a charge that most likely names HS 11357-11360 is never passed
    over as "not a cannabis conviction"; a reviewer confirms the section."""
    rows = []
    for i, charge in enumerate(CHARGES, start=1):
        sid = str(5000 + i)
        rows += [arrest("001001001000", "20100105", charge, SUBJECT_ID=sid),
                 court("001002001000", "20100301", charge, SUBJECT_ID=sid,
                       CONV_STAT_DESCR="FELONY", OFFENSE_TOC="F")]  # fmt: skip
    run_cli(tmp_path / "out", str(write(tmp_path / "glued.csv", rows)), "--policy", "statute")
    with (tmp_path / "out" / "convictions.csv").open(newline="", encoding="utf-8") as f:
        got = {r["raw_charge"]: (r["outcome"], r["reason"], r["rule_ids"].split(";")[0])
               for r in csv.DictReader(f)}  # fmt: skip
    want = ("review", "charge_section_ambiguous", "p64.review.charge_glued_subsection")
    assert got == dict.fromkeys(CHARGES, want)


def _case(cycle: str, date: str, charges: list[str], sid: str) -> list[list[str]]:
    """One arrest cycle with a felony conviction on each count, in Los Angeles."""
    rows = []
    for n, charge in enumerate(charges, start=1):
        arrest_date = f"{int(date[:4])}{date[4:6]}01"
        common = {"SUBJECT_ID": sid, "PRI_DOB": "19600101", "STP_ORI_CNTY_NAME": "LOS ANGELES"}
        rows += [arrest(f"{cycle}001{n:03d}000", arrest_date, charge, **common),
                 court(f"{cycle}002{n:03d}000", date, charge, CONV_STAT_DESCR="FELONY",
                       OFFENSE_TOC="F", **common)]  # fmt: skip
    return rows


def _decisions(tmp_path: Path, rows: list[list[str]], policy: str) -> dict[str, tuple[str, str]]:
    run_cli(tmp_path / "out", str(write(tmp_path / "priors.csv", rows)), "--policy", policy,
            "--as-of", "2020-02-11")  # fmt: skip
    with (tmp_path / "out" / "convictions.csv").open(newline="", encoding="utf-8") as f:
        return {r["conviction_id"]: (r["outcome"], r["reason"]) for r in csv.DictReader(f)}


def test_a_glued_prior_that_would_be_the_second_goes_to_review(tmp_path: Path) -> None:
    """HS 11360(a)(3)(B), gogen_pilots' generator file (10000025:114002002000): one HS 11360
    felony and one "11360A2 HS" count in 1987, an HS 11360(a) felony in 2009, a person of 60.
    The glued count may be the second prior: a reviewer checks it, the motion's age criterion
    does not dismiss it (docs/gogen-comparison.md "L19")."""
    rows = _case("001", "19870711", ["11360 HS-SELL/TRANSPORT", "11360A2 HS-SELL/FURNISH"], "7001")
    rows += _case("002", "20090923", ["11360(A) HS-GIVE/ETC MARIJ OVER 1 OZ"], "7001")
    got = _decisions(tmp_path, rows, "los-angeles-2020")
    assert got["7001:002002001000"] == ("review", "possible_section_prior")


def test_a_glued_11360b_prior_is_no_sale_prior(tmp_path: Path) -> None:
    """HS 11360(a)(3)(B) counts priors "under paragraph (2)": "11360B HS" most likely names
    HS 11360(b) (a gift or transport of not more than 28.5 grams), so it makes no second
    prior, and the age criterion dismisses."""
    rows = _case("001", "19870711", ["11360 HS-SELL/TRANSPORT", "11360B HS-GIVE AWAY"], "7002")
    rows += _case("002", "20090923", ["11360(A) HS-GIVE/ETC MARIJ OVER 1 OZ"], "7002")
    got = _decisions(tmp_path, rows, "los-angeles-2020")
    assert got["7002:002002001000"] == ("dismiss_and_seal", "age_50_or_older")


@pytest.mark.parametrize(
    ("cases", "want"),
    [
        ([["11359 HS-POSS FOR SALE", "11359 HS-POSS FOR SALE"]], ("review", "two_priors_one_case")),
        ([["11359 HS-POSS FOR SALE"], ["11359 HS-POSS FOR SALE"]], ("not_eligible", "two_priors")),
    ],
)
def test_two_priors_of_one_case_go_to_review(tmp_path: Path, cases, want) -> None:
    """HS 11359(c)(2) "two or more prior convictions": two counts of one earlier case may be
    one act (People v. Vargas): review; priors from two cases exclude (docs/legal-questions.md
    "Two priors")."""
    rows: list[list[str]] = []
    for i, charges in enumerate(cases, start=1):
        rows += _case(f"{i:03d}", f"199{i}0301", charges, "7003")
    rows += _case("009", "20120301", ["11359 HS-POSS FOR SALE"], "7003")
    got = _decisions(tmp_path, rows, "statute")
    assert got["7003:009002001000"] == want
