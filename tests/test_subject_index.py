"""The workbench's subject index: one person's rows read by offset give the whole read's history."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from cli_runs import run_cli
from doj_builder import arrest, court, csv_text, row
from test_row_accounting import generate

from cmr_reason.cli.workbench.app import warm_up
from cmr_reason.facts.doj.offsets import history_at, locate_rows
from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import sha256_of
from cmr_reason.facts.synth.generator import write_file
from cmr_reason.reasoner.run.directory import open_run
from cmr_reason.reasoner.run.subject_index import INDEX_FILE, build_index, index_key, open_index


def _key(paths: list[Path]) -> str:
    return index_key([{"path": str(p), "sha256": sha256_of(p)} for p in paths], "utf-8")


def _same_histories(paths: list[Path], tmp_path: Path) -> int:
    """Assert the index gives every subject's history as the whole read does; return count."""
    whole = read_doj(paths)
    index = build_index(tmp_path, paths, _key(paths))
    for sid in [*sorted(whole.subjects), "no-such-person"]:
        expected = whole.history(sid)
        found = index.history(sid)
        assert (found and found.model_dump()) == (expected and expected.model_dump()), sid
    return len(whole.subjects)


def _spans(path: Path) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = {}
    locate_rows(path, 0, "utf-8", lambda sid, line, offset: lines.setdefault(sid, []).append(line))
    return lines


def test_messy_files_give_the_whole_reads_histories(tmp_path: Path) -> None:
    """Shuffled rows, duplicates, damaged rows, quoted newlines, a person in two files."""
    paths = []
    for seed in (5, 6):
        text, _ = generate(seed=seed, people=80)
        path = tmp_path / f"g{seed}.csv"
        path.write_text(text, encoding="utf-8", newline="")
        paths.append(path)
    assert _same_histories(paths, tmp_path) == 80
    whole = read_doj(paths)
    assert any("some_rows_rejected" in h.flags for h in whole)  # damaged rows were met
    assert any(lines != list(range(lines[0], lines[0] + len(lines))) for lines in
               _spans(paths[0]).values())  # fmt: skip


def test_a_synthetic_file_with_damaged_rows(tmp_path: Path) -> None:
    path = tmp_path / "synth.csv"
    stats = write_file(path, people=300, seed=11, malformed_rate=0.05)
    assert stats.malformed_rows > 0
    assert _same_histories([path], tmp_path) == 300
    rows = _spans(path)
    assert sum(1 for lines in rows.values() if max(lines) - min(lines) >= len(lines)) > 10


def test_line_ends_byte_order_mark_and_other_scripts(tmp_path: Path) -> None:
    """No header, a BOM, LF and lone CR line ends, damaged lines that name a person, UTF-8."""
    first = court("001002001000", "20100304", PRI_NAME="NÚÑEZ,ÅSA", COMMENT_TEXT="A, B")
    other = arrest("001001001000", "20100301", SUBJECT_ID="2002", COMMENT_TEXT="x y")
    open_quote = court("003002001000", "20130304", COMMENT_TEXT="A\r\nB")  # two damaged lines
    later = court("002002001000", "20120304", SENT_LENGTH="TEN")  # rejected: marks the person
    wide = [*court("004002001000", "20140304"), ""]  # a 96th field without a header that has it
    text = csv_text([first, other, open_quote, later, wide, first], header=False)
    text = text.replace("\r\n", "\n", 2).replace("\r\n", "\r", 1)  # LF, then a lone CR
    path = tmp_path / "odd.csv"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    assert _same_histories([path], tmp_path) == 2
    history = read_doj([path]).history("1001")
    assert history is not None and "some_rows_rejected" in history.flags
    assert history.person.source.lines == (1,)
    assert [s.lines for s in history.rejected_rows] == [(3, 5, 6)]
    assert _spans(path) == {"1001": [1, 3, 5, 6, 7], "2002": [2]}


def test_header_with_trailing_comma_and_rows_of_other_steps(tmp_path: Path) -> None:
    rows = [row(STP_TYPE_DESCR="CUSTODY"), court("001002001000", "20100304"), row(SUBJECT_ID="")]
    path = tmp_path / "h.csv"
    path.write_text(csv_text(rows, trailing_comma=True), encoding="utf-8", newline="")
    assert _same_histories([path], tmp_path) == 1
    assert _spans(path) == {"1001": [3]}  # the other step and the row without an id: none


def test_an_index_for_other_inputs_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_file(path, people=20, seed=1)
    build_index(tmp_path, [path], _key([path]))
    assert open_index(tmp_path, [path], _key([path])) is not None
    write_file(path, people=20, seed=2, overwrite=True)
    assert open_index(tmp_path, [path], _key([path])) is None
    (tmp_path / INDEX_FILE).write_bytes(b"not a database")
    assert open_index(tmp_path, [path], _key([path])) is None


def test_a_span_of_another_subject_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_file(path, people=5, seed=1)
    located: list[tuple[str, int, int]] = []
    locate_rows(path, 0, "utf-8", lambda sid, line, offset: located.append((sid, line, offset)))
    sid, line, _ = located[0]
    other = next(entry for entry in located if entry[0] != sid)
    with pytest.raises(UserError, match="does not match the file"):
        history_at(sid, [(0, line, other[2])], [path])


@pytest.fixture
def doj_run(tmp_path: Path) -> Path:
    source = tmp_path / "in.csv"
    write_file(source, people=40, seed=7, malformed_rate=0.02)
    out = tmp_path / "run"
    run_cli(out, str(source))
    return out


def test_warm_up_indexes_a_doj_input_without_holding_it(doj_run: Path) -> None:
    run = open_run(doj_run)
    warm_up(run)
    assert "_read" not in run.__dict__  # the input is not held in memory
    index = doj_run / INDEX_FILE
    assert stat.S_IMODE(index.stat().st_mode) == 0o600
    assert not list(doj_run.glob(f".{INDEX_FILE}*"))  # no temporary file left
    whole = read_doj([Path(e["path"]) for e in run.manifest["inputs"]])
    for sid in whole.subject_ids:
        assert run.history(sid).model_dump() == whole.history(sid).model_dump()
    person = next(p for p in run.people)["subject_id"]
    trees = run.explain(person)
    expected = [c.conviction_id for c in whole.history(person).convictions]
    assert [t["conviction_id"] for t in trees] == expected
    # A later opening of the run uses the index as it is (not rebuilt).
    built = index.stat().st_mtime_ns
    again = open_run(doj_run)
    warm_up(again)
    assert index.stat().st_mtime_ns == built
    assert again.history(person).model_dump() == whole.history(person).model_dump()


def test_a_changed_input_is_refused_and_a_stale_index_rebuilt(doj_run: Path) -> None:
    run = open_run(doj_run)
    warm_up(run)
    person = run.people[0]["subject_id"]
    source = Path(run.manifest["inputs"][0]["path"])
    original = source.read_bytes()
    source.write_bytes(original + b"\r\n")
    with pytest.raises(UserError, match="changed since the run"):
        run.history(person)  # the open index notices the file was touched
    with pytest.raises(UserError, match="changed since the run"):
        open_run(doj_run).history(person)
    # A manifest recording other inputs (a re-run) makes the index stale: rebuilt, not used.
    manifest_path = doj_run / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["inputs"][0]["sha256"] = sha256_of(source)
    manifest_path.write_text(json.dumps(manifest))
    index = doj_run / INDEX_FILE
    with sqlite3.connect(index) as db:
        old_key = db.execute("SELECT value FROM meta").fetchone()[0]
    fresh = open_run(doj_run)
    assert fresh._indexed() is None  # the old index is not trusted
    warm_up(fresh)
    with sqlite3.connect(index) as db:
        assert db.execute("SELECT value FROM meta").fetchone()[0] != old_key
    assert fresh.history(person).model_dump() == read_doj([source]).history(person).model_dump()


def test_hand_written_histories_are_held_in_memory(tmp_path: Path) -> None:
    case = min(Path(__file__).parent.glob("cases/prop64/*.lp"))
    out = tmp_path / "run"
    run_cli(out, str(case))
    run = open_run(out)
    warm_up(run)
    assert "_read" in run.__dict__
    assert not (out / INDEX_FILE).exists()
