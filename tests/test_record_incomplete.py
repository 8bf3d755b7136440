"""Damage stays with its person, and shows (#16 item 2; programs/core/record_incomplete.lp).

A synthetic DOJ file is run clean and again with some of its lines damaged, each of one
person. Every physical line is accounted for; the people none of whose lines was damaged
keep every output row byte for byte; a person a rejected line names has every conviction
flagged record_incomplete, and no relief: what was relief became review, naming the line.
"""

from __future__ import annotations

import csv
import io
import json
import random
import tempfile
from functools import cache
from pathlib import Path

from cli_runs import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from cmr_reason.facts.doj.columns import INDEX
from cmr_reason.facts.history import Source
from cmr_reason.facts.lp_reader import read_lp
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.engine.case_runner import _settings
from cmr_reason.reasoner.engine.program_set import ProgramSet, load_program_set
from cmr_reason.reasoner.engine.solver import decide
from cmr_reason.reasoner.run.rows import RELIEF

PEOPLE = 60
_SID = INDEX["SUBJECT_ID"]
_DATES = (INDEX["STP_EVENT_DATE"], INDEX["DISP_DATE"])


def _after_subject(text: str) -> int:
    """Where the text after the SUBJECT_ID field begins (synthetic lines quote no early field)."""
    at = -1
    for _ in range(_SID + 1):
        at = text.index(",", at + 1)
    return at


def _fields(text: str) -> list[str]:
    return next(csv.reader([text]))


def _line(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue()


def _outside_quotes(text: str, start: int) -> list[int]:
    """Positions after ``start`` that are not inside a quoted field."""
    found, quoted = [], False
    for at, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and at > start:
            found.append(at)
    return found


def _damage(rng: random.Random, text: str) -> tuple[str, str]:
    """One kind of damage to one line (its line end kept apart); returns (kind, new text)."""
    start = _after_subject(text)
    free = _outside_quotes(text, start)
    commas = [k for k in free if text[k] == ","]
    kind = rng.choice(
        ["stray_quote", "extra_comma", "lost_comma", "cut", "nul", "blank_subject", "bad_date",
         "no_dates"]
    )  # fmt: skip
    if kind == "stray_quote":
        at = rng.choice(commas) + 1
        return kind, f'{text[:at]}"{text[at:]}'
    if kind == "extra_comma":
        at = rng.choice(free)
        return kind, f"{text[:at]},{text[at:]}"
    if kind == "lost_comma":
        at = rng.choice(commas[1:])
        return kind, text[:at] + text[at + 1 :]
    if kind == "cut":
        return kind, text[: rng.choice(commas[1:])]
    if kind == "nul":
        at = rng.randrange(start + 1, len(text))
        return kind, f"{text[:at]}\0{text[at:]}"
    fields = _fields(text)
    if kind == "blank_subject":
        fields[_SID] = ""  # the CII number still tells whose row it is
    elif kind == "bad_date":
        fields[_DATES[0]] = "20091345"
    else:
        for index in _DATES:
            fields[index] = ""
    return kind, _line(fields)


@cache
def _clean(root: str) -> tuple[Path, list[str], dict[str, list[list[str]]]]:
    """The synthetic file, its lines, and the clean run's rows by file name."""
    source = Path(root) / "in.csv"
    write_file(source, people=PEOPLE, seed=16)
    out = Path(root) / "clean"
    run_cli(out, str(source))
    return source, source.read_text(encoding="utf-8").splitlines(keepends=True), _rows(out, source)


def _rows(out: Path, source: Path) -> dict[str, list[list[str]]]:
    """The run's output rows by file name, the input's path written ``IN``."""
    found = {}
    for name in ("convictions", "people", "rejects"):
        text = (out / f"{name}.csv").read_text(encoding="utf-8").replace(str(source), "IN")
        found[name] = list(csv.reader(io.StringIO(text, newline="")))[1:]
    found["summary"] = [[(out / "summary.json").read_text(encoding="utf-8")]]
    return found


def _by_subject(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    grouped: dict[str, list[list[str]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


_root = tempfile.TemporaryDirectory(prefix="cmr-reason-damage-")


@settings(max_examples=3)
@given(rng=st.randoms(use_true_random=False), count=st.integers(min_value=8, max_value=20))
def test_damage_stays_with_its_person(rng: random.Random, count: int) -> None:
    _, lines, clean = _clean(_root.name)
    header, data = lines[0], lines[1:]
    damaged: dict[int, tuple[str, str]] = {}  # line number -> (subject, kind)
    new = list(data)
    for index in rng.sample(range(len(data)), count):
        text = data[index]
        body = text.rstrip("\r\n")
        kind, changed = _damage(rng, body)
        new[index] = changed + text[len(body) :]
        damaged[index + 2] = (_fields(body)[_SID], kind)
    with tempfile.TemporaryDirectory(dir=_root.name) as work:
        path = Path(work) / "in.csv"
        path.write_text(header + "".join(new), encoding="utf-8", newline="")
        run_cli(Path(work) / "out", str(path))
        after = _rows(Path(work) / "out", path)
    touched = {subject for subject, _ in damaged.values()}

    # Every physical line is in the account, once.
    summary = json.loads(after["summary"][0][0])["input"]
    assert summary["rows_in"] == len(data)
    rejected = {int(row[1]): row for row in after["rejects"]}
    assert set(rejected) <= set(damaged)
    broken = {"stray_quote", "extra_comma", "lost_comma", "cut", "nul", "blank_subject"}
    assert {n for n, (_, kind) in damaged.items() if kind in broken} <= set(rejected)
    for number, row in rejected.items():  # named by its SUBJECT_ID, or given by its CII
        assert row[4] == damaged[number][0], row

    # No one else's decision changes: every row of an undamaged person is the same.
    for name in ("convictions", "people"):
        before, now = _by_subject(clean[name]), _by_subject(after[name])
        for subject in set(before) | set(now):
            if subject not in touched:
                assert now.get(subject) == before.get(subject), (name, subject)

    # A person a rejected line names: every conviction flagged, no relief, the line named.
    first_line: dict[str, int] = {}
    for number in sorted(rejected):
        first_line.setdefault(damaged[number][0], number)
    clean_outcomes = {row[2]: row[13] for row in clean["convictions"]}
    for subject, convictions in _by_subject(after["convictions"]).items():
        if subject not in first_line:
            continue
        for row in convictions:
            flags, outcome, reason, explanation = row[18].split(";"), row[13], row[14], row[19]
            assert "record_incomplete" in flags, row
            assert outcome not in RELIEF, row
            if clean_outcomes.get(row[2]) in RELIEF:
                assert outcome == "review", row
            if reason == "record_incomplete":
                assert f"IN, line {first_line[subject]})" in explanation, row


CASES = sorted((Path(__file__).parent / "cases").rglob("*.lp"))


def _expected(path: Path) -> dict[str, tuple[str, str]]:
    """A legal edge case's expected decisions (expect/3 is there for every conviction)."""
    return {
        fact.symbol.arguments[0].string: (
            fact.symbol.arguments[1].name,
            fact.symbol.arguments[2].name,
        )
        for fact in read_lp(path).expectations
        if fact.symbol.name == "expect"
    }


@cache
def _programs(policy: str) -> ProgramSet:
    """One program set a policy (its texts are built once, not once a case)."""
    return load_program_set(policy)


def _incomplete(path: Path) -> dict[str, tuple[str, str, str, list[str]]]:
    """A legal edge case's decisions, each person's record made incomplete."""
    doc = read_lp(path)
    as_of, policy, scope, params = _settings(doc, None)
    lost = (Source(file="lost.csv", lines=(7,)),)
    histories = [h.model_copy(update={"rejected_rows": lost}) for h in doc.histories]
    solved = decide(histories, _programs(policy), as_of, scope or None, params)
    assert not solved.internal_errors, solved.internal_errors
    return {
        cid: (d.outcome, d.reason, d.decided_by, d.flags) for cid, d in solved.decisions.items()
    }


def test_an_incomplete_record_gives_no_relief_under_any_policy() -> None:
    """Every legal edge case, each person's record made incomplete, under the case's policy.

    Relief and no relief become review (unless a reviewer decided); a decision that rests on
    what the record shows (not_eligible, not_applicable) stands, and a review stays one; a
    charge a policy relieves only as related to a cannabis conviction falls back to the
    statute's not_applicable.
    """
    policies = set()
    for path in CASES:
        before, after = _expected(path), _incomplete(path)
        policies.add(read_lp(path).setting("policy")[0].arguments[0].name)
        assert before.keys() == after.keys(), path
        for cid, (outcome, reason, decided_by, flags) in after.items():
            was, was_reason = before[cid]
            where = f"{path.name} {cid}: {was}/{was_reason} -> {outcome}/{reason}"
            assert "record_incomplete" in flags, where
            if decided_by.startswith("review."):  # a reviewer's decision stands
                assert outcome == was, where
            elif was_reason == "relief_already_granted":
                # relief the record shows was granted (HS 11361.8) rests on what is present
                assert (outcome, reason) == (was, was_reason), where
            elif was_reason in {"related_charge", "related_charge_review"}:
                # a related charge follows its cannabis conviction, no longer relieved
                assert (outcome, reason) == ("not_applicable", "not_cannabis"), where
            elif was in RELIEF or was == "no_relief" or was == "review":
                assert outcome == "review", where
            else:
                assert (outcome, reason) == (was, was_reason), where
    assert len(policies) >= 7  # the statute and every county policy
