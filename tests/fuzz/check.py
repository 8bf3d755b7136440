"""The checker of the guarantees (issue #16, docs/reliability.md "Damaged input").

Given the clean file's run, a :class:`~.mutate.MutationLog` and the run of the mutated file,
:func:`check` returns a :class:`Verdict`: figures and every violation, by guarantee.

Who is *damaged* (whose outputs may differ from the clean run's): the person whose clean
line a ``reject`` or ``value`` mutation changed (its *owner*), and anyone its new lines
could be read as belonging to: a subject id in their third field, or a person whose clean
rows show a CII number in their twelfth field. ``harmless`` mutations damage no one. Every
other person is *undamaged*: their ``convictions.csv`` rows (the input path left out, the
input line mapped back to the clean file's), ``people.csv`` row and ``cases.csv`` rows
must be the clean run's, byte for byte.

Who must be *flagged*: the owner of every ``reject`` mutation that leaves the line's person
readable (``attributable``), and every person ``rejects.csv`` names. Each of their
convictions must carry the flag ``record_incomplete`` and no decision that rests on an
absence (statutory or policy): no relief, and no ``no_relief`` for ``same_penalty_now``
(programs/core/record_incomplete.lp); it would rest on the silence of a record the reader
could not read in full.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cmr_reason.reasoner.run.rows import RELIEF

from .kinds import HARMLESS, KEPT, REJECT, REJECTED, VALUE
from .mutate import Mutation, MutationLog
from .runs import Outputs, RunResult, outputs, rejects, run

#: Each guarantee and the violations that break it.
GUARANTEES: dict[str, tuple[str, ...]] = {
    "no traceback": ("traceback", "one_line_error"),
    "no internal error": ("internal_error",),
    "every physical line once": (
        "line_count",
        "account_sum",
        "reject_list",
        "line_sets",
        "serial_parallel",
    ),
    "undamaged people unchanged": ("unchanged", "kept_rejected", "clean_line_rejected"),
    "damaged people flagged": (
        "not_rejected",
        "not_attributed",
        "not_flagged",
        "relief_on_silence",
    ),
    "documented reject reasons": ("wrong_reason",),
}
_EXAMPLES = 5  # examples kept per violation code


@dataclass
class CleanRun:
    """The clean file and its run's outputs, per person."""

    path: Path
    outputs: Outputs
    seconds: float
    rejected: frozenset[int] = frozenset()  # lines of the clean file its run rejected


def clean_run(path: Path, out: Path, *, workers: int = 2, policy: str = "statute") -> CleanRun:
    """Run the clean file; a failure here is a failure of the set-up, not a finding."""
    result = run([path], out, workers=workers, policy=policy)
    if result.returncode != 0:
        raise RuntimeError(f"the clean run failed: {result.stderr.strip()}")
    assert result.out is not None
    rejected = frozenset(int(row["source_line"]) for row in rejects(result.out))
    return CleanRun(path, outputs(result.out), result.seconds, rejected)


@dataclass
class Verdict:
    """What the checker found for one mutated file."""

    file: str
    kinds: Counter[str] = field(default_factory=Counter)  # damaged clean lines by kind
    lines: Counter[str] = field(default_factory=Counter)  # resulting lines by expectation
    account: dict[str, int] = field(default_factory=dict)  # the run's row account
    people: Counter[str] = field(default_factory=Counter)  # by group
    changed: Counter[str] = field(default_factory=Counter)  # damaged people whose rows changed
    violations: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    run_seconds: float = 0.0
    peak_mib: float = 0.0  # the run's parent + workers + range readers (manifest.json)

    def violate(self, code: str, detail: str) -> None:
        """Count one violation (and keep the first few as examples)."""
        self.violations[code] += 1
        kept = self.examples.setdefault(code, [])
        if len(kept) < _EXAMPLES:
            kept.append(detail)

    @property
    def ok(self) -> bool:
        """No violation of any guarantee."""
        return not self.violations

    def by_guarantee(self) -> dict[str, int]:
        """Violations counted under each guarantee."""
        return {
            name: sum(self.violations[code] for code in codes) for name, codes in GUARANTEES.items()
        }

    def report(self) -> str:
        """The violations, one line each with examples (empty when none)."""
        lines = []
        for code, count in sorted(self.violations.items()):
            lines.append(f"{self.file}: {code} x{count}: " + " | ".join(self.examples[code]))
        return "\n".join(lines)


def _no_traceback(verdict: Verdict, result: RunResult) -> bool:
    """No traceback, no error; True when the run wrote its outputs (exit 0, or 3 below)."""
    message = result.stderr.strip()
    if "Traceback" in message or result.out is None:
        tail = message.splitlines()[-1:] or [""]
        verdict.violate("traceback", f"exit {result.returncode}: {tail[0][:200]}")
        return False
    errors = result.manifest.get("internal_errors", 0)
    if errors or result.returncode != 0:  # exit 3: internal errors, the outputs written
        verdict.violate("internal_error", f"exit {result.returncode}: {message[:300]}")
    return True


def check_whole_file(log: MutationLog, result: RunResult, verdict: Verdict) -> None:
    """A file that is not UTF-8: exit 2, one line naming the first bad line, no traceback."""
    bad = min(m.first for m in log.mutations if m.whole_file)
    message = result.stderr.strip()
    if (
        result.returncode != 2
        or "Traceback" in message
        or len(message.splitlines()) != 1
        or f"line {bad} " not in message
    ):
        verdict.violate("one_line_error", f"exit {result.returncode}: {message[:300]!r}")


def _account(verdict: Verdict, log: MutationLog, result: RunResult) -> dict[int, dict[str, str]]:
    """Check the row account; return the rejected lines of the mutated file."""
    found = result.summary_input
    verdict.account = {
        key: int(found[key]) for key in ("rows_in", "rows_used", "rows_irrelevant", "rows_rejected")
    }
    rows_in = verdict.account["rows_in"]
    if rows_in != log.data_lines:
        verdict.violate("line_count", f"rows_in {rows_in}, the file has {log.data_lines} lines")
    parts = sum(verdict.account[k] for k in ("rows_used", "rows_irrelevant", "rows_rejected"))
    if parts != rows_in:
        verdict.violate("account_sum", f"used + irrelevant + rejected = {parts} != {rows_in}")
    assert result.out is not None
    listed = rejects(result.out)
    by_line: dict[int, dict[str, str]] = {}
    for row in listed:
        line = int(row["source_line"])
        if line in by_line or not 2 <= line <= log.data_lines + 1:
            verdict.violate("reject_list", f"line {line} twice or outside the file")
        by_line[line] = row
    if len(listed) != verdict.account["rows_rejected"]:
        verdict.violate("reject_list", f"{len(listed)} rejects listed, {parts} counted")
    return by_line


def _on_silence(outcome: str, reason: str) -> bool:
    """Relief, or no relief because today's level is the same: both rest on an absence."""
    return outcome in RELIEF or (outcome, reason) == ("no_relief", "same_penalty_now")


def _reach(m: Mutation, log: MutationLog) -> set[str]:
    """Whose outputs a mutation may change: its owner, and whom its new lines name."""
    found = {m.owner, *m.named}
    for cii in m.ciis:
        found |= log.ciis.get(cii, set())
    return found


def check(clean: CleanRun, log: MutationLog, result: RunResult) -> Verdict:
    """Check one run of a mutated file against the clean run (see the module's docstring)."""
    verdict = Verdict(log.path.name, log.by_kind())
    verdict.run_seconds = result.seconds
    if not _no_traceback(verdict, result):
        return verdict
    peaks = result.manifest.get("peak_rss_kib", {})
    verdict.peak_mib = sum(peaks.get(k, 0) for k in ("main", "worker_sum", "readers_sum")) / 1024
    rejected = _account(verdict, log, result)

    mutated_lines: set[int] = set()
    must_flag: set[str] = set()
    damaged: set[str] = set()
    unattributable: set[str] = set()
    value: set[str] = set()
    unnamed: list[tuple[Mutation, str]] = []  # attributable, rejected, not given to its owner
    for m in log.mutations:
        verdict.lines[m.category] += len(m.expects)
        mutated_lines.update(m.lines)
        if m.clean_line in clean.rejected:  # damaged before: any outcome is right
            damaged |= _reach(m, log)
            continue
        for line, expect in zip(m.lines, m.expects, strict=True):
            row = rejected.get(line)
            where = f"{m.kind} clean line {m.clean_line} -> line {line}"
            if expect == REJECTED and row is None:
                verdict.violate("not_rejected", where)
            elif expect == REJECTED and m.reasons and row and row["reason"] not in m.reasons:
                verdict.violate("wrong_reason", f"{where}: {row['reason']}")
            elif expect == KEPT and row is not None:
                verdict.violate("kept_rejected", f"{where}: {row['reason']}")
        if m.category == HARMLESS:
            continue
        damaged |= _reach(m, log)
        if m.category == REJECT and m.attributable:
            must_flag.add(m.owner)
            row = rejected.get(m.first)
            if row is not None and m.owner not in row["subject_id"].split(";"):
                unnamed.append((m, row["subject_id"]))
        elif m.category == REJECT:
            unattributable.add(m.owner)
        elif m.category == VALUE:
            value.add(m.owner)
    for line, row in rejected.items():
        must_flag |= {s for s in row["subject_id"].split(";") if s}
        if line not in mutated_lines and log.out_to_clean[line] not in clean.rejected:
            verdict.violate("clean_line_rejected", f"line {line}: {row['reason']}")
    unattributable -= must_flag
    value -= must_flag | unattributable

    mapping = log.out_to_clean
    assert result.out is not None
    after = outputs(
        result.out,
        lambda n: mapping[n] if n < len(mapping) else -1,
        must_flag.__contains__,
    )
    for m, named in unnamed:
        # A line known only by its CII number goes to the person whose rows show it: when
        # every other row of the person was rejected too, there is no one to give it to.
        if m.owner in after.digests:
            where = f"{m.kind} clean line {m.clean_line} -> line {m.first}"
            verdict.violate("not_attributed", f"{where}: names {named!r}")
    for subject in sorted(must_flag):
        for row in after.convictions.get(subject, []):
            where = f"{row['conviction_id']} ({row['outcome']}/{row['reason']})"
            if "record_incomplete" not in row["flags"].split(";"):
                verdict.violate("not_flagged", where)
            if _on_silence(row["outcome"], row["reason"]) or _on_silence(
                row["statutory_outcome"], row["statutory_reason"]
            ):
                verdict.violate("relief_on_silence", where)
    before = clean.outputs.digests
    everyone = before.keys() | after.digests.keys()
    for subject in sorted(everyone - damaged):
        if before.get(subject) != after.digests.get(subject):
            verdict.violate("unchanged", f"subject {subject}")
    for name, group in (
        ("flagged", must_flag),
        ("unattributable", unattributable),
        ("value", value),
    ):
        verdict.changed[name] = sum(before.get(s) != after.digests.get(s) for s in group)
        verdict.people[name] = len(group & everyone)
    verdict.people["clean"] = len(before)
    verdict.people["damaged"] = len(damaged & everyone)
    verdict.people["undamaged"] = len(everyone - damaged)
    return verdict
