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
