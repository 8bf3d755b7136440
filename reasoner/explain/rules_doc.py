"""Generate ``docs/rules.md``: the rule catalogue, by remedy, then by program file."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from cmr_reason.reasoner.engine.catalogue import Catalogue, RuleEntry
from cmr_reason.reasoner.engine.remedies import PROP64, remedy_vocabulary, rule_remedy


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_by_remedy(catalogue: Catalogue, codes: Iterable[str]) -> dict[str, list[RuleEntry]]:
    """The catalogued rules of each remedy in ``codes``, sorted by program file and id.

    Prop 64's rules are those of every file a run loads (the core and the policy included);
    a remedy's are those of its own files (``remedy_program/2``).
    """
    wanted = tuple(codes)
    grouped: dict[str, list[RuleEntry]] = {code: [] for code in wanted}
    for entry in sorted(catalogue.rules.values(), key=lambda e: (e.program, e.rule_id)):
        code = rule_remedy(entry.program, entry.rule_id)
        if code in grouped:
            grouped[code].append(entry)
    return grouped


def _tables(entries: list[RuleEntry], level: str) -> list[str]:
    """One table a program file, under a heading of ``level`` (``##``)."""
    lines: list[str] = []
    for program, group in groupby(entries, key=lambda e: e.program):
        lines += [
            f"{level} `programs/{program}`",
            "",
            "| id | citation | rule | rank |",
            "|---|---|---|---|",
        ]
        for e in group:
            rank = "" if e.rank is None else str(e.rank)
            lines.append(f"| `{e.rule_id}` | {_cell(e.citation)} | {_cell(e.template)} | {rank} |")
        lines.append("")
    return lines


def rules_markdown(catalogue: Catalogue, policy_name: str, codes: Iterable[str] = (PROP64,)) -> str:
    """The catalogue as Markdown: Prop 64's tables, then each other remedy's under its heading.

    ``codes`` are the remedies to show (vocabulary order); the catalogue must have been read
    from a program set that loads them.
    """
    grouped = rules_by_remedy(catalogue, codes)
    others = [code for code in grouped if code != PROP64]
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
    if others:
        lines += [
            "First the rules of Proposition 64 (with the core and the policy every run loads), "
            "then the rules of each remedy beside it (`cmr-reason rules --remedy`, "
            "`docs/remedies.md`), under its own heading.",
            "",
        ]
    lines += _tables(grouped.get(PROP64, []), "##")
    vocab = remedy_vocabulary()
    for code in others:
        remedy = vocab.by_code(code)
        lines += [
            f"## {remedy.citation}: {remedy.title}",
            "",
            f"Loaded only for a run with `--remedy {remedy.name}` (or `all`). A rank here orders "
            "this remedy's own outcomes (lower wins); it never competes with Prop 64's or "
            "another remedy's.",
            "",
        ]
        lines += _tables(grouped[code], "###")
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
