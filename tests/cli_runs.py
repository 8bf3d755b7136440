"""Run ``cmr-reason run`` in-process for tests."""

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
