"""Render justification trees: a rich tree for the terminal, Markdown, and JSON.

Every data string is escaped before it reaches rich markup, so charge text such as
``11357(B) HS-[...]`` is shown as written.
"""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape
from rich.tree import Tree

from cmr_reason.reasoner.engine.vocabulary import vocabulary
from cmr_reason.reasoner.explain.justification import outcome_label

# The colour of an outcome by its kind (``outcome/3`` in ``programs/core/vocabulary.lp``).
KIND_STYLES = {
    "relief": "bold green",
    "no_relief": "bold yellow",
    "not_eligible": "bold red",
    "review": "bold magenta",
    "not_applicable": "dim",
}


def outcome_style(outcome: str) -> str:
    """The rich style of an outcome code."""
    return KIND_STYLES.get(vocabulary().kinds.get(outcome, ""), "bold")


def _facts_line(node: dict[str, Any]) -> str:
    parts = []
    for fact in node.get("facts", []):
        text = f"{fact['name']} = {fact['value']}"
        if fact["source"]:
            text += f" [{fact['source']}]"
        parts.append(text)
    return "; ".join(parts)


def _rule_label(node: dict[str, Any]) -> str:
    return (
        f"{escape(node['text'])} [dim]({escape(node['citation'])}; rule "
        f"{escape(node['rule_id'])})[/]"
    )


def _add_rule(parent: Tree, node: dict[str, Any], prefix: str = "") -> Tree:
    branch = parent.add(prefix + _rule_label(node))
    facts = _facts_line(node)
    if facts:
        branch.add(f"[dim]facts: {escape(facts)}[/]")
    return branch


NO_CANDIDATES = (
    "none reached: the rules stop at this question, so a reviewer decides from the record"
)


def candidates_text(tree: dict[str, Any]) -> str:
    """A review's candidate outcomes in words ("" when the decision is not a review)."""
    if tree["outcome"] != "review":
        return ""
    labels = [outcome_label(o) for o in tree.get("candidates", [])]
    return "; ".join(labels) if labels else NO_CANDIDATES


def _add_review_and_standard(root: Tree, tree: dict[str, Any]) -> None:
    """What a reviewing attorney needs beside the deciding rule: candidates, rows, standard."""
    candidates = candidates_text(tree)
    if candidates:
        root.add(f"[bold]candidate outcomes:[/] {escape(candidates)}")
    if tree.get("conflicting_rows"):
        rows = "; ".join(tree["conflicting_rows"])
        root.add(f"[bold]input rows to compare:[/] {escape(rows)}")
    found = tree.get("standard")
    if found:
        root.add(
            f"[bold]standard:[/] {escape(found['text'])} [dim]({escape(found['citation'])})[/]"
        )


def conviction_tree(tree: dict[str, Any]) -> Tree:
    """A rich tree for one conviction's justification."""
    style = outcome_style(tree["outcome"])
    head = (
        f"[bold]{escape(tree['charge'] or tree['raw_charge'] or '?')}[/] "
        f"{escape(tree['level'])}, {escape(tree['disposition_date'] or 'date unknown')} "
        f"[dim]({escape(tree['conviction_id'])}, {escape(tree['source'])})[/]\n"
        f"[{style}]{escape(outcome_label(tree['outcome']))}[/] - {escape(tree['reason_text'])}"
    )
    root = Tree(head)
    if tree["rule"]:
        _add_rule(root, tree["rule"])
    _add_review_and_standard(root, tree)
    stat = tree["statutory"]
    if stat["outcome"] and stat["outcome"] != tree["outcome"]:
        node = root.add(
            f"Under the statute alone: [bold]{escape(outcome_label(stat['outcome']))}[/] - "
            f"{escape(stat['reason_text'])}"
        )
        if stat["rule"]:
            _add_rule(node, stat["rule"])
    if tree["because"]:
        because = root.add("because")
        for node in tree["because"]:
            _add_rule(because, node)
    if tree["checked_absent"]:
        absent = root.add("checked and absent")
        for text in tree["checked_absent"]:
            absent.add(escape(text))
    if tree["set_aside"]:
        aside = root.add("set aside by precedence")
        for node in tree["set_aside"]:
            _add_rule(aside, node, f"{escape(outcome_label(node['outcome']))}: ")
    for alt in tree["alternatives"]:
        node = root.add(
            f"[italic]If {escape(alt['if'])}: {escape(outcome_label(alt['outcome']))}[/]"
        )
        if alt["rule"]:
            _add_rule(node, alt["rule"])
    if tree["flags"]:
        flags = root.add("flags")
        for flag in tree["flags"]:
            flags.add(f"{escape(flag['flag'])}: {escape(flag['text'])}")
    return root


def brief_row(tree: dict[str, Any]) -> dict[str, str]:
    """One conviction in a line's worth of fields: what ``explain --brief`` shows."""
    alternatives = [f"if {a['if']}: {outcome_label(a['outcome']).lower()}" for a in
                    tree["alternatives"]]  # fmt: skip
    if tree["outcome"] == "review" and tree.get("candidates"):
        labels = ", ".join(outcome_label(o).lower() for o in tree["candidates"])
        alternatives.append(f"candidates: {labels}")
    if tree.get("conflicting_rows"):
        alternatives.append(f"rows: {'; '.join(tree['conflicting_rows'])}")
    return {
        "conviction_id": tree["conviction_id"],
        "date": tree["disposition_date"] or "date unknown",
        "charge": tree["charge"] or tree["raw_charge"] or "?",
        "level": tree["level"] or "level unknown",
        "outcome": tree["outcome"],
        "reason": tree["reason_text"],
        "reason_code": tree["reason"],
        "rule": tree["rule"]["rule_id"] if tree["rule"] else "",
        "alternative": " | ".join(alternatives),
    }


def brief_line(row: dict[str, str], markup: bool = True) -> str:
    """``id  date  charge level  Outcome - reason  (alternative)``; rich markup if ``markup``.

    Data strings are escaped before they reach rich markup.
    """
    text = escape if markup else str
    label = outcome_label(row["outcome"])
    outcome = f"[{outcome_style(row['outcome'])}]{escape(label)}[/]" if markup else label
    line = (
        f"{text(row['conviction_id'])}  {text(row['date'])}  {text(row['charge'])} "
        f"{text(row['level'])}  {outcome} - {text(row['reason'])}"
    )
    if row["alternative"]:
        alternative = f"({text(row['alternative'])})"
        line += f"  [dim]{alternative}[/]" if markup else f"  {alternative}"
    return line


def person_markdown(report: dict[str, Any]) -> str:
    """A review packet for one person in Markdown."""
    lines = [
        f"# Person {report['subject_id']}",
        "",
        f"As of {report['as_of']}, policy `{report['policy']}`.",
        "",
    ]
    for tree in report["convictions"]:
        lines.append(
            f"## {tree['charge'] or tree['raw_charge']} ({tree['level'] or 'level unknown'}), "
            f"{tree['disposition_date'] or 'date unknown'}"
        )
        lines.append("")
        lines.append(f"- Conviction `{tree['conviction_id']}` ({tree['source']})")
        lines.append(
            f"- **{outcome_label(tree['outcome'])}** ({tree['reason']}): {tree['reason_text']}"
        )
        if tree["rule"]:
            rule = tree["rule"]
            lines.append(f"- Rule `{rule['rule_id']}` ({rule['citation']}): {rule['text']}")
        candidates = candidates_text(tree)
        if candidates:
            lines.append(f"- Candidate outcomes: {candidates}")
        if tree.get("conflicting_rows"):
            lines.append(f"- Input rows to compare: {'; '.join(tree['conflicting_rows'])}")
        if tree.get("standard"):
            found = tree["standard"]
            lines.append(f"- Standard ({found['citation']}): {found['text']}")
        stat = tree["statutory"]
        if stat["outcome"] != tree["outcome"]:
            lines.append(f"- Under the statute alone: {outcome_label(stat['outcome'])}")
        for node in tree["because"]:
            lines.append(f"  - because `{node['rule_id']}` ({node['citation']}): {node['text']}")
        for text in tree["checked_absent"]:
            lines.append(f"  - checked and absent: {text}")
        for node in tree["set_aside"]:
            lines.append(f"  - set aside: {outcome_label(node['outcome'])} (`{node['rule_id']}`)")
        for alt in tree["alternatives"]:
            lines.append(f"- If {alt['if']}: {outcome_label(alt['outcome'])}")
        for flag in tree["flags"]:
            lines.append(f"- Flag `{flag['flag']}`: {flag['text']}")
        lines.append("")
    return "\n".join(lines)


def person_json(report: dict[str, Any]) -> str:
    """The person's report as JSON (stable key order)."""
    return json.dumps(report, indent=2, ensure_ascii=False)
