"""A person's whole picture: every remedy side by side, conviction by conviction.

For each conviction, the decision under Proposition 64 and under every remedy beside it,
what each would take (the outcome's few words from ``outcome_takes/2``, then the date, the
facts the record lacks and the questions for a reviewer), and the best relief among them,
the lowest ``relief_rank/2`` (``programs/core/vocabulary.lp``). It arranges what the programs
decided; it decides nothing (``explain PERSON --remedy all``, the workbench's person page).
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from cmr_reason.reasoner.engine.remedies import PROP64, remedy_vocabulary
from cmr_reason.reasoner.explain.justification import outcome_label


def _takes(outcome: str, tree: dict[str, Any]) -> str:
    """What the outcome takes: its words, then the date, the missing facts, the questions."""
    parts = [remedy_vocabulary().takes.get(outcome, "")]
    if tree.get("eligible_on"):
        parts.append(f"on {tree['eligible_on']}")
    if tree.get("missing") and outcome in ("blocked_by_record", "candidate"):
        parts.append("missing: " + "; ".join(tree["missing"]))
    if tree.get("reviewer_decides"):
        parts.append("to decide: " + "; ".join(tree["reviewer_decides"]))
    if tree.get("stays_true"):
        parts.append("until then: " + "; ".join(tree["stays_true"]))
    return ". ".join(p[:1].upper() + p[1:] for p in parts if p)


def _entry(remedy: str, outcome: str, label: str, reason: str, takes: str) -> dict[str, Any]:
    rank = remedy_vocabulary().relief_ranks.get(outcome)
    return {
        "remedy": remedy,
        "outcome": outcome,
        "label": label,
        "reason": reason,
        "relief_rank": rank,
        "takes": takes if rank is not None else "",
    }


def whole_picture(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each conviction of a person's report with every remedy's decision and the best relief."""
    vocab = remedy_vocabulary()
    remedies = report.get("remedies") or {}
    by_remedy = {
        name: {tree["conviction_id"]: tree for tree in trees} for name, trees in remedies.items()
    }
    rows = []
    for tree in report["convictions"]:
        cid = tree["conviction_id"]
        p64 = tree["outcome"]
        entries = [
            _entry(PROP64, p64, outcome_label(p64), tree["reason"], vocab.takes.get(p64, ""))
        ]
        for name, trees in by_remedy.items():
            found = trees.get(cid)
            if found is not None:
                entries.append(
                    _entry(
                        name,
                        found["outcome"],
                        found["outcome_label"],
                        found["reason"],
                        _takes(found["outcome"], found),
                    )
                )
        ranked = [e for e in entries if e["relief_rank"] is not None]
        best = min(ranked, key=lambda e: e["relief_rank"]) if ranked else None
        rows.append(
            {
                "conviction_id": cid,
                "charge": tree["charge"],
                "level": tree["level"],
                "disposition_date": tree["disposition_date"],
                "remedies": entries,
                "best": {k: best[k] for k in ("remedy", "outcome", "label")} if best else None,
            }
        )
    return rows


def _words(code: str) -> str:
    return code.replace("_", " ")


def picture_table(rows: list[dict[str, Any]]) -> Table:
    """The whole picture as a rich table: a conviction's remedies, the best marked."""
    table = Table(
        title="the whole picture: every remedy, conviction by conviction", show_lines=True
    )
    table.add_column("conviction")
    table.add_column("remedy")
    table.add_column("decision")
    table.add_column("what it would take")
    for row in rows:
        when = escape(row["disposition_date"] or "date unknown")
        head = (
            f"{escape(row['charge'] or '?')} {escape(row['level'])}\n{when}\n"
            f"[dim]{escape(row['conviction_id'])}[/]"
        )
        best = row["best"]
        for n, entry in enumerate(row["remedies"]):
            is_best = best is not None and entry["remedy"] == best["remedy"]
            mark = "[bold green]best:[/] " if is_best else ""
            table.add_row(
                head if n == 0 else "",
                escape(entry["remedy"].replace("_", ".")),
                f"{mark}{escape(entry['label'])}\n[dim]{escape(_words(entry['reason']))}[/]",
                escape(entry["takes"]),
            )
    return table


def picture_markdown(rows: list[dict[str, Any]]) -> list[str]:
    """The whole picture as Markdown: one table a conviction."""
    lines = ["## The whole picture", ""]
    for row in rows:
        best = row["best"]
        best_text = f"{best['label']} ({best['remedy'].replace('_', '.')})" if best else "none"
        lines += [
            f"### {row['charge'] or '?'} ({row['level']}), "
            f"{row['disposition_date'] or 'date unknown'}: best relief {best_text}",
            "",
            "| remedy | decision | reason | what it would take |",
            "|---|---|---|---|",
        ]
        for entry in row["remedies"]:
            cells = (
                entry["remedy"].replace("_", "."),
                entry["label"],
                entry["reason"],
                entry["takes"],
            )
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        lines.append("")
    return lines
