"""The explanation of a decision under a remedy beside Proposition 64, from its firings.

The remedy programs derive, for an explanation (``programs/views/remedies_full.lp``), which
conditions held, which failed or wait for a date, which the record cannot show
(``remedy_check/3``), which version of each dated rule was used (``remedy_version/3``) and
the dates the eligibility date is the latest of (``remedy_date/3``). This module arranges
them into a tree and renders it (rich, Markdown, one line); it decides nothing.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.tree import Tree

from cmr_reason.facts.history import History
from cmr_reason.reasoner.engine.catalogue import Catalogue
from cmr_reason.reasoner.engine.decision import Firing
from cmr_reason.reasoner.engine.remedies import fact_text, remedy_vocabulary
from cmr_reason.reasoner.engine.remedy_decision import RemedyDecision, remedy_decisions
from cmr_reason.reasoner.engine.solver import SolveResult
from cmr_reason.reasoner.explain.justification import Record, iso, rule_node

STATUS_WORDS = {
    "held": "conditions that hold",
    "pending": "conditions that will hold on their date",
    "not_in_record": "conditions the record does not carry (DOJ checks them)",
    "reviewer": "for a reviewer or the court to decide",
}
CHECK_KEYS = tuple(STATUS_WORDS)
OUTCOME_STYLE = {
    "eligible": "green",
    "dismiss": "green",
    "reduce": "green",
    "redesignate": "green",
    "petition_discretionary": "magenta",
    "eligible_on": "cyan",
    "candidate": "yellow",
    "blocked_by_record": "yellow",
    "not_eligible": "red",
    "not_applicable": "dim",
}


def _day(value: int | None) -> str:
    return iso(value) if value is not None else ""


def _status(firing: Firing) -> str:
    return str(firing.conclusion[3]) if isinstance(firing.conclusion, tuple) else ""


def remedy_tree(
    dec: RemedyDecision, catalogue: Catalogue, history: History | None = None
) -> dict[str, Any]:
    """The justification tree of one remedy decision, as JSON-ready data."""
    record = Record(history)
    cid = dec.conviction_id
    conv = record.conviction(cid)
    deciding = dec.deciding
    checks: dict[str, list[dict[str, Any]]] = {key: [] for key in CHECK_KEYS}
    versions, dates, set_aside = [], [], []
    for firing in dec.firings:
        node = rule_node(firing, cid, catalogue, record)
        if firing.kind == "remedy_check":
            checks.setdefault(_status(firing), []).append(node)
        elif firing.kind == "remedy_version":
            versions.append(node)
        elif firing.kind == "remedy_date":
            dates.append(node)
        elif firing is not deciding:
            set_aside.append(node)
    vocab = remedy_vocabulary()
    return {
        "remedy": vocab.by_code(dec.remedy).name,
        "citation": vocab.by_code(dec.remedy).citation,
        "conviction_id": cid,
        "charge": conv.charge.code_section() if conv else "",
        "level": conv.level.value if conv and conv.level else "",
        "disposition_date": conv.disposition_date.isoformat()
        if conv and conv.disposition_date
        else "",
        "outcome": dec.outcome,
        "outcome_label": vocab.label(dec.outcome),
        "reason": dec.reason,
        "rule": rule_node(deciding, cid, catalogue, record) if deciding else None,
        "eligible_on": _day(dec.eligible_on),
        "objection_deadline": _day(dec.objection_deadline),
        "held": checks["held"],
        "pending": checks["pending"],
        "not_in_record": checks["not_in_record"],
        "reviewer": checks["reviewer"],
        "missing": [fact_text(dec.remedy, f) for f in dec.missing_facts],
        "stays_true": [fact_text(dec.remedy, c) for c in dec.stays_true],
        "versions": versions,
        "dates": dates,
        "dates_title": _dates_title(dec.outcome),
        "set_aside": set_aside,
        "flags": [fact_text(dec.remedy, f) for f in dec.flags],
        "reviewer_decides": [fact_text(dec.remedy, q) for q in dec.reviewer_decides],
    }


def _line(node: dict[str, Any]) -> str:
    return f"{escape(node['text'])} [dim]({escape(node['rule_id'])}; {escape(node['citation'])})[/]"


def remedy_rich_tree(tree: dict[str, Any]) -> Tree:
    """A rich tree: the outcome, the deciding rule, then every condition by status."""
    style = OUTCOME_STYLE.get(tree["outcome"], "bold")
    head = (
        f"[bold]{escape(tree['charge'] or '?')}[/] {escape(tree['level'])}, "
        f"{escape(tree['disposition_date'] or 'date unknown')} "
        f"[dim]({escape(tree['conviction_id'])})[/]\n"
        f"{escape(tree['remedy'])}: [{style}]{escape(tree['outcome_label'])}[/] - "
        f"{escape(tree['reason'].replace('_', ' '))}"
    )
    root = Tree(head)
    if tree["rule"]:
        root.add(f"[bold]because[/] {_line(tree['rule'])}")
    if tree["eligible_on"]:
        deadline = tree["objection_deadline"]
        root.add(
            f"eligible on [bold]{tree['eligible_on']}[/]"
            + (f"; objection deadline [bold]{deadline}[/]" if deadline else "")
        )
    for key, title in (
        ("missing", "the record does not show"),
        ("stays_true", "must stay true until then"),
    ):
        if tree[key]:
            branch = root.add(title)
            for text in tree[key]:
                branch.add(escape(text))
    for key in CHECK_KEYS:
        if tree[key]:
            branch = root.add(STATUS_WORDS[key])
            for node in tree[key]:
                branch.add(_line(node))
    if tree["dates"]:
        branch = root.add(tree["dates_title"])
        for node in tree["dates"]:
            branch.add(_line(node))
    for node in tree["versions"]:
        root.add(f"version: {_line(node)}")
    for node in tree["set_aside"]:
        root.add(f"[dim]outranked: {escape(node['text'])} ({escape(node['rule_id'])})[/]")
    for text in tree["flags"]:
        root.add(f"[dim]note: {escape(text)}[/]")
    return root


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _dates_title(outcome: str) -> str:
    """The dates' heading: the date of eligibility, or, when none, the dates relief waits for."""
    if remedy_vocabulary().kinds.get(outcome) in ("relief", "relief_later"):
        return "the date of eligibility"
    return "dates relief would also wait for"


def remedy_markdown(tree: dict[str, Any]) -> list[str]:
    """The remedy decision as Markdown lines."""
    lines = [
        f"#### {tree['remedy']}: {tree['outcome_label']} ({tree['reason']})",
        "",
    ]
    if tree["rule"]:
        lines.append(f"- Because: {tree['rule']['text']} ({tree['rule']['citation']})")
    if tree["eligible_on"]:
        deadline = tree["objection_deadline"]
        lines.append(
            f"- Eligible on {tree['eligible_on']}"
            + (f"; objection deadline {deadline}" if deadline else "")
        )
    for text in tree["missing"]:
        lines.append(f"- The record does not show: {text}")
    for text in tree["stays_true"]:
        lines.append(f"- Must stay true: {text}")
    for key in CHECK_KEYS:
        for node in tree[key]:
            lines.append(f"- {_capital(STATUS_WORDS[key])}: {node['text']}")
    for node in tree["dates"]:
        lines.append(f"- {_capital(tree['dates_title'])}: {node['text']}")
    for node in tree["versions"]:
        lines.append(f"- {node['text']}")
    lines.append("")
    return lines


def remedy_brief(tree: dict[str, Any]) -> str:
    """``id  date  charge level  remedy: Outcome - reason  (date)``: one line, plain text."""
    when = ""
    if tree["eligible_on"]:
        deadline = tree["objection_deadline"]
        when = f" (on {tree['eligible_on']}" + (f", object by {deadline})" if deadline else ")")
    return (
        f"{tree['conviction_id']}  {tree['disposition_date'] or 'date unknown'}  "
        f"{tree['charge'] or '?'} {tree['level']}  {tree['remedy']}: {tree['outcome_label']} - "
        f"{tree['reason'].replace('_', ' ')}{when}"
    )


def remedy_report(
    history: History, solved: SolveResult, catalogue: Catalogue
) -> dict[str, list[dict[str, Any]]]:
    """Each remedy's trees of the person's convictions, in the record's order."""
    report: dict[str, list[dict[str, Any]]] = {}
    for code, by_cid in sorted(remedy_decisions(solved).items()):
        report[code.replace("_", ".")] = [
            remedy_tree(by_cid[c.conviction_id], catalogue, history)
            for c in history.convictions
            if c.conviction_id in by_cid
        ]
    return report
