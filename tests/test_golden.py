"""Golden explanations: the English of a few canonical people, reviewed as a diff (style 2.7.5).

Regenerate with ``pytest tests/test_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
PEOPLE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "superstrike_11359": ("cases/prop64/possession_for_sale_adult__prior_superstrike.lp", "p", ()),
    "cultivation_presumed": ("cases/prop64/cultivation_21__felony_dismissed.lp", "p", ()),
    "sale_not_a_gift": ("cases/prop64/sale_transport_21__felony_not_a_gift.lp", "p", ()),
    # a review with its candidate outcomes; the rows that conflict; the resentence standard
    "attempt_review": ("cases/prop64/possession_for_sale_adult__attempt.lp", "p", ()),
    "conflicting_count_rows": (
        "cases/prop64/possession_for_sale_adult__conflicting_count_rows.lp",
        "p",
        (),
    ),
    "serving_resentence": (
        "cases/prop64/possession_for_sale_adult__serving_resentence.lp",
        "p",
        (),
    ),
    "brief_sale_not_a_gift": (
        "cases/prop64/sale_transport_21__felony_not_a_gift.lp",
        "p",
        ("--brief",),
    ),
}


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_explanation_matches_golden(
    name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(HERE.parent)
    case, person, extra = PEOPLE[name]
    relative = Path("tests") / case
    result = CliRunner().invoke(
        app,
        ["explain", person, "--input", str(relative), *extra],
        env={"COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"},
    )
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{name}.txt"
    if request.config.getoption("--update-golden"):
        golden.write_text(result.output, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}; run with --update-golden"
    assert result.output == golden.read_text(encoding="utf-8")
