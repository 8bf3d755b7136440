"""The on-demand run: a million mutated rows over many files, one kind of damage a file.

:func:`big_run` writes a clean synthetic file (``cmr-reason synth``), runs it, then for each
kind of damage (and one file of all kinds mixed) writes a mutated copy with its share of the
rows, runs ``cmr-reason run --workers W`` on it (a file of more than 64 MiB is read in byte
ranges by the run), reads it again serially in-process to check every line's account, and
checks the guarantees. Each file's figures are appended to ``results.jsonl`` as soon as it
is done (a rerun with the same arguments skips the files already there); a file's mutated
copy and run are removed unless something was found. The figures end in ``WORK/figures.md``.
"""

from __future__ import annotations

import json
import math
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .check import GUARANTEES, clean_run
from .kinds import KINDS, Kind
from .runs import synth
from .session import Settings, fuzz_file

#: A line of this kind holds more than 128 KiB: a few hundred say all there is to say.
CAPS = {"very_long_field": 1000}
MIXED = "mixed"
#: The figures, written in the work folder (spelt so that it is not read as a reference).
FIGURES = Path("figures").with_suffix(".md")


@dataclass(frozen=True)
class BigArgs:
    """The on-demand run's parameters."""

    work: Path
    rows: int = 1_000_000
    people: int = 22_000  # about 75 MB: over the 64 MiB from which a run reads in ranges
    seed: int = 16
    workers: int = 2
    policy: str = "statute"
    people_share: float = 0.3
    keep: bool = False  # keep every mutated file and run


def _plans(args: BigArgs) -> list[tuple[str, list[Kind], int]]:
    """(file name, kinds, rows) for each file: every kind alone, then all mixed."""
    files: list[tuple[str, list[Kind]]] = [(kind.name, [kind]) for kind in KINDS]
    files.append((MIXED, [k for k in KINDS if k.name != "non_utf8_byte"]))
    capped = sum(CAPS.values())
    each = math.ceil((args.rows - capped) / (len(files) - len(CAPS)))
    return [(name, kinds, CAPS.get(name, each)) for name, kinds in files]


def _commit() -> str:
    """The checkout's commit, marked ``+changes`` when its tracked files differ from it."""
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return commit + (" +changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def _done(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    records = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return {record["file"]: record for record in records}


def big_run(args: BigArgs, log: Any = sys.stderr) -> list[dict[str, Any]]:
    """Run every planned file (see the module docstring); return each file's record."""
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    commit = _commit()
    clean_path = work / f"clean-{args.people}-s{args.seed}.csv"
    if not clean_path.exists():
        synth(clean_path, args.people, args.seed)
    clean = clean_run(clean_path, work / "clean-run", workers=args.workers, policy=args.policy)
    print(f"clean run: {clean.seconds:.0f} s, {len(clean.outputs.digests)} people", file=log)
    results_path = work / "results.jsonl"
    done = _done(results_path)
    settings = Settings(args.workers, args.policy, args.people_share)
    records = []
    shortfall = 0
    for number, (name, kinds, rows) in enumerate(_plans(args)):
        if name in done:
            records.append(done[name])
            continue
        target = rows + shortfall if name not in CAPS else rows
        tick = time.monotonic()
        verdict, mutation_log = fuzz_file(
            clean,
            kinds,
            seed=args.seed * 1000 + number,
            rows=target,
            work=work,
            name=name,
            settings=settings,
        )
        mutated = len(mutation_log.mutations)
        if name not in CAPS:
            shortfall = target - mutated
        record = {
            "file": name,
            "kinds": dict(verdict.kinds),
            "mutated_rows": mutated,
            "lines": mutation_log.data_lines,
            "lines_by_category": dict(verdict.lines),
            "account": verdict.account,
            "people": dict(verdict.people),
            "changed": dict(verdict.changed),
            "violations": dict(verdict.violations),
            "examples": verdict.examples,
            "by_guarantee": verdict.by_guarantee(),
            "run_seconds": round(verdict.run_seconds, 1),
            "seconds": round(time.monotonic() - tick, 1),
            "peak_mib": round(verdict.peak_mib),
        }
        with results_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        records.append(record)
        state = "ok" if verdict.ok else verdict.report()
        print(f"{name}: {mutated} rows, run {verdict.run_seconds:.0f} s: {state}", file=log)
        if verdict.ok and not args.keep:
            (work / f"{name}.csv").unlink(missing_ok=True)
            shutil.rmtree(work / f"{name}-run", ignore_errors=True)
    total = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (work / FIGURES).write_text(figures(records, args, total, peak, commit), encoding="utf-8")
    return records


def figures(
    records: list[dict[str, Any]], args: BigArgs, seconds: float, peak: float, commit: str
) -> str:
    """The run's figures as Markdown: totals, the guarantees, and one row a file."""
    rows = sum(r["mutated_rows"] for r in records)
    top = max((r["peak_mib"] for r in records), default=0)
    lines = sum(r["lines"] for r in records)
    violations: Counter[str] = Counter()
    guarantees: Counter[str] = Counter()
    for r in records:
        violations.update(r["violations"])
        guarantees.update(r["by_guarantee"])
    people = Counter[str]()
    changed = Counter[str]()
    for r in records:
        people.update(r["people"])
        changed.update(r["changed"])
    out = [
        f"{rows:,} mutated rows in {len(records)} files ({lines:,} lines read), "
        f"{args.people:,} people a file, seed {args.seed}, `--workers {args.workers}`, "
        f"policy `{args.policy}`; {seconds / 60:.0f} min in all; a run's peak memory "
        f"(its process, workers and range readers together) {top:,} MiB at most, the "
        f"checker's process {peak:.0f} MiB. Commit `{commit}`.",
        "",
        "| guarantee | violations |",
        "|---|---:|",
        *(f"| {name} | {guarantees[name]:,} |" for name in GUARANTEES),
        "",
        f"People compared: {people['undamaged']:,} undamaged (unchanged: "
        f"{people['undamaged'] - violations['unchanged']:,}); {people['flagged']:,} damaged "
        f"and named by a rejected line (flagged; rows changed: {changed['flagged']:,}); "
        f"{people['unattributable']:,} whose damaged line names no one (rows changed: "
        f"{changed['unattributable']:,}); {people['value']:,} with only undetectable value "
        f"changes (rows changed: {changed['value']:,}).",
        "",
        "| file | mutated rows | lines | rejected | irrelevant | undamaged people | "
        "flagged people | run s | peak MiB | violations |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in records:
        found = ", ".join(f"{k} {v}" for k, v in sorted(r["violations"].items())) or "none"
        out.append(
            f"| `{r['file']}` | {r['mutated_rows']:,} | {r['lines']:,} | "
            f"{r['account'].get('rows_rejected', 0):,} | "
            f"{r['account'].get('rows_irrelevant', 0):,} | {r['people'].get('undamaged', 0):,} | "
            f"{r['people'].get('flagged', 0):,} | {r['run_seconds']:.0f} | {r['peak_mib']:,} | "
            f"{found} |"
        )
    return "\n".join(out) + "\n"
