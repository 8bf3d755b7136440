"""docs/cli.md is generated from the commands' help and must be current.

docs/adding-rules.md "Generated pages are current".
"""

from __future__ import annotations

from pathlib import Path

from cmr_reason.cli.cli_doc import cli_markdown, command_names

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_cli_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == cli_markdown(), (
        "docs/cli.md is stale: run `python -m cmr_reason.cli.cli_doc > docs/cli.md`"
    )


def test_every_command_has_help_text() -> None:
    names = command_names()
    assert {"run", "explain", "check", "rules", "policies", "facts", "synth"} <= set(names)
    text = cli_markdown()
    for name in names:
        section = text.split(f"## `cmr-reason {name}`", 1)[1].split("## ", 1)[0]
        assert "Usage:" in section, name
        assert len(section.splitlines()) > 6, f"{name} has no help text"
