"""The reader's data flags reach the decision's flags (programs/core/record.lp).

Nothing is read silently: a charge read from the comment text, or a partial date that gave
way to another date, changes no decision by itself, but a reviewer must see it
(docs/facts.md "How DOJ rows become a history", docs/outputs.md ``flags``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from doj_builder import arrest, court, write

from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.facts.history import History
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide

AS_OF = dt.date(2020, 7, 1)
ARREST = arrest("001001001000", "20100105", "11359 HS-POSSESS FOR SALE", OFFENSE_TOC="F")
COUNT = "001002001000"
CID = f"1001:{COUNT}"


def _history(tmp_path: Path, *rows: list[str]) -> History:
    (history,) = list(read_doj([write(tmp_path / "doj.csv", [ARREST, *rows])]))
    return history


@pytest.mark.parametrize("lean", [False, True])
def test_a_charge_read_from_the_comment_is_flagged(tmp_path: Path, lean: bool) -> None:
    history = _history(
        tmp_path,
        court(COUNT, "20100301", "SEE COMMENT FOR CHARGE", OFFENSE_TOC="F",
              CONV_STAT_DESCR="FELONY", COMMENT_TEXT="11359 HS-POSSESS FOR SALE"),
    )  # fmt: skip
    (conviction,) = history.convictions
    assert "charge_from_comment" in conviction.flags
    decision = decide([history], load_program_set("statute"), AS_OF, lean=lean).decisions[CID]
    assert decision.outcome == "redesignate_misdemeanor"  # decided as before: HS 11361.8(e)
    assert "charge_from_comment" in decision.flags


@pytest.mark.parametrize("policy", ["statute", "los-angeles-2020"])
def test_a_partial_date_that_gave_way_is_flagged(tmp_path: Path, policy: str) -> None:
    """The step date ``20100300`` is partial; the disposition date stands in for it."""
    history = _history(
        tmp_path,
        court(COUNT, "20100300", "11359 HS", DISP_DATE="20100315", OFFENSE_TOC="F",
              CONV_STAT_DESCR="FELONY"),
    )  # fmt: skip
    assert "partial_date" in history.flags
    decision = decide([history], load_program_set(policy), AS_OF, lean=True).decisions[CID]
    assert decision.outcome != "review"  # the date is known: decided
    assert "partial_date" in decision.flags


def test_a_person_flag_that_concerns_no_date_is_not_repeated(tmp_path: Path) -> None:
    """Two spellings of a name decide nothing and stay on the person (people.csv)."""
    history = _history(
        tmp_path,
        court(COUNT, "20100301", "11359 HS", OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY",
              PRI_NAME="DOE,JANE Q"),
    )  # fmt: skip
    assert "conflicting_name" in history.flags
    decision = decide([history], load_program_set("statute"), AS_OF).decisions[CID]
    assert "conflicting_name" not in decision.flags
