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
