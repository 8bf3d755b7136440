"""Compare finished runs of the same input under different policies.

The runs' ``convictions.csv`` files list the same convictions in the same order (same input,
same sort), so they are read side by side in one pass. The comparison writes the
convictions the policies decide differently and the totals of each policy, each file
written owner-only under a temporary name and renamed into place.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.private_files import open_private, write_private, written_whole

COMPARISON_FILES = ("comparison.csv", "comparison.json")
TEMPORARY = re.compile(r"^\.comparison\.(?:csv|json)\.tmp-\d+$")  # while they are written

HEADLINES = (
    ("people", "relieved"),
    ("people", "relieved_no_felony_after"),
    ("people", "relieved_no_conviction_after"),
    ("convictions", "dismissed"),
    ("convictions", "redesignated"),
    ("convictions", "resentenced"),
    ("convictions", "review"),
    ("convictions", "not_eligible"),
)


def compare_runs(runs: dict[str, Path], out_dir: Path) -> dict[str, Any]:
    """Write ``comparison.csv`` and ``comparison.json`` into ``out_dir``; return the totals."""
    names = list(runs)
    summaries = {
        name: json.loads((path / "summary.json").read_text(encoding="utf-8"))
        for name, path in runs.items()
    }
    differing = Counter[str]()
    csv_path = out_dir / "comparison.csv"
    with written_whole(csv_path) as temp:
        _write_differences(runs, temp, differing)
    totals = {
        name: {f"{group}.{key}": summaries[name][group][key] for group, key in HEADLINES}
        for name in names
    }
    result = {
        "policies": names,
        "runs": {name: str(path) for name, path in runs.items()},
        "headline": totals,
        "by_outcome": {name: summaries[name]["by_outcome"] for name in names},
        "differing_convictions": differing.pop("convictions", 0),
        "changes": dict(sorted(differing.items())),
    }
    with written_whole(out_dir / "comparison.json") as temp:
        write_private(temp, json.dumps(result, indent=2) + "\n")
    return result


def _write_differences(runs: dict[str, Path], path: Path, differing: Counter[str]) -> None:
    """Write the convictions the runs decide differently to ``path``, counting them."""
    names = list(runs)
    with ExitStack() as stack:
        readers = [
            csv.DictReader(stack.enter_context((runs[n] / "convictions.csv").open(newline="")))
            for n in names
        ]
        handle = stack.enter_context(open_private(path))
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["subject_id", "conviction_id", "code_section", "level", "disposition_date"]
            + [f"{n}:{col}" for n in names for col in ("outcome", "reason")]
        )
        for rows in zip(*readers, strict=True):
            ids = {r["conviction_id"] for r in rows}
            if len(ids) != 1:
                raise UserError("the runs do not list the same convictions; were the inputs equal?")
            pairs = [(r["outcome"], r["reason"]) for r in rows]
            if len(set(pairs)) == 1:
                continue
            first = rows[0]
            differing["convictions"] += 1
            differing[" -> ".join(o for o, _ in pairs)] += 1
            writer.writerow(
                [first["subject_id"], first["conviction_id"], first["code_section"],
                 first["level"], first["disposition_date"]]
                + [v for pair in pairs for v in pair]
            )  # fmt: skip
