"""Shared test set-up: the Hypothesis profile and the collector of legal edge cases.

Every ``tests/cases/**/*.lp`` file is one test item (docs/adding-rules.md "Legal cases are
fact files"): ``-k`` matches its path and its ``% name:`` line; a failure shows expected
against actual per conviction and the rules that fired.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from case_results import case_result
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from cmr_reason.reasoner.engine.case_runner import CaseResult, failure_report

# What Hypothesis caches (of the code's constants, of Unicode) goes to a temporary folder.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "cmr-reason-hypothesis")
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,  # derandomized: no examples to remember
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")

CASES_DIR = Path(__file__).parent / "cases"
#: The browser tests' fixtures (``browser``, ``shots``): tests/browser.py.
pytest_plugins = ("browser",)


class CaseFailed(Exception):
    """A legal edge case did not hold."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__(failure_report(result))
        self.result = result


class CaseItem(pytest.Item):
    """One legal edge case file."""

    def __init__(self, *, name: str, parent: pytest.Collector, case_name: str) -> None:
        super().__init__(name=name, parent=parent)
        self.case_name = case_name
        self.add_marker(pytest.mark.legal_case)
        self.keywords[case_name] = True

    def runtest(self) -> None:
        result = case_result(self.path)
        if not result.passed:
            raise CaseFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.case_name}"


class CaseFile(pytest.File):
    """A ``.lp`` file under ``tests/cases``."""

    def collect(self):
        name = ""
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("% name:"):
                name = line.split(":", 1)[1].strip()
                break
        yield CaseItem.from_parent(self, name=self.path.stem, case_name=name)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".lp" and CASES_DIR in file_path.parents:
        return CaseFile.from_parent(parent, path=file_path)
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "legal_case: a legal edge case from tests/cases")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/*.txt from the output"
    )
