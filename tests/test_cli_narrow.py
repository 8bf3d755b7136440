"""Terminal output that fits 80 columns: records stacked instead of squeezed tables (#19)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

META = Path(__file__).parent / "meta"


def cli(*args: str, columns: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run(
        [sys.executable, "-c", "from cmr_reason.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.parametrize(
    "args", [("rules",), ("policies",), ("rules", "--policy", "los-angeles-2020")]
)
def test_fits_80_columns_and_keeps_ids_whole(args):
    result = cli(*args, columns=80)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert not any(ch in result.stdout for ch in "┃│┏")  # stacked, not a squeezed table
    if args[0] == "rules":
        # every rule id stands whole on a line of its own
        ids = [line for line in lines if line.startswith(("p64.", "la2020.", "scope."))]
        assert ids and all(" " not in line.rstrip() for line in ids)


def test_wide_terminal_keeps_the_table():
    result = cli("rules", columns=160)
    assert result.returncode == 0, result.stderr
    assert "┃ id" in result.stdout


def test_check_says_all_cases_pass(tmp_path):
    # Cases that hold, not the legal cases (those run once, as test items: conftest.py).
    for name in ("a.lp", "b.lp", "c.lp"):
        shutil.copy(META / "passes_on_purpose.lp", tmp_path / name)
    result = cli("check", str(tmp_path), columns=80)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "all 3 cases pass"


def test_check_failure_fits_and_names_the_conviction():
    result = cli("check", str(META / "fails_on_purpose.lp"), columns=80)
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "m:c" in result.stdout
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80


def test_compare_fits_80_columns_and_keeps_ids_whole():
    case = Path(__file__).parent / "cases" / "prop64" / "sale_transport_21__felony_not_a_gift.lp"
    policies = "statute,los-angeles-2020,san-francisco-2019"
    result = cli("explain", "p", "-i", str(case), "--compare", policies, columns=80)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert not any(ch in result.stdout for ch in "┃│┏")
    assert "p:c1" in [line.rstrip() for line in lines]  # the id heads its record, whole
    assert any(line.strip().startswith("san-francisco-2019:") for line in lines)


def test_explain_of_a_run_folder_decides_as_the_run_and_names_the_person(tmp_path):
    from cli_runs import run_cli
    from doj_builder import court, write

    # HS 11360(a) felony, 1999: the statute redesignates it (HS 11361.8(e)); Los Angeles
    # 2020 dismisses it for a person 50 or older (HS 11361.9(b), the office's motion).
    doj = write(tmp_path / "doj.csv", [
        court("001002001000", "19990729", charge="11360(A) HS-SELL/ETC MARIJUANA",
              OFFENSE_TOC="F", CONV_STAT_DESCR="FELONY", STP_ORI_CNTY_NAME="LOS ANGELES"),
    ])  # fmt: skip
    out = tmp_path / "run"
    run_cli(out, str(doj), "--policy", "los-angeles-2020")
    result = cli("explain", "1001", "-i", str(out), "--brief", columns=120)
    assert result.returncode == 0, result.stderr
    head = result.stdout.splitlines()[0]
    assert head.startswith("Person 1001 (TESTPERSON,ALEX Q) - as of 2020-07-01")
    assert "policy los-angeles-2020" in head
    assert "Dismiss and seal" in result.stdout
    # The input file alone decides under the statute: the run folder is what carries the policy.
    alone = cli("explain", "1001", "-i", str(doj), "--as-of", "2020-07-01", "--brief", columns=120)
    assert "Redesignate as a misdemeanor" in alone.stdout
    refused = cli("explain", "1001", "-i", str(out), "--policy", "statute", columns=120)
    assert refused.returncode == 2
    assert "decided under 'los-angeles-2020'" in refused.stderr
    missing = cli("explain", "9999", "-i", str(out), columns=120)
    assert missing.returncode == 2 and "no person '9999'" in missing.stderr
