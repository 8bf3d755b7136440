"""Every legal edge case, run once per test session and shared by the meta-tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from cmr_reason.reasoner.engine.case_runner import CaseResult, case_files, run_case

CASES = Path(__file__).parent / "cases"


@cache
def all_case_results() -> tuple[CaseResult, ...]:
    """Results of every case under ``tests/cases``."""
    return tuple(run_case(path) for path in case_files([CASES]))


def case_results_under(folder: Path) -> tuple[CaseResult, ...]:
    """The cached results of the cases in one folder."""
    return tuple(r for r in all_case_results() if folder in r.path.parents)
