"""Every legal edge case, run once per test session: by its test item and by the meta-tests.

The collector of ``conftest.py`` runs each case through :func:`case_result`, and the tests
that look at every result (rule coverage, invariance, policies) read the same results.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from cmr_reason.reasoner.engine.case_runner import CaseResult, case_files, run_case

CASES = Path(__file__).parent / "cases"


@cache
def case_result(path: Path) -> CaseResult:
    """The result of one case, run the first time it is asked for."""
    return run_case(path)


def all_case_results() -> tuple[CaseResult, ...]:
    """Results of every case under ``tests/cases``."""
    return tuple(case_result(path) for path in case_files([CASES]))


def case_results_under(folder: Path) -> tuple[CaseResult, ...]:
    """The cached results of the cases in one folder."""
    return tuple(r for r in all_case_results() if folder in r.path.parents)
