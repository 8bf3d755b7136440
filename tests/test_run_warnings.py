"""Sanity warnings of a run (issue #19 item 3): on stderr and in the manifest, no input text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.run.sanity import (
    RunCounts,
    act_date,
    as_of_warnings,
    closest_county,
    county_listing,
    county_warning,
    policy_county,
    policy_county_warning,
    relief_warning,
    run_warnings,
)

runner = CliRunner()
TODAY = dt.date(2024, 5, 1)  # injected: only a warning may read the clock


def _codes(out: Path) -> list[str]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return [w["code"] for w in manifest["warnings"]]


def _run(out: Path, *args: str) -> str:
    result = runner.invoke(app, ["run", "--out", str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


# --- On the demo file, through the command ---------------------------------------------------
def test_county_typo_warns_with_the_closest_name(tmp_path: Path) -> None:
    output = _run(tmp_path / "run", "--as-of", "2020-07-01", "--county", "LOS ANGLES")
    assert "warning: --county LOS ANGLES matches none of the input's 860 convictions" in output
    assert "did you mean LOS ANGELES?" in output
    assert "The input's convictions by county: LOS ANGELES 764," in output
    assert _codes(tmp_path / "run") == ["county_matches_nothing", "relief_rate_low"]


def test_other_county_policy_and_dates_warn(tmp_path: Path) -> None:
    output = _run(tmp_path / "run", "--as-of", "2015-07-01", "--policy", "sacramento-2019")
    assert "the as-of date 2015-07-01 is before Proposition 64 took effect (9 November 2016)" in (
        output
    )
    assert "the policy sacramento-2019 covers SACRAMENTO county, but only 3 of the 409" in output
    assert "addresses in the input (0.7 %) are from there" in output
    assert "Those convictions by county: LOS ANGELES 388," in output
    assert "the policy sacramento-2019 relieves 2 of the 409 convictions" in output
    assert "406 outside the county the run or its policy covers (scope)" in output
    assert _codes(tmp_path / "run") == [
        "as_of_before_act",
        "policy_county_mismatch",
        "relief_rate_low",
    ]
    future = _run(tmp_path / "later", "--as-of", "2999-01-01", "--policy", "los-angeles-2020")
    assert "the as-of date 2999-01-01 is after today" in future
    assert _codes(tmp_path / "later") == ["as_of_in_future"]


def test_a_usual_run_has_no_warning(tmp_path: Path) -> None:
    output = _run(tmp_path / "run", "--as-of", "2020-07-01", "--policy", "los-angeles-2020")
    assert "warning" not in output
    assert _codes(tmp_path / "run") == []


# --- The checks themselves ------------------------------------------------------------------
def test_the_act_date_is_the_programs() -> None:
    assert act_date() == dt.date(2016, 11, 9)


@pytest.mark.parametrize(
    ("as_of", "codes"),
    [
        (dt.date(2016, 11, 8), ["as_of_before_act"]),
        (dt.date(2016, 11, 9), []),
        (TODAY, []),
        (TODAY + dt.timedelta(days=1), ["as_of_in_future"]),
    ],
)
def test_as_of_bounds(as_of: dt.date, codes: list[str]) -> None:
    assert [w.code for w in as_of_warnings(as_of, TODAY)] == codes


def test_listing_never_echoes_text_that_is_no_county() -> None:
    counts = {"LOS ANGELES": 5, "JOHN Q SAMPLE 1970-01-01": 3, "": 2, "los  angeles": 1}
    listed = county_listing(counts)
    assert listed == "LOS ANGELES 6, other (not a California county name) 3, no county recorded 2"
    warning = county_warning("JOHN", RunCounts(by_county=counts, addressed={}))
    assert warning is not None and "SAMPLE" not in warning.message
    assert "did you mean" not in warning.message
    assert county_listing({f"{c}": 1 for c in ("ALAMEDA", "BUTTE", "KERN", "LAKE", "MONO",
                                               "NAPA", "YOLO", "YUBA", "INYO", "MODOC")}) == (
        "ALAMEDA 1, BUTTE 1, INYO 1, KERN 1, LAKE 1, MODOC 1, MONO 1, NAPA 1, 2 more counties 2"
    )  # fmt: skip


def test_closest_county_prefers_one_the_input_holds() -> None:
    assert closest_county("LOS ANGLES", {}) == "LOS ANGELES"
    assert closest_county("SAN MATE", {}) == "SAN MATEO"
    assert closest_county("SANTA CLAR", {"SANTA CLARA": 1}) == "SANTA CLARA"
    assert closest_county("ZZZZ", {"KERN": 1}) is None
    held = county_warning("LOS ANGELES", RunCounts(by_county={"Los Angeles": 4}, addressed={}))
    assert held is not None and "another case or spacing" in held.message
    assert county_warning("KERN", RunCounts(by_county={"KERN": 1}, addressed={})) is None


def _addressed(**by_county: dict[tuple[str, str], int]) -> dict[tuple[str, str, str], int]:
    return {(c, o, r): n for c, table in by_county.items() for (o, r), n in table.items()}


def test_policy_county_share() -> None:
    la = {("dismiss_and_seal", "now_lawful"): 9}
    kern = {("not_applicable", "outside_county"): 91}
    counts = RunCounts(by_county={}, addressed=_addressed(**{"LOS ANGELES": la, "KERN": kern}))
    found = policy_county_warning("los-angeles-2020", "LOS ANGELES", None, counts)
    assert found is not None and "only 9 of the 100" in found.message
    assert "KERN 91, LOS ANGELES 9" in found.message
    more = {("dismiss_and_seal", "now_lawful"): 10}  # 10 of 100: enough
    kern = {("not_applicable", "outside_county"): 90}
    counts = RunCounts(by_county={}, addressed=_addressed(**{"LOS ANGELES": more, "KERN": kern}))
    assert policy_county_warning("los-angeles-2020", "LOS ANGELES", None, counts) is None
    # With a county scope, the share is of what the scope decides.
    scoped = policy_county_warning("los-angeles-2020", "LOS ANGELES", "KERN", counts)
    assert scoped is not None and "in the run's county scope KERN" in scoped.message
    assert policy_county_warning("statute", "", None, counts) is None


def test_relief_rate_floor_and_causes() -> None:
    table = {
        ("dismiss_and_seal", "now_lawful"): 9,
        ("not_eligible", "post_act_offence"): 6,
        ("review", "attempt"): 4,
        ("no_relief", "same_penalty_now"): 1,
    }
    counts = RunCounts(by_county={}, addressed=_addressed(KERN=table), rows_in=50, rows_rejected=5)
    found = relief_warning("statute", counts)
    assert found is not None
    assert "relieves 9 of the 20 convictions HS 11361.8 addresses (45 %)" in found.message
    assert found.message.endswith(
        "Not relieved: 6 post-Act convictions (offence on or after 9 November 2016); 4 need "
        "review; 1 no relief: the penalty is the same today; besides, 5 of 50 input rows (10 %) "
        "were rejected (rejects.csv) and are in none of these figures"
    )
    table[("dismiss_and_seal", "now_lawful")] = 11  # 11 of 22: half relieved
    assert relief_warning("statute", RunCounts(by_county={}, addressed=_addressed(KERN=table))) is (
        None
    )
    small = {("review", "attempt"): 19}  # too few to speak of a rate
    assert relief_warning("statute", RunCounts(by_county={}, addressed=_addressed(KERN=small))) is (
        None
    )


def test_policy_county_comes_from_its_parameters(tmp_path: Path) -> None:
    assert policy_county(load_program_set("statute")) == ""
    assert policy_county(load_program_set("los-angeles-2020")) == "LOS ANGELES"
    assert policy_county(load_program_set("configurable")) == ""
    toml = tmp_path / "kern.toml"
    toml.write_text('policy = "los-angeles-2020"\n[params]\ncounty = "KERN"\n', encoding="utf-8")
    assert policy_county(load_program_set(str(toml))) == "KERN"


def test_run_warnings_in_order() -> None:
    scoped_out = ("KERN", "not_applicable", "outside_county")
    counts = RunCounts(by_county={"KERN": 30}, addressed={scoped_out: 30})
    found = run_warnings(
        as_of=dt.date(2030, 1, 1),
        today=TODAY,
        county="KERNN",
        programs=load_program_set("los-angeles-2020"),
        counts=counts,
    )
    assert [w.code for w in found] == [
        "as_of_in_future",
        "county_matches_nothing",
        "relief_rate_low",  # no policy county warning: the scope holds nothing to share
    ]
    assert "did you mean KERN?" in found[1].message
    unscoped = run_warnings(
        as_of=dt.date(2020, 1, 1),
        today=TODAY,
        county=None,
        programs=load_program_set("los-angeles-2020"),
        counts=counts,
    )
    assert [w.code for w in unscoped] == ["policy_county_mismatch", "relief_rate_low"]


def test_compare_names_the_policy_of_each_warning(tmp_path: Path) -> None:
    output = _run(tmp_path / "cmp", "--as-of", "2020-07-01", "--compare", "statute,sacramento-2019")
    assert "warning (sacramento-2019): the policy sacramento-2019 covers SACRAMENTO" in output
    assert "warning (statute)" not in output
    assert _codes(tmp_path / "cmp" / "sacramento-2019")[0] == "policy_county_mismatch"


# --- A hand-written .lp input names settings the run does not apply --------------------------
CASE = """% name: a case that names its own settings
as_of(20240101). policy(los_angeles_2020). scope_county("LOS ANGELES").
reviewer_note("p:c1", "checked").
person("p"). birth("p", 19700101).
case("p:k1", "p", "LOS ANGELES", "CASC LOS ANGELES").
conviction("p:c1", "p", "p:k1"). disposition_date("p:c1", 20100101).
charge("p:c1", hs, "11357", ("a",)). level("p:c1", misdemeanor).
"""


def test_an_lp_input_s_own_settings_are_named_when_the_run_differs(tmp_path: Path) -> None:
    """A run decides under its own options only; a case file's as_of, policy, scope and
    reviewer facts (which check and explain apply) would otherwise be dropped silently."""
    case = tmp_path / "case.lp"
    case.write_text(CASE, encoding="utf-8")
    output = _run(tmp_path / "run", str(case), "--as-of", "2020-07-01")
    assert "warning: case.lp names as_of(20240101) (the run: --as-of 2020-07-01); " in output
    assert "policy(los_angeles_2020) (the run: --policy statute)" in output
    assert 'scope_county("LOS ANGELES") (the run: no --county)' in output
    assert "1 policy parameter or reviewer fact(s): a run decides every input" in output
    assert "lp_settings_not_applied" in _codes(tmp_path / "run")
    same = tmp_path / "same.lp"
    same.write_text(CASE.replace('reviewer_note("p:c1", "checked").\n', ""), encoding="utf-8")
    _run(tmp_path / "run2", str(same), "--as-of", "2024-01-01", "--policy", "los-angeles-2020",
         "--county", "LOS ANGELES")  # fmt: skip
    assert "lp_settings_not_applied" not in _codes(tmp_path / "run2")
