"""Run ``cmr-reason`` in-process for tests: the bulk run, and adding the workbench's users."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cmr_reason.cli.app import app

AS_OF = "2020-07-01"
runner = CliRunner()


def run_cli(out: Path, *extra: str) -> None:
    """Run the bulk run into ``out`` (quiet) and fail the test on a non-zero exit."""
    result = runner.invoke(app, ["run", "--as-of", AS_OF, "--out", str(out), "-q", *extra])
    assert result.exit_code == 0, result.output


#: The workbench's users of the tests, and their passwords.
PASSWORD = {"rita": "reviewer-pass-1", "sue": "supervisor-pass-1"}
ROLE = {"rita": "reviewer", "sue": "supervisor"}


def add_users(folder: Path, names: tuple[str, ...] = ("sue", "rita")) -> None:
    """Add the named users (``cmr-reason users add``) to a run or workspace, in that order."""
    for name in names:
        result = runner.invoke(
            app, ["users", "add", name, str(folder), "--role", ROLE[name], "--password-stdin"],
            input=PASSWORD[name] + "\n",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
