"""Generate ``docs/rules.md``: the rule catalogue, grouped by program file."""

from __future__ import annotations

from itertools import groupby

from cmr_reason.reasoner.engine.catalogue import Catalogue


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown(catalogue: Catalogue, policy_name: str) -> str:
    """The catalogue as Markdown: one table per program file."""
    lines = [
        "# Rule catalogue",
        "",
        "Generated from the `rule(Id, Citation, Template)` facts in `programs/` by "
        f"`cmr-reason rules --markdown` (policy `{policy_name}`). Do not edit by hand: "
        "`tests/test_catalogue.py` fails when this file is stale.",
        "",
        "Each rule id is stable and never reused. `{slots}` in a template are filled from the "
        "facts the rule used. Rank orders competing outcomes (lower wins); explanatory rules "
        "have none.",
        "",
    ]
    entries = sorted(catalogue.rules.values(), key=lambda e: (e.program, e.rule_id))
    for program, group in groupby(entries, key=lambda e: e.program):
        lines += [
            f"## `programs/{program}`",
            "",
            "| id | citation | rule | rank |",
            "|---|---|---|---|",
        ]
        for e in group:
            rank = "" if e.rank is None else str(e.rank)
            lines.append(f"| `{e.rule_id}` | {_cell(e.citation)} | {_cell(e.template)} | {rank} |")
        lines.append("")
    if catalogue.retired:
        lines += [
            "## Retired rule ids",
            "",
            "Ids no rule carries any more. They never fire and are never reused "
            "(`retired_rule/2`; a test and `internal_error/2` enforce both).",
            "",
            "| id | why |",
            "|---|---|",
        ]
        lines += [f"| `{rid}` | {_cell(why)} |" for rid, why in sorted(catalogue.retired.items())]
        lines.append("")
    return "\n".join(lines)
