"""Generate ``docs/cli.md`` from the commands' own ``--help`` (kept current by a test)."""

from __future__ import annotations

from unittest import mock

import typer
from typer.main import get_command
from typer.testing import CliRunner

from cmr_reason.cli.app import app

WIDTH = "100"


def command_names() -> list[str]:
    """Every top-level command and sub-command path, sorted."""
    group = get_command(app)
    names: list[str] = []
    for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
        names.append(name)
        for sub in sorted(getattr(command, "commands", {}) or {}):
            names.append(f"{name} {sub}")
    return names


def help_text(path: str) -> str:
    """The plain ``--help`` of one command."""
    env = {"COLUMNS": WIDTH, "NO_COLOR": "1", "TERM": "dumb"}
    # Plain (click-style) help: stable across rich versions, unlike the boxed layout.
    with mock.patch("typer.core.HAS_RICH", False):
        result = CliRunner().invoke(app, [*path.split(), "--help"], env=env)
    if result.exit_code != 0:
        raise typer.Exit(1)
    return "\n".join(line.rstrip() for line in result.output.strip().splitlines())


def cli_markdown() -> str:
    """The whole command reference as Markdown."""
    lines = [
        "# Command reference",
        "",
        "Generated from each command's `--help` by `python -m cmr_reason.cli.cli_doc > "
        "docs/cli.md`; `tests/test_cli_doc.py` fails when it is stale.",
        "",
        "Exit status: 0 success; 1 `check` found failing cases; 2 a user error (one line on "
        "stderr, never a traceback), or a worker, range reader or batch process of `run` or "
        "`file` that ended without its result (killed, say out of memory, failing as it "
        "started, or refused by the system: the line names it and how it ended; nothing is "
        "written); 3 the rules "
        "reported an internal error or a filing's "
        "counts disagree with the run; 4 outputs or temporary files could not be written; 5 "
        "`run` rejected too many input rows (outputs written; `--accept-rejects` accepts them).",
        "",
    ]
    for name in command_names():
        lines += [f"## `cmr-reason {name}`", "", "```", help_text(name), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(cli_markdown(), end="")
