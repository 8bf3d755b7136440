"""Routing a file in byte ranges gives what the serial read gives (facts/doj/split.py)."""

from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
from doj_builder import court, csv_text
from test_doj_stream import _account, _streamed, generated_files
from test_row_accounting import generate

from cmr_reason.facts.doj import split as doj_split
from cmr_reason.facts.doj.accounting import RowAccount
from cmr_reason.facts.doj.history_builder import build_history
from cmr_reason.facts.doj.reader import _read_run, _unpack, read_doj, use_rows
from cmr_reason.facts.doj.stream import stream_doj


def _split_stream(paths, tmp_path, parts=3):
    """Histories and account through stream_doj with ranges routed on a pool of threads."""
    with ThreadPoolExecutor(max_workers=parts) as pool:
        stream = stream_doj(paths, budget_bytes=30_000, temp_dir=str(tmp_path), pool=pool,
                            parts=parts)  # fmt: skip
    with stream:
        histories = []
        for sid, rows in stream.items():
            subjects, accounts = use_rows([(sid, rows)], stream.files, stream.orphans)
            stream.absorb(accounts)
            histories += [build_history(s, subject, stream.files) for s, subject in subjects]
        return histories, stream.account, stream.routed_rows


@pytest.fixture
def small_cuts(monkeypatch):
    """Cut files of any size, and record what the parallel routing returned."""
    monkeypatch.setattr(doj_split, "MIN_SPLIT_BYTES", 1)
    returned = []
    real = doj_split.route_in_parallel

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        returned.append(result is not None)
        return result

    monkeypatch.setattr(doj_split, "route_in_parallel", spy)
    return returned


def test_cuts_fall_at_line_ends(tmp_path):
    # CRLF line ends, open quotes in damaged lines (a seed whose cuts fall after one)
    text, _ = generate(seed=13, people=150)
    path = tmp_path / "g.csv"
    path.write_text(text, encoding="utf-8", newline="")
    ranges = doj_split.split(path, "utf-8", 4, min_bytes=1)
    data = path.read_bytes()
    assert len(ranges) == 4
    assert ranges[0].start == 0 and ranges[-1].end == len(data)
    assert any(data[: r.start].count(b'"') % 2 for r in ranges)  # a cut after an open quote
    assert ranges[0].lines_before == 0
    for before, after in pairwise(ranges):
        assert before.end == after.start
        assert data[after.start - 1 : after.start] == b"\n"
        assert after.lines_before is None  # counted when the ranges are routed
        assert doj_split.lines_before(path, after.start) == data[: after.start].count(b"\n")


def test_small_files_and_one_part_are_not_cut(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(csv_text([court("001002001000", "20100301")]), encoding="utf-8")
    assert len(doj_split.split(path, "utf-8", 2)) == 1  # below MIN_SPLIT_BYTES
    assert len(doj_split.split(path, "utf-8", 1, min_bytes=1)) == 1


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_ranges_give_the_serial_read(tmp_path, small_cuts, parts):
    paths = generated_files(tmp_path, (12, 13), 150)
    reference = read_doj(paths)
    histories, account, routed = _split_stream(paths, tmp_path, parts)
    assert small_cuts == [True, True]  # both files were routed in ranges
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]
    assert _account(account) == _account(reference.account)  # rejects keep their lines
    with stream_doj(paths, budget_bytes=30_000, temp_dir=str(tmp_path)) as serial_stream:
        assert routed == serial_stream.routed_rows
    serial, serial_account, _ = _streamed(paths, 30_000, tmp_path)
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in serial]
    assert _account(account) == _account(serial_account)


def test_a_quote_open_across_a_cut_reads_as_serially(tmp_path, small_cuts):
    """A stray quote opens a field over the cut: each range reads each line as the serial read."""
    rows = [
        court(f"{n:03d}002001000", "20100301", SUBJECT_ID=str(1000 + n), PRI_NAME="DOE JO")
        for n in range(40)
    ]  # no field needs quotes
    text = csv_text(rows)
    lines = text.split("\r\n")
    # A stray quote in an unquoted field, then quotes opened across the middle.
    lines[3] = lines[3].replace(",CA0380000,", ',CA03"80000,', 1)
    middle = len(lines) // 2
    lines[middle - 5] = lines[middle - 5].replace(",140193", ',"140193', 1)
    lines[middle + 5] = lines[middle + 5].replace(",140193", ',140193"', 1)
    path = tmp_path / "stray.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    reference = read_doj([path])
    histories, account, _ = _split_stream([path], tmp_path, parts=2)
    assert small_cuts == [True]  # the ranges were used
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]
    assert _account(account) == _account(reference.account)
    assert [(r.line, r.reason) for r in reference.account.rejects()] == [
        (4, "stray_quote"),
        (middle - 4, "unclosed_quote"),
        (middle + 6, "stray_quote"),
    ]
    assert reference.account.rows_in == 40


def test_a_header_with_a_trailing_comma_fixes_the_width_of_every_range(tmp_path, small_cuts):
    good = [court(f"{n:03d}002001000", "20100301", SUBJECT_ID=str(1000 + n)) for n in range(40)]
    text = csv_text(good, trailing_comma=True).split("\r\n")
    text[30] = text[30].removesuffix(",")  # 95 fields in a file of 96: rejected
    path = tmp_path / "wide.csv"
    path.write_text("\r\n".join(text), encoding="utf-8", newline="")
    reference = read_doj([path])
    assert [(r.line, r.reason) for r in reference.account.rejects()] == [(31, "wrong_field_count")]
    histories, account, _ = _split_stream([path], tmp_path, parts=3)
    assert small_cuts == [True]
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]
    assert _account(account) == _account(reference.account)


def test_a_byte_order_mark_and_an_undecodable_line_read_as_serially(tmp_path, small_cuts):
    rows = [court(f"{n:03d}002001000", "20100301", SUBJECT_ID=str(1000 + n)) for n in range(30)]
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8"))
    reference = read_doj([path])
    histories, account, _ = _split_stream([path], tmp_path, parts=3)
    assert small_cuts == [True]
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]
    assert _account(account) == _account(reference.account)
    bad = tmp_path / "bad.csv"
    data = csv_text(rows).encode("utf-8")
    bad.write_bytes(data.replace(b"SAN FRANCISCO", b"SAN FRANC\xe9SCO", 1))
    with pytest.raises(Exception, match="not valid utf-8"):
        _split_stream([bad], tmp_path, parts=3)


def test_a_run_with_two_workers_routes_in_processes_and_writes_the_same_files(tmp_path, small_cuts):
    """The real path: ranges routed by forked processes, then decided by two workers."""
    from typer.testing import CliRunner

    from cmr_reason.cli.app import app

    text, _ = generate(seed=14, people=120)
    path = tmp_path / "g.csv"
    path.write_text(text, encoding="utf-8", newline="")
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        result = CliRunner().invoke(
            app,
            ["run", str(path), "--as-of", "2020-07-01", "--out", str(out), "--workers", workers,
             "-q", "--accept-rejects"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs[workers] = {
            name: (out / name).read_bytes()
            for name in ("convictions.csv", "people.csv", "cases.csv", "rejects.csv",
                         "summary.json")
        }  # fmt: skip
    assert small_cuts == [True]  # only the two-worker run cuts the file
    assert outputs["1"] == outputs["2"]


def test_a_lone_carriage_return_reads_as_serially(tmp_path, small_cuts):
    """Text mode ends a line at a lone CR; ranges split at LF only, so they give way."""
    rows = [
        court(f"{n:03d}002001000", "20100301", SUBJECT_ID=str(1000 + n), PRI_NAME="DOE JO")
        for n in range(30)
    ]
    rows[20][-1] = "a\rb"  # quoted in the file: a field open over two text-mode lines
    rows[25] = court("025002001000", "20091345", SUBJECT_ID="1025", PRI_NAME="DOE JO")
    # ^ a rejected row (bad date) after it: its line number must match the serial read's
    path = tmp_path / "cr.csv"
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    reference = read_doj([path])
    histories, account, _ = _split_stream([path], tmp_path, parts=2)
    assert small_cuts == [False]
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]
    assert _account(account) == _account(reference.account)
    assert [(r.line, r.reason) for r in reference.account.rejects()] == [
        (22, "unclosed_quote"),
        (23, "stray_quote"),
        (28, "bad_date:STP_EVENT_DATE"),
    ]


@pytest.mark.parametrize("parts", [2, 7])
def test_later_ranges_count_their_own_lines_as_the_serial_read(
    tmp_path, small_cuts, monkeypatch, parts
):
    """LF line ends, no final line end, damaged rows (a quoted field over two lines, stray
    quotes, wrong field counts): each range's line ends are counted once, by a task of its
    own, and every row and reject keeps the serial read's line."""
    text, _ = generate(seed=21, people=150)
    text = text.replace("\r\n", "\n").removesuffix("\n")
    path = tmp_path / "lf.csv"
    path.write_text(text, encoding="utf-8", newline="")
    ranges = doj_split.split(path, "utf-8", parts, min_bytes=1)
    assert len(ranges) == parts
    assert ranges[0].lines_before == 0
    assert all(part.lines_before is None for part in ranges[1:])
    counted: list[tuple[int, int]] = []
    real_count = doj_split.line_feeds

    def count(path, start, end):
        counted.append((start, end))
        return real_count(path, start, end)

    monkeypatch.setattr(doj_split, "line_feeds", count)
    reference = read_doj([path])
    assert {r.reason for r in reference.account.rejects()} >= {"unclosed_quote", "stray_quote"}
    histories, account, _ = _split_stream([path], tmp_path, parts)
    assert small_cuts == [True]
    assert [h.model_dump() for h in histories] == [h.model_dump() for h in reference]
    assert _account(account) == _account(reference.account)
    # Each byte before the last range counted once: a range's own, not all the file before it.
    assert sorted(counted) == [(part.start, part.end) for part in ranges[:-1]]


def test_the_line_feeds_of_ranges_add_up_to_those_before_each(tmp_path):
    """A range's own count, summed in order, is the count of the whole file before the next."""
    text, _ = generate(seed=22, people=80)
    path = tmp_path / "g.csv"
    path.write_text(text.removesuffix("\r\n"), encoding="utf-8", newline="")
    data = path.read_bytes()
    ranges = doj_split.split(path, "utf-8", 5, min_bytes=1)
    total = 0
    for part in ranges:
        assert total == data[: part.start].count(b"\n") == doj_split.lines_before(path, part.start)
        total += doj_split.line_feeds(path, part.start, part.end)
    assert total == data.count(b"\n")
    assert doj_split.line_feeds(path, 3, 3) == 0


def test_a_range_routes_with_the_file_s_own_line_numbers(tmp_path):
    """route_range numbers a later range's lines after the line ends before it; it refuses
    a range whose lines before were not counted."""
    text, _ = generate(seed=22, people=80)
    path = tmp_path / "g.csv"
    path.write_text(text, encoding="utf-8", newline="")
    _, later = doj_split.split(path, "utf-8", 2, min_bytes=1)
    with pytest.raises(ValueError, match="counted"):
        doj_split.route_range(path, 0, later, "utf-8", 1 << 20, str(tmp_path), "t", 95)
    given = doj_split.Range(later.start, later.end, path.read_bytes()[: later.start].count(b"\n"))
    result = doj_split.route_range(path, 0, given, "utf-8", 1 << 20, str(tmp_path), "t", 95)
    assert not result.failed
    rows = [row for run in result.runs for row in _read_run(run)]
    lines = [_unpack(packed)[1] for _, packed_rows in rows for packed in packed_rows]
    assert min(lines) == given.lines_before + 1  # the file's own line numbers
    assert _account(RowAccount([result.account]))  # rows were accounted for


def test_the_cuts_leave_later_ranges_less_to_route():
    """A later range waits for the counts before it (the first range's, the longest, at
    ``_COUNT_SHARE`` of routing): its share of the file is smaller, the same for each."""
    size = 1_000_000
    for parts in (2, 3, 8):
        starts = [0, *doj_split._targets(size, parts), size]
        lengths = [after - before for before, after in pairwise(starts)]
        assert lengths[0] > max(lengths[1:])
        costs = [lengths[0]] + [doj_split._COUNT_SHARE * lengths[0] + n for n in lengths[1:]]
        assert max(costs) - min(costs) <= parts  # equal but for rounding
