"""The case runner itself: it must fail wrong cases and reject malformed ones.

docs/adding-rules.md "The case runner is tested".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.reasoner.engine.case_runner import run_case

META = Path(__file__).parent / "meta"
CASES = Path(__file__).parent / "cases"
runner = CliRunner()


def test_wrong_expectation_fails_with_expected_and_got() -> None:
    result = run_case(META / "fails_on_purpose.lp")
    assert not result.passed
    check = next(c for c in result.checks if c.what == "expect")
    assert check.expected == "not_eligible/two_priors"
    assert check.got == "dismiss_and_seal/now_lawful"


def test_misspelt_predicate_is_rejected() -> None:
    result = run_case(META / "unknown_predicate.lp")
    assert not result.passed
    assert any("unknown predicate expet/3" in p and "did you mean expect/3" in p
               for p in result.problems)  # fmt: skip


def test_conviction_without_expectation_fails() -> None:
    result = run_case(META / "missing_expectation.lp")
    assert not result.passed
    assert any("m:d has no expect/3" in p for p in result.problems)


def test_check_command_exit_status(tmp_path) -> None:
    failing = runner.invoke(app, ["check", str(META / "fails_on_purpose.lp")])
    assert failing.exit_code == 1
    assert "FAIL" in failing.output
    # A folder of cases that hold (the legal cases run once, as test items: conftest.py).
    for name in ("a.lp", "b.lp"):
        shutil.copy(META / "passes_on_purpose.lp", tmp_path / name)
    passing = runner.invoke(app, ["check", str(tmp_path)])
    assert passing.exit_code == 0, passing.output


def test_explain_json_is_a_tree_for_a_hand_written_history() -> None:
    case = CASES / "prop64" / "possession_for_sale_adult__prior_superstrike.lp"
    result = runner.invoke(app, ["explain", "p", "--input", str(case), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    tree = next(t for t in report["convictions"] if t["conviction_id"] == "p:c1")
    assert tree["outcome"] == "not_eligible"
    assert tree["rule"]["rule_id"] == "p64.exclude.11359.prior_superstrike"
    assert tree["rule"]["facts"][0]["source"].endswith(":7")  # the prior's input line
    assert any("no PC 290(c)" in text for text in tree["checked_absent"])
    assert tree["set_aside"][0]["outcome"] == "redesignate_misdemeanor"


def test_explain_of_a_case_file_decides_as_check_does() -> None:
    """A case's policy, parameters and reviewers' decisions reach ``explain`` too.

    The case names Contra Costa's policy and holds a reviewer's challenge (HS 11361.9(c)):
    ``explain`` without --policy decides under that policy with that challenge, as
    ``check`` does; read as statute alone, without the challenge, it would differ.
    """
    case = CASES / "policies" / "contra_costa_2020" / "related__cannabis_challenged_by_reviewer.lp"
    assert run_case(case).passed
    result = runner.invoke(app, ["explain", "p", "--input", str(case), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["policy"] == "contra-costa-2020"
    got = {t["conviction_id"]: (t["outcome"], t["reason"]) for t in report["convictions"]}
    assert got == {
        "p:c1": ("not_eligible", "reviewer_challenge"),
        "p:c2": ("dismiss_and_seal", "related_charge"),
        "p:c3": ("dismiss_and_seal", "misdemeanor_dismissal"),
    }
    # --policy still chooses: the statute alone has no related charges
    statute = runner.invoke(
        app, ["explain", "p", "--input", str(case), "--format", "json", "--policy", "statute"]
    )
    trees = json.loads(statute.output)["convictions"]
    assert next(t for t in trees if t["conviction_id"] == "p:c2")["outcome"] == "not_applicable"


def test_explain_unknown_person_names_closest_ids() -> None:
    case = CASES / "prop64" / "possession_for_sale_adult__prior_superstrike.lp"
    result = runner.invoke(app, ["explain", "q", "--input", str(case)])
    assert result.exit_code == 2
    assert "no person 'q'" in result.output
    assert "Traceback" not in result.output
