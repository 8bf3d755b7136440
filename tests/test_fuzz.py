"""The fuzz harness on a small file (tests/fuzz/, #16 item 8; docs/reliability.md).

A 300-person synthetic file is run clean, then with 400 of its lines damaged by every kind
of damage at once, and the guarantees are checked: no traceback, every physical line in the
account once (serial and ranged reads alike), no undamaged person's output changed, every
damaged person the reader can name flagged with no relief. The checker itself is shown to
find each kind of violation in a tampered run.
"""

from __future__ import annotations

import csv
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fuzz.accounting import line_account
from fuzz.check import CleanRun, Verdict, check, clean_run
from fuzz.kinds import HARMLESS, KINDS, REJECT, VALUE
from fuzz.mutate import MutationLog, mutate_file
from fuzz.runs import RunResult, synth
from fuzz.session import fuzz_file

from cmr_reason.facts.doj import split as doj_split

PEOPLE, SEED, ROWS = 300, 8, 400
MIXED = [kind for kind in KINDS if kind.name != "non_utf8_byte"]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> CleanRun:
    work = tmp_path_factory.mktemp("fuzz-clean")
    path = work / "clean.csv"
    synth(path, PEOPLE, SEED)
    return clean_run(path, work / "clean-run")


@pytest.fixture(scope="module")
def mixed(
    clean: CleanRun, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Verdict, MutationLog, Path]:
    work = tmp_path_factory.mktemp("fuzz-mixed")
    verdict, log = fuzz_file(clean, MIXED, seed=1, rows=ROWS, work=work, name="mixed")
    return verdict, log, work


def test_there_are_at_least_30_kinds_of_damage_each_documented() -> None:
    assert len(KINDS) >= 30
    assert len({kind.name for kind in KINDS}) == len(KINDS)
    doc = (Path(__file__).parents[1] / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert [kind.name for kind in KINDS if f"| `{kind.name}` |" not in doc] == []


def test_every_guarantee_holds_on_every_kind_of_damage(mixed) -> None:
    verdict, log, _ = mixed
    assert verdict.ok, verdict.report()
    assert len(log.mutations) == ROWS
    assert set(log.by_kind()) == {kind.name for kind in MIXED}  # every kind, about equally
    assert min(log.by_kind().values()) >= 5
    assert {REJECT, VALUE, HARMLESS} <= set(verdict.lines)
    # the account adds up to the lines of the mutated file, with lines split and inserted
    assert verdict.account["rows_in"] == log.data_lines > log.clean_data_lines
    assert verdict.account["rows_rejected"] >= 250
    # enough people on each side for the comparison to mean something
    assert verdict.people["undamaged"] >= 150
    assert verdict.people["flagged"] >= 50
    assert verdict.changed["flagged"] == verdict.people["flagged"]  # their flags, at least
    # every line damage the reader can see names its person: no one is left unflagged
    assert all(m.attributable for m in log.mutations if m.category == REJECT)
    assert verdict.people["unattributable"] == 0


def test_a_file_that_is_not_utf8_is_refused_in_one_line_then_read_as_latin1(clean, tmp_path):
    kinds = [kind for kind in KINDS if kind.name == "non_utf8_byte"]
    verdict, log = fuzz_file(clean, kinds, seed=2, rows=20, work=tmp_path, name="latin1")
    assert log.whole_file and len(log.mutations) == 20
    assert verdict.ok, verdict.report()
    assert verdict.account["rows_in"] == log.data_lines


def test_digits_of_other_scripts_are_rejected_never_read_as_numbers(clean, tmp_path):
    """Superscript, fullwidth or Arabic-Indic digits in a date, CNT_ORDER or SENT_LENGTH: the line
    rejected, its person named and flagged; in SENT_ORDER the line is read (ordered as text).
    Never a traceback."""
    kinds = [kind for kind in KINDS if kind.name == "non_ascii_digits"]
    verdict, log = fuzz_file(clean, kinds, seed=4, rows=80, work=tmp_path, name="digits")
    assert verdict.ok, verdict.report()
    assert len(log.mutations) == 80
    rejected = [m for m in log.mutations if m.category == REJECT]
    assert len(rejected) >= 50 and all(m.attributable for m in rejected)
    assert {m.category for m in log.mutations} == {REJECT, VALUE}  # SENT_ORDER is read
    reasons = {r for m in rejected for r in m.reasons}
    assert {"bad_cnt_order", "bad_sentence_length", "bad_date:STP_EVENT_DATE"} <= reasons
    assert verdict.account["rows_rejected"] >= len(rejected)
    assert verdict.people["flagged"] >= len({m.owner for m in rejected})
    lines = log.path.read_text(encoding="utf-8").splitlines()
    for m in log.mutations:
        damaged = lines[m.first - 1]
        assert any(c.isdigit() and not c.isascii() for c in damaged), damaged[:120]


def test_serial_and_ranged_reads_account_for_every_line_alike(clean, tmp_path, monkeypatch):
    # Lone carriage returns make a ranged read give way to a serial one: leave them out.
    kinds = [kind for kind in MIXED if kind.name != "lone_cr"]
    path = tmp_path / "ranged.csv"
    log = mutate_file(clean.path, path, kinds, seed=3, rows=ROWS)
    serial = line_account(path)
    monkeypatch.setattr(doj_split, "MIN_SPLIT_BYTES", 1)
    ranged_reads = []
    real = doj_split.route_in_parallel

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        ranged_reads.append(result is not None)
        return result

    monkeypatch.setattr(doj_split, "route_in_parallel", spy)
    with ThreadPoolExecutor(max_workers=3) as pool:
        ranged = line_account(path, pool=pool, parts=3, temp_dir=str(tmp_path))
    assert ranged_reads == [True]
    every = sorted([*serial.used, *serial.irrelevant, *serial.rejected])
    assert every == list(range(2, log.data_lines + 2))  # each line once
    assert ranged == serial


def test_the_mutator_is_deterministic(clean, tmp_path):
    first, again, other = (tmp_path / f"{n}.csv" for n in ("first", "again", "other"))
    mutate_file(clean.path, first, MIXED, seed=5, rows=100)
    mutate_file(clean.path, again, MIXED, seed=5, rows=100)
    mutate_file(clean.path, other, MIXED, seed=6, rows=100)
    assert first.read_bytes() == again.read_bytes() != other.read_bytes()


def _edit(path: Path, change) -> None:
    """Rewrite a CSV file of a run, passing each row (a dict) through ``change``."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        names, rows = reader.fieldnames, list(reader)
    rows = [new for row in rows if (new := change(row)) is not None]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, names, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _tampered(mixed, tmp_path: Path, name: str) -> tuple[Path, MutationLog]:
    _, log, work = mixed
    out = tmp_path / name
    shutil.copytree(work / "mixed-run", out)
    return out, log


def test_the_checker_finds_each_kind_of_violation(clean, mixed, tmp_path):
    _, log, work = mixed
    flagged = {m.owner for m in log.mutations if m.category == REJECT and m.attributable}
    undamaged = sorted(clean.outputs.digests.keys() - {m.owner for m in log.mutations})

    def found(out: Path, result: RunResult | None = None) -> set[str]:
        result = result or RunResult([], 0, "", 1.0, out)
        return set(check(clean, log, result).violations)

    # An undamaged person's decision changed.
    out, _ = _tampered(mixed, tmp_path, "changed")
    victim = undamaged[0]
    _edit(
        out / "convictions.csv",
        lambda r: {**r, "outcome": "review"} if r["subject_id"] == victim else r,
    )
    assert found(out) == {"unchanged"}

    # A damaged person's conviction neither flagged nor kept from relief.
    out, _ = _tampered(mixed, tmp_path, "unflagged")
    target = next(iter(sorted(flagged & {r["subject_id"] for r in _rows(out)})))

    def unflag(row):
        if row["subject_id"] != target:
            return row
        return {**row, "flags": "", "outcome": "dismiss_and_seal"}

    _edit(out / "convictions.csv", unflag)
    assert found(out) == {"not_flagged", "relief_on_silence"}

    # A damaged line missing from rejects.csv (and so from the account).
    out, _ = _tampered(mixed, tmp_path, "unrejected")
    line = str(next(m.first for m in log.mutations if m.category == REJECT))
    _edit(out / "rejects.csv", lambda r: None if r["source_line"] == line else r)
    assert found(out) == {"not_rejected", "reject_list"}

    # A rejected line that must name its person names no one; another given a wrong reason.
    out, _ = _tampered(mixed, tmp_path, "unnamed")
    named = next(m for m in log.mutations if m.category == REJECT and m.attributable)
    _edit(
        out / "rejects.csv",
        lambda r: {**r, "subject_id": ""} if r["source_line"] == str(named.first) else r,
    )
    assert found(out) == {"not_attributed"}
    out, _ = _tampered(mixed, tmp_path, "misnamed")
    _edit(
        out / "rejects.csv",
        lambda r: {**r, "reason": "header_row"} if r["source_line"] == str(named.first) else r,
    )
    assert found(out) == {"wrong_reason"}

    # A line kept by a harmless mutation, and a line no mutation touched, listed as rejected.
    kept = next(m.first for m in log.mutations if m.category == HARMLESS)
    touched = {line for m in log.mutations for line in m.lines}
    untouched = next(n for n in range(2, log.data_lines + 2) if n not in touched)
    for name, line, code in (("kept", kept, "kept_rejected"),
                             ("clean", untouched, "clean_line_rejected")):  # fmt: skip
        out, _ = _tampered(mixed, tmp_path, name)
        with (out / "rejects.csv").open("a", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerow(
                [log.path.name, line, "header_row", "", ""]
            )
        assert found(out) == {code, "reject_list"}

    # The account does not add up to the file's lines.
    out, _ = _tampered(mixed, tmp_path, "miscounted")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary["input"]["rows_in"] += 1
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert found(out) == {"line_count", "account_sum"}

    # Internal errors in the rules (exit 3, the outputs written).
    out, _ = _tampered(mixed, tmp_path, "internal")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["internal_errors"] = 1
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert found(out, RunResult([], 3, "error: 1 internal error(s)", 1.0, out)) == {
        "internal_error"
    }

    # A traceback.
    crash = RunResult([], 1, "Traceback (most recent call last):\n  ...\nKeyError: 'x'\n", 1.0)
    assert found(work, crash) == {"traceback"}


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "convictions.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
