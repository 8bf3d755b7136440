"""The petition remedies' legal tables: every row says how it was checked (issue #21).

Issue #21 asks for every row of the new tables "one row a line with source and check date".
Each row of ``programs/tables/wobblers.lp``, ``dismissal_exclusions.lp`` and
``prop47_sections.lp``, and of the tables shared with Proposition 64 (``superstrikes.lp``,
``pc290.lp``) and PC 1203.425 (``serious_felonies.lp``, ``violent_felonies.lp``), is one line
carrying its check date and, in its comment, either
``[verified: ...]`` (the statute's words relied on and the copy they were read in) or
``[unverified: ...]`` (why not). The corrections of the check of 2026-12-06 that change only
the provision an explanation names (not an outcome, which the legal cases assert) are pinned
here through the cases that show them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from case_results import CASES, case_result

from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR

TABLES = (
    "wobblers.lp",
    "dismissal_exclusions.lp",
    "prop47_sections.lp",
    "superstrikes.lp",
    "pc290.lp",
    "serious_felonies.lp",
    "violent_felonies.lp",
)
ROW = re.compile(
    r"^(wobbler|possible_wobbler_section|pc1203_4_exclusion|pc1203_4_possible_exclusion"
    r"|pc1203_4a_exclusion|pc1203_4a_vc42001_question|vc12810_offence|prop47_section"
    r"|prop47_fact|prop47_disqualifying_prior_offence"
    r"|superstrike|superstrike_possible_offence|gang_life_offence"
    r"|pc290_offence|pc290_felony_offence|pc290_possible_offence|pc290_age_gap_offence"
    r"|serious_felony|serious_felony_prong|violent_felony)\("
)
CHECK_DATE = "20261206"


def _rows(name: str) -> list[tuple[int, str]]:
    text = (PROGRAMS_DIR / "tables" / name).read_text(encoding="utf-8")
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if ROW.match(line)]


@pytest.mark.parametrize("name", TABLES)
def test_every_row_says_how_it_was_checked(name: str) -> None:
    rows = _rows(name)
    assert rows, f"no rows found in {name}"
    problems = []
    for n, line in rows:
        fact, _, comment = line.partition("%")
        if not fact.rstrip().endswith(")."):
            problems.append(f"{name}:{n}: a row must be one line")
        if "[verified:" not in comment and "[unverified:" not in comment:
            problems.append(f"{name}:{n}: no [verified: ...] or [unverified: ...] note")
        if not fact.startswith("prop47_fact(") and CHECK_DATE not in fact:
            problems.append(f"{name}:{n}: no check date {CHECK_DATE}")
    assert not problems, "\n".join(problems)


# Corrections that change the provision the explanation names, not the outcome.
SOURCES = {
    "pc17b/pc69_probation__source_69a.lp": "PC 69(a)",
    "pc17b/pc71_probation__source_71a1.lp": "PC 71(a)(1)",
    "pc17b/grand_theft_auto__source_489c.lp": "PC 489(c)",
    "pc17b/hit_and_run_death__source_20001b.lp": "VC 20001(b)",
    "pc17b/hs11377_after_prop47__discretionary.lp": "HS 11377(a)",
}


@pytest.mark.parametrize("case", sorted(SOURCES))
def test_the_explanation_names_the_punishment_provision(case: str) -> None:
    result = case_result(Path(CASES / case))
    assert result.solved is not None
    sources = {
        dict(f.args).get("source")
        for _, f in result.solved.remedy_firings
        if f.rule_id == "pc17b.check.wobbler"
    }
    assert sources == {SOURCES[case]}
